using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Configuration;
using Speedera.Core.PageCheck;
using Speedera.Web.Data;
using Speedera.Web.Features.Live;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.PageCheck;

/// <summary>Settings under <c>Speedera:PageChecks</c>.</summary>
public sealed class PageCheckOptions
{
    public const string Section = "Speedera:PageChecks";

    /// <summary>How long a location may take from the check being placed to its result (queue time included).</summary>
    public TimeSpan LocationTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>The agent's own time budget for the fetches of one location.</summary>
    public TimeSpan AgentTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks an organization may place per hour.</summary>
    public int MaxChecksPerHour { get; set; } = 60;

    /// <summary>Checks of one organization that may be unfinished at once.</summary>
    public int MaxUnfinishedChecks { get; set; } = 3;

    public int MaxComponents { get; set; } = 200;

    public long MaxTotalBytes { get; set; } = 32L * 1024 * 1024;

    public int MaxRedirects { get; set; } = 5;
}

public sealed record PageCheckInput(string Url, IReadOnlyList<string> Locations, bool RepeatView, bool CompareWithOrigin, bool FullRender = false);

/// <summary>The outcome of placing a check: its id, or what is wrong with the request, or the rate limit.</summary>
/// <param name="RetryAfter">With <paramref name="RateLimited"/>: when another check would be accepted.</param>
public sealed record PageCheckPlaced(Guid? Id, IReadOnlyDictionary<string, string[]> Errors, bool RateLimited = false, TimeSpan? RetryAfter = null)
{
    public static PageCheckPlaced Invalid(string field, string message) => new(null, new Dictionary<string, string[]> { [field] = [message] });

    public string Message => string.Join(" ", Errors.Values.SelectMany(v => v));
}

/// <summary>One location of a check as pages and the API show it.</summary>
public sealed record PageCheckLocationView(string PopId, string PopName, PageCheckLocationStatus Status, string? NodeId, DateTime? ClaimedAt, DateTime? CompletedAt, DateTime Deadline, string? Error, PageCheckLocationResult? Result);

public sealed record PageCheckDetails(PageCheckEntity Check, IReadOnlyList<PageCheckLocationView> Locations)
{
    public bool Finished => Locations.All(l => l.Status is not (PageCheckLocationStatus.Queued or PageCheckLocationStatus.Running));
}

/// <summary>Wakes probe nodes waiting for page-check jobs the moment a check is placed.</summary>
public sealed class PageCheckFeed
{
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task NextAsync() => Volatile.Read(ref _signal).Task;

    public void Notify() => Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <summary>
/// Page checks: placed by customers (portal and API), handed to a probe node of each chosen POP through the edge API,
/// their results stored as the nodes upload them. A location whose deadline passes without a result shows as timed
/// out; the others are unaffected.
/// </summary>
public sealed class PageCheckService(SpeederaDbContext db, PageCheckFeed feed, LiveFeed live, CustomerTargets targets, TimeProvider time, IOptions<PageCheckOptions> options)
{
    public const int HistoryLength = 50;

    private PageCheckOptions Options => options.Value;

    public async Task<PageCheckPlaced> PlaceAsync(Guid organizationId, string author, PageCheckInput input, CancellationToken cancellationToken = default)
    {
        var raw = (input.Url ?? "").Trim();
        if (!raw.Contains("://", StringComparison.Ordinal))
        {
            raw = "http://" + raw;
        }

        if (raw.Length > 2048 || !Uri.TryCreate(raw, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0 || url.Host.Length == 0)
        {
            return PageCheckPlaced.Invalid(nameof(PageCheckInput.Url), "Enter an http or https URL such as https://www.example.com/.");
        }

        var host = url.IdnHost.ToLowerInvariant();
        var cdn = await db.Hostnames.AsNoTracking()
            .Where(h => h.OrganizationId == organizationId && (h.Name == host || h.Alias == host))
            .Select(h => new { h.Name, h.Services })
            .FirstOrDefaultAsync(cancellationToken);
        var cdnHostname = cdn is not null && cdn.Services.HasFlag(HostnameServices.Cdn) ? cdn.Name : null;
        if (cdnHostname is null && CustomerTargets.HostProblem(await targets.GuardAsync(cancellationToken), host) is { } problem)
        {
            return PageCheckPlaced.Invalid(nameof(PageCheckInput.Url), problem);
        }

        if (input.CompareWithOrigin && cdnHostname is null)
        {
            return PageCheckPlaced.Invalid(nameof(PageCheckInput.CompareWithOrigin), $"{host} is not one of your CDN hostnames: there is no origin of ours to compare with.");
        }

        var pops = await db.Pops.AsNoTracking().Select(p => p.Id).ToListAsync(cancellationToken);
        var locations = (input.Locations ?? []).Select(l => l.Trim().ToLowerInvariant()).Distinct().ToList();
        if (locations.Count == 0)
        {
            return PageCheckPlaced.Invalid(nameof(PageCheckInput.Locations), "Choose at least one location.");
        }

        if (locations.FirstOrDefault(l => !pops.Contains(l)) is { } unknown)
        {
            return PageCheckPlaced.Invalid(nameof(PageCheckInput.Locations), $"There is no location '{unknown}'. Locations: {string.Join(", ", pops.Order(StringComparer.Ordinal))}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var hourAgo = now.AddHours(-1);
        var recent = await db.PageChecks.CountAsync(c => c.OrganizationId == organizationId && c.CreatedAt > hourAgo, cancellationToken);
        if (recent >= Options.MaxChecksPerHour)
        {
            var oldest = await db.PageChecks.Where(c => c.OrganizationId == organizationId && c.CreatedAt > hourAgo).MinAsync(c => c.CreatedAt, cancellationToken);
            return new PageCheckPlaced(null, new Dictionary<string, string[]> { [""] = [$"At most {Options.MaxChecksPerHour} page checks an hour; try again later."] }, RateLimited: true, RetryAfter: oldest.AddHours(1) - now);
        }

        var unfinished = await db.PageCheckLocations
            .Where(l => (l.Status == PageCheckLocationStatus.Queued || l.Status == PageCheckLocationStatus.Running) && l.Deadline > now)
            .Join(db.PageChecks.Where(c => c.OrganizationId == organizationId), l => l.CheckId, c => c.Id, (l, c) => c.Id)
            .Distinct().CountAsync(cancellationToken);
        if (unfinished >= Options.MaxUnfinishedChecks)
        {
            return new PageCheckPlaced(null, new Dictionary<string, string[]> { [""] = [$"At most {Options.MaxUnfinishedChecks} page checks may run at once; wait for one to finish."] }, RateLimited: true, RetryAfter: TimeSpan.FromSeconds(10));
        }

        var check = new PageCheckEntity
        {
            Id = Guid.NewGuid(),
            OrganizationId = organizationId,
            Url = url.AbsoluteUri,
            UrlKey = UrlKey(url),
            CdnHostname = cdnHostname,
            RepeatView = input.RepeatView,
            CompareWithOrigin = input.CompareWithOrigin,
            FullRender = input.FullRender,
            CreatedAt = now,
            CreatedBy = author,
        };
        foreach (var pop in locations)
        {
            check.Locations.Add(new PageCheckLocationEntity { CheckId = check.Id, PopId = pop, Status = PageCheckLocationStatus.Queued, Deadline = now + Options.LocationTimeout });
        }

        db.PageChecks.Add(check);
        await db.SaveChangesAsync(cancellationToken);
        feed.Notify();
        live.Publish(LiveTopic.PageChecks);
        return new PageCheckPlaced(check.Id, new Dictionary<string, string[]>());
    }

    /// <summary>The history key of a URL: scheme and host in lower case, no fragment, no default port.</summary>
    public static string UrlKey(Uri url) => new UriBuilder(url) { Fragment = "", Scheme = url.Scheme.ToLowerInvariant(), Host = url.IdnHost.ToLowerInvariant(), Port = url.IsDefaultPort ? -1 : url.Port }.Uri.AbsoluteUri;

    public Task<bool> ExistsAsync(Guid organizationId, Guid id, CancellationToken cancellationToken = default) =>
        db.PageChecks.AnyAsync(c => c.Id == id && c.OrganizationId == organizationId, cancellationToken);

    public async Task<PageCheckDetails?> FindAsync(Guid organizationId, Guid id, CancellationToken cancellationToken = default)
    {
        var check = await db.PageChecks.AsNoTracking().Include(c => c.Locations)
            .SingleOrDefaultAsync(c => c.Id == id && c.OrganizationId == organizationId, cancellationToken);
        if (check is null)
        {
            return null;
        }

        var names = await db.Pops.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var locations = check.Locations.OrderBy(l => l.PopId, StringComparer.Ordinal).Select(l => new PageCheckLocationView(
            l.PopId,
            names.GetValueOrDefault(l.PopId, l.PopId),
            EffectiveStatus(l, now),
            l.NodeId,
            l.ClaimedAt,
            l.CompletedAt,
            l.Deadline,
            EffectiveStatus(l, now) == PageCheckLocationStatus.TimedOut && l.Error is null ? "No result before the deadline." : l.Error,
            l.ResultJson is null ? null : JsonSerializer.Deserialize(l.ResultJson, PageCheckJson.Default.PageCheckLocationResult))).ToList();
        return new PageCheckDetails(check, locations);
    }

    private static PageCheckLocationStatus EffectiveStatus(PageCheckLocationEntity l, DateTime now) =>
        l.Status is PageCheckLocationStatus.Queued or PageCheckLocationStatus.Running && now > l.Deadline ? PageCheckLocationStatus.TimedOut : l.Status;

    /// <summary>The organization's latest checks, newest first (optionally of one URL, for its history).</summary>
    public async Task<List<PageCheckEntity>> ListAsync(Guid organizationId, string? urlKey = null, int take = HistoryLength, CancellationToken cancellationToken = default)
    {
        var query = db.PageChecks.AsNoTracking().Include(c => c.Locations).Where(c => c.OrganizationId == organizationId);
        if (urlKey is not null)
        {
            query = query.Where(c => c.UrlKey == urlKey);
        }

        return await query.OrderByDescending(c => c.CreatedAt).Take(take).ToListAsync(cancellationToken);
    }

    public async Task<List<(string Id, string Name)>> PopsAsync(CancellationToken cancellationToken = default) =>
        [.. (await db.Pops.AsNoTracking().OrderBy(p => p.Id).Select(p => new { p.Id, p.Name }).ToListAsync(cancellationToken)).Select(p => (p.Id, p.Name))];

    /// <summary>
    /// Hands the calling probe node up to <paramref name="max"/> queued locations of its POP, claiming each with a
    /// conditional update so two nodes of one POP never run the same location.
    /// </summary>
    public async Task<PageCheckJob[]> ClaimAsync(string nodeId, int max, CancellationToken cancellationToken = default)
    {
        var node = await db.EdgeNodes.AsNoTracking().SingleOrDefaultAsync(n => n.Id == nodeId, cancellationToken);
        if (node is null || !node.Roles.HasFlag(NodeRoles.Probe) || max <= 0)
        {
            return [];
        }

        var now = time.GetUtcNow().UtcDateTime;
        var candidates = await db.PageCheckLocations.AsNoTracking()
            .Where(l => l.PopId == node.PopId && l.Status == PageCheckLocationStatus.Queued && l.Deadline > now)
            .Join(db.PageChecks, l => l.CheckId, c => c.Id, (l, c) => new { Location = l, Check = c })
            .OrderBy(x => x.Check.CreatedAt).Take(max).ToListAsync(cancellationToken);
        var jobs = new List<PageCheckJob>();
        foreach (var c in candidates)
        {
            var claimed = await db.PageCheckLocations
                .Where(l => l.CheckId == c.Location.CheckId && l.PopId == c.Location.PopId && l.Status == PageCheckLocationStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.Status, PageCheckLocationStatus.Running).SetProperty(l => l.NodeId, nodeId).SetProperty(l => l.ClaimedAt, now), cancellationToken);
            if (claimed != 1)
            {
                continue;
            }

            var deadline = new DateTimeOffset(DateTime.SpecifyKind(c.Location.Deadline, DateTimeKind.Utc));
            var left = deadline - time.GetUtcNow();
            var limits = new PageCheckLimits(Options.MaxComponents, Options.MaxTotalBytes, Options.MaxRedirects, left < Options.AgentTimeout ? left : Options.AgentTimeout, 6);
            jobs.Add(new PageCheckJob(c.Check.Id, c.Location.PopId, c.Check.Url, c.Check.RepeatView, c.Check.CompareWithOrigin, c.Check.FullRender, c.Check.CdnHostname, limits, deadline));
        }

        if (jobs.Count > 0)
        {
            live.Publish(LiveTopic.PageChecks, nodeId);
        }

        return [.. jobs];
    }

    /// <summary>Builds the HAR of one location's view and route, or null when there is no such result.</summary>
    public async Task<HarFile?> HarAsync(Guid organizationId, Guid id, string location, PageCheckView view, PageCheckRoute? route, CancellationToken cancellationToken = default)
    {
        var details = await FindAsync(organizationId, id, cancellationToken);
        var result = details?.Locations.FirstOrDefault(l => string.Equals(l.PopId, location, StringComparison.OrdinalIgnoreCase))?.Result;
        var viewResult = result?.Views.FirstOrDefault(v => v.View == view && (route is null || v.Route == route));
        return viewResult is null ? null : HarBuilder.Build(viewResult, result!.PopId, typeof(PageCheckService).Assembly.GetName().Version?.ToString() ?? "1.0");
    }
}
