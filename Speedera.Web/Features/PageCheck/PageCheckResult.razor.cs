using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Speedera.Core.PageCheck;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Live;

namespace Speedera.Web.Features.PageCheck;

public sealed partial class PageCheckResult : IDisposable
{
    private static readonly LiveTopic[] Topics = [LiveTopic.PageChecks];
    private PageCheckDetails? details;
    private bool missing;
    private PageCheckView view = PageCheckView.First;
    private PageCheckRoute route = PageCheckRoute.Cdn;
    private DateTime now;
    private LiveRefresh? live;
    private ITimer? clock;

    [Parameter]
    public Guid Id { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Set only while pre-rendering on the server: a check of another organization answers 404 there.</summary>
    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    [Inject]
    private IServiceScopeFactory Scopes { get; set; } = default!;

    [Inject]
    private LiveFeed Feed { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        if (HttpContext is null)
        {
            return;
        }

        await using var scope = Scopes.CreateAsyncScope();
        if (HttpContext.User.OrganizationId() is not { } org || !await scope.ServiceProvider.GetRequiredService<PageCheckService>().ExistsAsync(org, Id))
        {
            missing = true;
            HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    // Loads once the circuit is interactive; from then on uploads announced on the live feed re-read it.
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        live = new LiveRefresh(Feed, Topics, () => InvokeAsync(LoadAsync), Time);

        // Only the clock: a location past its deadline shows as timed out without reading the database again.
        clock = Time.CreateTimer(_ => _ = InvokeAsync(() =>
        {
            now = Time.GetUtcNow().UtcDateTime;
            StateHasChanged();
        }), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        if ((await AuthenticationState).User.OrganizationId() is not { } org)
        {
            return;
        }

        await using var scope = Scopes.CreateAsyncScope();
        details = await scope.ServiceProvider.GetRequiredService<PageCheckService>().FindAsync(org, Id);
        missing = details is null;
        now = Time.GetUtcNow().UtcDateTime;
        if (details is { Check.CdnHostname: null })
        {
            route = PageCheckRoute.Direct;
        }

        if (details?.Finished == true)
        {
            clock?.Dispose();
            clock = null;
        }

        StateHasChanged();
    }

    private PageCheckLocationStatus Status(PageCheckLocationView l) =>
        l.Status is PageCheckLocationStatus.Queued or PageCheckLocationStatus.Running && now > l.Deadline ? PageCheckLocationStatus.TimedOut : l.Status;

    private PageCheckViewResult? Selected(PageCheckLocationView l) => Find(l, view, route) ?? Find(l, view, null);

    private static PageCheckViewResult? Find(PageCheckLocationView l, PageCheckView view, PageCheckRoute? route) =>
        l.Result?.Views.FirstOrDefault(v => v.View == view && (route is null || v.Route == route));

    private static string Ms(double? ms) => ms is { } v ? $"{v:0} ms" : "—";

    private string HarHref(string pop, PageCheckViewResult v) =>
        $"page-check/{Id}/har?location={pop}&view={v.View.ToString().ToLowerInvariant()}&route={v.Route.ToString().ToLowerInvariant()}";

    private static string RouteText(PageCheckRoute route) => route switch
    {
        PageCheckRoute.Cdn => "through our CDN",
        PageCheckRoute.Origin => "straight from the origin",
        _ => "direct",
    };

    private static string StatusText(PageCheckLocationStatus status) => status switch
    {
        PageCheckLocationStatus.Queued => "queued",
        PageCheckLocationStatus.Running => "running",
        PageCheckLocationStatus.Done => "done",
        PageCheckLocationStatus.Failed => "failed",
        _ => "timed out",
    };

    private static Color StatusColor(PageCheckLocationStatus status) => status switch
    {
        PageCheckLocationStatus.Done => Color.Success,
        PageCheckLocationStatus.Running => Color.Info,
        PageCheckLocationStatus.Queued => Color.Default,
        _ => Color.Error,
    };

    private static string CacheText(PageCheckRequest r) =>
        string.Join(" · ", new[] { r.Header("Cache-Status"), r.Header("X-Cache"), r.Header("Age") is { } age ? $"Age {age}" : null }.OfType<string>());

    public void Dispose()
    {
        live?.Dispose();
        clock?.Dispose();
    }
}
