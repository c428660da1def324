using Microsoft.AspNetCore.Components;
using MudBlazor;
using Speedera.Web.Components.Shared;
using Speedera.Web.Features.Live;

namespace Speedera.Web.Features.Noc;

public sealed partial class Probes : IDisposable
{
    internal static readonly TimeSpan DecisionWindow = TimeSpan.FromMinutes(30);

    /// <summary>Ages on the page are re-drawn this often; that reads the clock, never the database.</summary>
    internal static readonly TimeSpan AgeTick = TimeSpan.FromSeconds(5);

    private static readonly LiveTopic[] Topics = [LiveTopic.ProbeResults, LiveTopic.Decisions, LiveTopic.Heartbeat];

    private MudDataGrid<ServiceStateRow>? grid;
    private IReadOnlyList<ProbeNodeRow>? nodes;
    private IReadOnlyList<DecisionRow>? decisions;
    private string? search;
    private DateTimeOffset now;
    private DateTimeOffset? lastChange;
    private LiveRefresh? live;
    private ITimer? ageTimer;

    [Inject]
    private INocQueries Noc { get; set; } = default!;

    [Inject]
    private LiveFeed Feed { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    protected override void OnInitialized()
    {
        now = Time.GetUtcNow();
        lastChange = Topics.Select(Feed.LastChange).Max();
    }

    // Lists load once the circuit is interactive, so pre-rendering does not query them a second time.
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        live = new LiveRefresh(Feed, Topics, () => InvokeAsync(RefreshAsync), Time);
        ageTimer = Time.CreateTimer(_ => _ = InvokeAsync(Tick), null, AgeTick, AgeTick);
        await LoadSideTablesAsync();
        StateHasChanged();
    }

    private async Task<GridData<ServiceStateRow>> LoadStatesAsync(GridState<ServiceStateRow> state, CancellationToken cancellationToken)
    {
        var result = await Noc.ServiceStatesAsync(state.ToPageQuery(search), cancellationToken);
        now = Time.GetUtcNow();
        return result.ToGridData();
    }

    private async Task LoadSideTablesAsync()
    {
        nodes = await Noc.ProbeNodesAsync();
        decisions = await Noc.RecentDecisionsAsync(DecisionWindow);
        now = Time.GetUtcNow();
    }

    private async Task RefreshAsync()
    {
        try
        {
            lastChange = Topics.Select(Feed.LastChange).Max();
            if (grid is not null)
            {
                await grid.ReloadServerData();
            }

            await LoadSideTablesAsync();
            StateHasChanged();
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
    }

    private void Tick()
    {
        now = Time.GetUtcNow();
        StateHasChanged();
    }

    private async Task SearchAsync(string? text)
    {
        search = text;
        if (grid is not null)
        {
            await grid.ReloadServerData();
        }
    }

    private string RowClass(ServiceStateRow row, int index) => $"state-{row.StateAt(now.UtcDateTime, NocQueries.StaleAfter).ToString().ToLowerInvariant()}";

    private static Color StateColor(ProbeState state) => state switch
    {
        ProbeState.Up => Color.Success,
        ProbeState.Down => Color.Error,
        _ => Color.Warning,
    };

    private string Age(DateTime utc) => LiveStatus.FormatAge(now - new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)));

    private static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC";

    public void Dispose()
    {
        live?.Dispose();
        ageTimer?.Dispose();
    }
}
