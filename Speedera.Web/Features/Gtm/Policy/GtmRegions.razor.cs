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
    private List<PopEntity> allPops = [];
    private IReadOnlyList<string> targetOrder = [];
    private IReadOnlyList<CountryRoute> routes = [];
    private IReadOnlyList<CountryFigure> mapCountries = [];
    private IReadOnlyList<MapMarker> mapPops = [];
    private IReadOnlyList<RegionMapLegendEntry> legend = [];
    private CountryRoute? selectedCountry;
    private string? selectedContinent;
    private string? mapTarget;

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
        allPops = [.. pops];
        targetOrder = [.. targetOptions.Select(o => o.Value)];
        RefreshMap();
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
        targetOptions.FirstOrDefault(o => o.Value == target).Label
            ?? (target.StartsWith(RegionRouting.PopPrefix, StringComparison.Ordinal) ? PopName(target[RegionRouting.PopPrefix.Length..]) : target);

    private GtmPolicy Pending() => new(
        [.. rules.Select(r => new RegionRuleInput(r.Kind, r.Code ?? "", [.. r.Targets]))],
        [.. defaults],
        geoproximity,
        [.. biases.Where(kv => kv.Value != 0).Select(kv => new PopBiasInput(kv.Key, kv.Value))]);

    private void Changed()
    {
        saved = null;
        RefreshMap();
        if (hostname is not null)
        {
            errors = GtmPolicyService.Validate(hostname, GtmPolicyService.Normalize(Pending()), [.. hostnamePops.Select(p => p.Id)]);
        }
    }

    /// <summary>Recolours the map from the pending rules (the editor's state, saved or not).</summary>
    private void RefreshMap()
    {
        if (hostname is null || geo is null)
        {
            return;
        }

        var pending = GtmPolicyService.Normalize(Pending());
        routes = RegionMap.Routes(pending, geo.Countries, [.. hostnamePops.Select(p => new RegionMapPop(p.Id, p.Name, p.Latitude, p.Longitude))]);
        mapCountries = [.. routes.Where(r => r.Target is not null)
            .Select(r => new CountryFigure(r.Country, 1, $"{TargetLabel(r.Target!)} ({r.How})", RegionMap.ColorOf(r.Target!, targetOrder)))];
        legend = RegionMap.Legend(routes, targetOrder);
        var poolByPop = routes.Where(r => r.Target is not null).GroupBy(r => PopOfTarget(r.Target!) ?? "").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        mapPops = [.. hostnamePops.Select(p => new MapMarker(p.Id, p.Name, p.Latitude, p.Longitude, poolByPop.GetValueOrDefault(p.Id),
            $"{poolByPop.GetValueOrDefault(p.Id)} countries routed here",
            // A POP dot takes a legend colour only when the POP itself is a target; otherwise the theme's, so no colour means two things.
            legend.Any(l => l.Target == RegionRouting.PopPrefix + p.Id) ? RegionMap.ColorOf(RegionRouting.PopPrefix + p.Id, targetOrder) : null))];
        if (selectedCountry is { } selected)
        {
            selectedCountry = routes.FirstOrDefault(r => r.Country == selected.Country);
        }
    }

    private string? PopOfTarget(string target) =>
        target.StartsWith(RegionRouting.PopPrefix, StringComparison.Ordinal)
            ? target[RegionRouting.PopPrefix.Length..]
            : hostname?.Addresses.FirstOrDefault(a => a.Address == target)?.PopId;

    private void SelectCountry(string code)
    {
        selectedCountry = routes.FirstOrDefault(r => r.Country == code);
        selectedContinent = geo is not null && geo.TryGetCountry(code, out var c) && c.Continent.Length > 0 ? c.Continent : null;
        mapTarget ??= targetOptions.Count > 0 ? targetOptions[0].Value : null;
    }

    /// <summary>From the map: the country's (or its continent's) rule gets the chosen target first; a new rule is added when there is none.</summary>
    private void SendFromMap(RegionKind kind)
    {
        if (selectedCountry is null || mapTarget is null)
        {
            return;
        }

        var code = kind == RegionKind.Country ? selectedCountry.Country : selectedContinent;
        if (code is null)
        {
            return;
        }

        var rule = rules.FirstOrDefault(r => r.Kind == kind && string.Equals(r.Code, code, StringComparison.OrdinalIgnoreCase));
        if (rule is null)
        {
            rules.Add(rule = new RuleRow { Kind = kind, Code = code });
        }

        rule.Targets.Remove(mapTarget);
        rule.Targets.Insert(0, mapTarget);
        Changed();
    }

    private List<CountryFigure> WhatIfCountries(IReadOnlyList<CountryShift> shifts) =>
        [.. shifts.Select(s => new CountryFigure(
            s.Country,
            s.Queries,
            $"{s.Queries:N0} queries, {s.MovedQueries:N0} move; {PopOrNone(s.BeforePop)} → {PopOrNone(s.AfterPop)}",
            s.AfterPop is null ? "#9e9e9e" : RegionMap.ColorOf(RegionRouting.PopPrefix + s.AfterPop, targetOrder),
            s.MovedQueries > 0))];

    private string PopOrNone(string? id) => id is null ? "no answer" : allPops.FirstOrDefault(p => p.Id == id)?.Name ?? id;

    private List<MapMarker> WhatIfPops(WhatIfResult w) =>
        [.. w.Pops.Select(share => (share, pop: allPops.FirstOrDefault(p => p.Id == share.Key)))
            .Where(x => x.pop is not null)
            .Select(x => new MapMarker(x.pop!.Id, x.pop.Name, x.pop.Latitude, x.pop.Longitude, x.share.After,
                $"{x.share.Before:N0} → {x.share.After:N0} queries", RegionMap.ColorOf(RegionRouting.PopPrefix + x.pop.Id, targetOrder)))];

    private void AddRule()
    {
        rules.Add(new RuleRow());
        Changed();
    }

    private string PopName(string? id) => hostnamePops.FirstOrDefault(p => p.Id == id)?.Name ?? id ?? "";

    private string? FieldError(string field) =>
        errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private string? BiasError(string popId) =>
        errors.TryGetValue("Biases", out var messages) && messages.FirstOrDefault(m => m.Contains($"'{popId}'", StringComparison.Ordinal)) is { } m ? m : null;

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
