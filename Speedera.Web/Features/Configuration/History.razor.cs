using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Speedera.Web.Components.Shared;
using Speedera.Web.Data;
using Speedera.Web.Features.Edge;
using Speedera.Web.Features.Live;

namespace Speedera.Web.Features.Configuration;

public sealed partial class History : IDisposable
{
    private static readonly LiveTopic[] Topics = [LiveTopic.Heartbeat, LiveTopic.ConfigurationPublished];

    private MudDataGrid<ConfigVersionSummary>? grid;
    private ConfigVersionSummary? latest;
    private IReadOnlyList<RolloutRow>? rollout;
    private IReadOnlyList<Core.Configuration.ConfigurationError> errors = [];
    private string? search;
    private bool busy;
    private DateTimeOffset now;
    private DateTimeOffset? lastChange;
    private LiveRefresh? live;
    private ITimer? ageTimer;

    [Inject]
    private ConfigurationQueries Queries { get; set; } = default!;

    [Inject]
    private NodeQueries Nodes { get; set; } = default!;

    [Inject]
    private ScopedService<ConfigurationPublisher> Publisher { get; set; } = default!;

    [Inject]
    private ConfigurationSigningKey SigningKey { get; set; } = default!;

    [Inject]
    private LiveFeed Feed { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override void OnInitialized()
    {
        now = Time.GetUtcNow();
        lastChange = Topics.Select(Feed.LastChange).Max();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        live = new LiveRefresh(Feed, Topics, () => InvokeAsync(RefreshAsync), Time);
        ageTimer = Time.CreateTimer(_ => _ = InvokeAsync(Tick), null, FigureAge.Tick, FigureAge.Tick);
        await LoadSideAsync();
        StateHasChanged();
    }

    private async Task LoadSideAsync()
    {
        var newest = (await Queries.HistoryAsync(new PageQuery(0, 1))).Items;
        latest = newest.Count > 0 ? newest[0] : null;
        rollout = await Nodes.RolloutAsync();
        now = Time.GetUtcNow();
    }

    private async Task<GridData<ConfigVersionSummary>> LoadHistoryAsync(GridState<ConfigVersionSummary> state, CancellationToken cancellationToken)
    {
        var result = await Queries.HistoryAsync(state.ToPageQuery(search), cancellationToken);
        now = Time.GetUtcNow();
        return result.ToGridData();
    }

    private async Task RefreshAsync()
    {
        try
        {
            lastChange = Topics.Select(Feed.LastChange).Max();
            await ReloadAsync();
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
    }

    private async Task ReloadAsync()
    {
        await LoadSideAsync();
        if (grid is not null)
        {
            await grid.ReloadServerData();
        }

        StateHasChanged();
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

    private async Task PublishAsync()
    {
        await RunAsAdminAsync("publish", author => Publisher.RunAsync(p => p.PublishAsync(author)));
    }

    private async Task RollBackAsync(long version)
    {
        if (!await ConfirmDialog.AskAsync(Dialogs, $"Roll back to version {version}?", $"The content of version {version} is published again as a new version and every edge node applies it.", "Roll back", confirmColor: Color.Warning))
        {
            return;
        }

        await RunAsAdminAsync("roll back", author => Publisher.RunAsync(p => p.RollBackAsync(version, author)));
    }

    // The button is only shown to Admins, but a circuit's user may have lost the role since: check at the moment of acting.
    private async Task RunAsAdminAsync(string what, Func<string, Task<PublishResult>> action)
    {
        var user = (await AuthenticationState).User;
        if (!user.IsInRole(Roles.Admin))
        {
            Snackbar.Add($"Only an Admin may {what}.", Severity.Error);
            return;
        }

        busy = true;
        try
        {
            Show(await action(user.Identity?.Name ?? "unknown"));
            await ReloadAsync();
        }
        finally
        {
            busy = false;
        }
    }

    private void Show(PublishResult result)
    {
        errors = result.Errors;
        var (text, severity) = Describe(result);
        Snackbar.Add(text, severity);
    }

    internal static (string Text, Severity Severity) Describe(PublishResult result) => result.Outcome switch
    {
        PublishOutcome.Published => ($"Published version {result.Version}: {result.Summary}", Severity.Success),
        PublishOutcome.NoChange => ($"Nothing changed since version {result.Version}; nothing published.", Severity.Info),
        PublishOutcome.NotFound => ("That version does not exist.", Severity.Error),
        _ => ($"Not published; {result.Errors.Count} problem(s) listed on the page.", Severity.Error),
    };

    public void Dispose()
    {
        live?.Dispose();
        ageTimer?.Dispose();
    }
}
