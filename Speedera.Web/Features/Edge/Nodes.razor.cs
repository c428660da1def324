using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Speedera.Core.Configuration;
using Speedera.Web.Components.Shared;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Live;

namespace Speedera.Web.Features.Edge;

public sealed partial class Nodes : IDisposable
{
    /// <summary>A node silent this long is shown as stale.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);

    private static readonly LiveTopic[] Topics = [LiveTopic.Heartbeat, LiveTopic.ConfigurationPublished];

    private MudDataGrid<NodeRow>? grid;
    private IReadOnlyList<string> pops = [];
    private long? latestVersion;
    private string? search;
    private IssuedNodeKey? issued;
    private EnrolInput input = new();
    private string? enrolError;
    private bool busy;
    private DateTimeOffset now;
    private DateTimeOffset? lastChange;
    private LiveRefresh? live;
    private ITimer? ageTimer;

    [Inject]
    private NodeQueries Queries { get; set; } = default!;

    [Inject]
    private ScopedService<EdgeNodeService> NodeService { get; set; } = default!;

    [Inject]
    private ConfigurationSigningKey SigningKey { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

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
        pops = await Queries.PopIdsAsync();
        input.PopId ??= FirstPop;
        latestVersion = await Queries.LatestVersionAsync();
        StateHasChanged();
    }

    private async Task<GridData<NodeRow>> LoadNodesAsync(GridState<NodeRow> state, CancellationToken cancellationToken)
    {
        var result = await Queries.NodesAsync(state.ToPageQuery(search), cancellationToken);
        latestVersion = await Queries.LatestVersionAsync(cancellationToken);
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
        await ReloadAsync();
    }

    private async Task<string> ActorAsync() => (await AuthenticationState).User.Identity?.Name ?? "unknown";

    private async Task IssueAsync(string nodeId)
    {
        var actor = await ActorAsync();
        issued = await NodeService.RunAsync(s => s.IssueKeyAsync(nodeId, actor));
        Snackbar.Add($"Key issued for {nodeId}: copy it now, it is shown once.", Severity.Success);
        await ReloadAsync();
    }

    private async Task RevokeAsync(string nodeId, EdgeNodeKeyEntity key)
    {
        if (!await ConfirmDialog.AskAsync(Dialogs, $"Revoke key {key.Prefix}… of {nodeId}?", "The node can no longer reach the control plane with this key.", "Revoke key"))
        {
            return;
        }

        var actor = await ActorAsync();
        var revoked = await NodeService.RunAsync(s => s.RevokeKeyAsync(key.Id, actor));
        Snackbar.Add(revoked ? "Key revoked; the node can no longer reach the control plane with it." : "That key is already revoked.", revoked ? Severity.Success : Severity.Warning);
        await ReloadAsync();
    }

    private async Task EnrolAsync()
    {
        busy = true;
        enrolError = null;
        try
        {
            var roles = (input.Dns ? NodeRoles.Dns : 0) | (input.Probe ? NodeRoles.Probe : 0) | (input.Cache ? NodeRoles.Cache : 0) | (input.LoadP ? NodeRoles.LoadP : 0);
            var request = new EnrolmentRequest(input.NodeId.Trim(), input.PopId ?? "", roles, input.DnsEndpoint, input.MetricsEndpoint, input.CacheEndpoint, input.LoadPEndpoint);
            var actor = await ActorAsync();
            var result = await NodeService.RunAsync(s => s.EnrollAndPublishAsync(request, actor));
            if (result.Error is { } error)
            {
                enrolError = error.Message;
                return;
            }

            Snackbar.Add($"Node {request.NodeId} enrolled; configuration version {result.Version}. Issue it a key next.", Severity.Success);
            input = new() { PopId = FirstPop };
            await ReloadAsync();
        }
        finally
        {
            busy = false;
        }
    }

    private string? FirstPop => pops.Count > 0 ? pops[0] : null;

    private bool IsStale(NodeRow row) => row.LastHeartbeatAt is not { } at || now.UtcDateTime - at > StaleAfter;

    internal static IEnumerable<string> RoleNames(NodeRoles roles) =>
        new[] { (NodeRoles.Dns, "dns"), (NodeRoles.Probe, "probe"), (NodeRoles.Cache, "cache"), (NodeRoles.LoadP, "loadp") }
            .Where(r => roles.HasFlag(r.Item1)).Select(r => r.Item2);

    public void Dispose()
    {
        live?.Dispose();
        ageTimer?.Dispose();
    }

    internal sealed class EnrolInput
    {
        [Required(ErrorMessage = "Enter a node id.")]
        [RegularExpression(@"^[a-z0-9._-]{1,64}$", ErrorMessage = "Node ids are 1-64 characters of a-z, 0-9, '.', '_' or '-'.")]
        public string NodeId { get; set; } = "";

        [Required(ErrorMessage = "Choose a POP.")]
        public string? PopId { get; set; }

        public bool Dns { get; set; }

        public bool Probe { get; set; } = true;

        public bool Cache { get; set; } = true;

        public bool LoadP { get; set; }

        [RegularExpression(@"^[0-9a-fA-F.:\[\]]+:\d{1,5}$", ErrorMessage = "Endpoints are IP:port.")]
        public string? DnsEndpoint { get; set; }

        [RegularExpression(@"^[0-9a-fA-F.:\[\]]+:\d{1,5}$", ErrorMessage = "Endpoints are IP:port.")]
        public string? CacheEndpoint { get; set; }

        [RegularExpression(@"^[0-9a-fA-F.:\[\]]+:\d{1,5}$", ErrorMessage = "Endpoints are IP:port.")]
        public string? MetricsEndpoint { get; set; }

        [RegularExpression(@"^[0-9a-fA-F.:\[\]]+:\d{1,5}$", ErrorMessage = "Endpoints are IP:port.")]
        public string? LoadPEndpoint { get; set; }
    }
}
