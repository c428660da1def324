using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Live;

namespace Speedera.Web.Features.Traffic;

public sealed partial class TrafficPage
{
    private static readonly TimeSpan RefreshAtMost = TimeSpan.FromSeconds(5);
    private IReadOnlyList<TrafficSubject>? subjects;
    private TrafficSubject? selected;
    private TrafficRange range = TrafficRange.Day;
    private string timeZone = "UTC";
    private TrafficReport? usage;
    private DecisionReport? decisions;
    private IDisposable? subscription;
    private DateTimeOffset lastLoad;
    private int reloadQueued;

    [Parameter]
    public Guid? Id { get; set; }

    [SupplyParameterFromQuery(Name = "range")]
    public string? RangeCode { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Present while pre-rendering: lets an id of another organization answer 404.</summary>
    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    private bool notFound;

    [Inject]
    private TrafficService Traffic { get; set; } = default!;

    [Inject]
    private LiveFeed Live { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    private string ExportBase => selected is null || usage is null
        ? ""
        : $"traffic/export/{selected.Id}?range={range.Code()}&to={Uri.EscapeDataString(usage.To.ToString("O"))}&tz={Uri.EscapeDataString(timeZone)}";

    protected override async Task OnInitializedAsync()
    {
        if (Id is { } id && ((await AuthenticationState).User.OrganizationId() is not { } org || await Traffic.FindAsync(org, id) is null))
        {
            notFound = true;
            if (HttpContext is { Response.HasStarted: false })
            {
                HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
            }
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Data is loaded once, after the first interactive render: pre-rendering does not query twice.
        if (!firstRender || notFound)
        {
            return;
        }

        try
        {
            await using var module = await JS.InvokeAsync<IJSObjectReference>("import", "./dist/charts.js");
            timeZone = await module.InvokeAsync<string>("timeZone");
        }
        catch (JSException)
        {
        }

        if ((await AuthenticationState).User.OrganizationId() is not { } org)
        {
            subjects = [];
            StateHasChanged();
            return;
        }

        range = TrafficRanges.Parse(RangeCode);
        subjects = await Traffic.SubjectsAsync(org);
        selected = subjects.FirstOrDefault(s => s.Id == Id) ?? (subjects.Count > 0 ? subjects[0] : null);
        await LoadAsync();
        subscription = Live.Subscribe([LiveTopic.Usage, LiveTopic.Decisions], change => _ = InvokeAsync(ReloadSoonAsync));
    }

    private async Task LoadAsync()
    {
        if (selected is null)
        {
            StateHasChanged();
            return;
        }

        lastLoad = Time.GetUtcNow();
        var subject = selected;
        var now = Time.GetUtcNow();
        usage = await Traffic.UsageReportAsync(subject, range, timeZone, now);
        // A CDN hostname's answers (which cache) are decisions too: shown when there are any.
        decisions = await Traffic.DecisionReportAsync(subject, range, timeZone, now);
        StateHasChanged();
    }

    /// <summary>A burst of uploads redraws once: at most every few seconds, the last change always shown.</summary>
    private async Task ReloadSoonAsync()
    {
        if (Interlocked.Exchange(ref reloadQueued, 1) == 1)
        {
            return;
        }

        try
        {
            var wait = lastLoad + RefreshAtMost - Time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, Time);
            }
        }
        finally
        {
            Volatile.Write(ref reloadQueued, 0);
        }

        await LoadAsync();
    }

    private async Task SelectAsync(Guid id)
    {
        selected = subjects?.FirstOrDefault(s => s.Id == id);
        usage = null;
        decisions = null;
        Navigation.NavigateTo($"traffic/{id}?range={range.Code()}", forceLoad: false, replace: true);
        await LoadAsync();
    }

    private async Task RangeAsync(TrafficRange value)
    {
        range = value;
        if (selected is not null)
        {
            Navigation.NavigateTo($"traffic/{selected.Id}?range={range.Code()}", forceLoad: false, replace: true);
        }

        await LoadAsync();
    }

    public void Dispose() => subscription?.Dispose();
}
