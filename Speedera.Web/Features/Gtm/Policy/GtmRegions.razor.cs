using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Speedera.Core.Configuration;
using Speedera.Core.Geo;
using Speedera.Core.Gtm;
using Speedera.Web.Components.Shared;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Domains;

namespace Speedera.Web.Features.Gtm.Policy;

public sealed partial class GtmRegions
{
    private HostnameEntity? hostname;
    private GtmPolicy? policy;
    private bool notFound;
    private bool busy;
    private Guid org;
    private GeoDatabase? geo;
    private string? geoMissing;
    private List<RuleRow> rules = [];
    private List<string> defaults = [];
    private bool geoproximity;
    private Dictionary<string, int> biases = new(StringComparer.Ordinal);
    private List<PopEntity> hostnamePops = [];
    private List<(string Value, string Label)> targetOptions = [];
    private Dictionary<string, string[]> errors = [];
    private string? saved;
    private WhatIfResult? whatIf;
    private HashSet<string> failPops = [];
    private HashSet<string> failAddresses = [];
    private bool includePending = true;
    private GtmExplanation? explanation;
    private string? explainClient;
    private string? explainResolver;
    private bool explainV6;
    private const string ControlPlaneView = "";
    private string explainNode = ControlPlaneView;
    private IReadOnlyList<DnsNodeViewSummary> nodeViews = [];
    private IReadOnlyList<GtmPolicyChange> history = [];

    [Parameter]
    public Guid Id { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Set while pre-rendering only: another organization's hostname must answer 404 there too.</summary>
    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    [Inject]
    private ScopedService<GtmPolicyService> Policies { get; set; } = default!;

    [Inject]
    private ScopedService<DomainService> Domains { get; set; } = default!;

    private sealed class RuleRow
    {
        public RegionKind Kind { get; set; } = RegionKind.Continent;

        public string? Code { get; set; }

        public List<string> Targets { get; set; } = [];
    }

    protected override async Task OnInitializedAsync()
    {
        if (HttpContext is { } http && http.User.OrganizationId() is { } organization
            && await Domains.RunAsync(d => d.FindAsync(organization, Id)) is null)
        {
            notFound = true;
            http.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Loads once the circuit is interactive, so pre-rendering does not query twice.
        if (!firstRender)
        {
            return;
        }

        if ((await AuthenticationState).User.OrganizationId() is not { } organization)
        {
            notFound = true;
            StateHasChanged();
            return;
        }

        org = organization;
        await LoadAsync();
        StateHasChanged();
    }

    private async Task LoadAsync()
    {
        hostname = await Domains.RunAsync(d => d.FindAsync(org, Id));
        if (hostname is null)
        {
            notFound = true;
            return;
        }

        var pops = await Domains.RunAsync(d => d.PopsAsync());
        (policy, geo, geoMissing) = await Policies.RunAsync(async p => (await p.GetAsync(org, Id), p.GeoData, p.GeoData is null ? p.GeoMissingReason ?? "not loaded yet" : null));
        policy ??= GtmPolicy.Empty;
        nodeViews = await Policies.RunAsync(p => p.NodeViewsAsync());
        history = await Policies.RunAsync(p => p.HistoryAsync(org, Id)) ?? [];
        rules = [.. policy.Rules.Select(r => new RuleRow { Kind = r.Kind, Code = r.Code, Targets = [.. r.Targets] })];
        defaults = [.. policy.Default];
        geoproximity = policy.Geoproximity;
        biases = policy.Biases.ToDictionary(b => b.PopId, b => b.Bias, StringComparer.Ordinal);
        var popIds = hostname.Addresses.Select(a => a.PopId).ToHashSet(StringComparer.Ordinal);
        hostnamePops = [.. pops.Where(p => popIds.Contains(p.Id))];
        targetOptions =
        [
            .. hostname.Addresses.OrderBy(a => a.Address, StringComparer.Ordinal)
                .Select(a => (a.Address, $"{a.Address} ({pops.FirstOrDefault(p => p.Id == a.PopId)?.Name ?? a.PopId}{(a.HiddenFailover ? ", hidden" : "")})")),
            .. hostnamePops.Select(p => (RegionRouting.PopPrefix + p.Id, $"every address in {p.Name}")),
        ];
    }

    private string Summary(GtmPolicy p)
    {
        if (p.IsEmpty)
        {
            return "no region rules";
        }

        var parts = p.Rules.Select(r => $"{r.Code} → {string.Join(", ", r.Targets.Select(TargetLabel))}").ToList();
        if (p.Default.Count > 0)
        {
            parts.Add($"default → {string.Join(", ", p.Default.Select(TargetLabel))}");
        }

        if (p.Geoproximity)
        {
            parts.Add("geoproximity on");
        }

        parts.AddRange(p.Biases.Select(b => $"bias {PopName(b.PopId)} {b.Bias:+0;-0}"));
        return string.Join("; ", parts);
    }

    private string TargetLabel(string target) =>
        target.StartsWith(RegionRouting.PopPrefix, StringComparison.Ordinal) ? PopName(target[RegionRouting.PopPrefix.Length..]) : target;

    private GtmPolicy Pending() => new(
        [.. rules.Select(r => new RegionRuleInput(r.Kind, r.Code ?? "", [.. r.Targets]))],
        [.. defaults],
        geoproximity,
        [.. biases.Where(kv => kv.Value != 0).Select(kv => new PopBiasInput(kv.Key, kv.Value))]);

    private void Changed()
    {
        saved = null;
        if (hostname is not null)
        {
            errors = GtmPolicyService.Validate(hostname, GtmPolicyService.Normalize(Pending()), [.. hostnamePops.Select(p => p.Id)]);
        }
    }

    private void AddRule()
    {
        rules.Add(new RuleRow());
        Changed();
    }

    private string PopName(string? id) => hostnamePops.FirstOrDefault(p => p.Id == id)?.Name ?? id ?? "";

    private string? RuleError(int index) =>
        errors.TryGetValue($"Rules[{index}]", out var messages) ? string.Join(" ", messages) : null;

    private IEnumerable<(string Code, string Label)> RegionOptions(RegionKind kind) => kind switch
    {
        RegionKind.Continent => Continents.Names.Select(kv => (kv.Key, $"{kv.Value} ({kv.Key})")),
        RegionKind.Country => RegionCodes.Countries.Order(StringComparer.Ordinal)
            .Select(c => (c, geo is not null && geo.TryGetCountry(c, out var country) ? $"{country.Name} ({c})" : c))
            .OrderBy(x => x.Item2, StringComparer.CurrentCulture),
        _ => RegionCodes.Subdivisions.Order(StringComparer.Ordinal).Select(c => (c, c)),
    };

    private async Task SaveAsync()
    {
        Changed();
        if (errors.Count > 0)
        {
            return;
        }

        busy = true;
        try
        {
            var user = (await AuthenticationState).User.Identity!.Name!;
            var pending = Pending();
            var result = await Policies.RunAsync(p => p.SaveAsync(org, Id, pending, user));
            if (result.Succeeded)
            {
                saved = $"Saved. Configuration version {result.PublishedVersion} is on its way to the network.";
                errors = [];
                history = await Policies.RunAsync(p => p.HistoryAsync(org, Id)) ?? [];
            }
            else
            {
                errors = result.Errors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            }
        }
        finally
        {
            busy = false;
        }
    }

    private async Task SimulatePendingAsync()
    {
        includePending = true;
        await SimulateAsync();
    }

    private async Task SimulateAsync()
    {
        Changed();
        if (includePending && errors.Count > 0)
        {
            return;
        }

        busy = true;
        try
        {
            var request = new WhatIfRequest(includePending ? Pending() : null, [.. failPops], [.. failAddresses]);
            whatIf = await Policies.RunAsync(p => p.WhatIfAsync(org, Id, request));
        }
        finally
        {
            busy = false;
        }
    }

    private async Task ExplainAsync()
    {
        if (string.IsNullOrWhiteSpace(explainClient))
        {
            return;
        }

        busy = true;
        try
        {
            var client = explainClient;
            var resolver = explainResolver;
            var v6 = explainV6;
            var node = string.IsNullOrEmpty(explainNode) ? null : explainNode;
            explanation = await Policies.RunAsync(p => p.ExplainAsync(org, Id, client, resolver, v6, node));
            nodeViews = await Policies.RunAsync(p => p.NodeViewsAsync());
        }
        finally
        {
            busy = false;
        }
    }
}
