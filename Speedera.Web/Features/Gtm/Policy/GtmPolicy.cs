using System.Text.Json;
using System.Text.Json.Serialization;
using Speedera.Core.Configuration;

namespace Speedera.Web.Features.Gtm.Policy;

/// <summary>One region rule as customers write it: a region and its targets in failover order.</summary>
/// <param name="Kind">continent, country or subdivision.</param>
/// <param name="Code">EU, GB, US-VA ...</param>
/// <param name="Targets">The hostname's addresses (e.g. 192.0.2.10) or "pop:" and a POP id, tried in order.</param>
public sealed record RegionRuleInput(RegionKind Kind, string Code, IReadOnlyList<string> Targets);

/// <summary>A POP's geoproximity bias, -99..99 (positive grows its area).</summary>
public sealed record PopBiasInput(string PopId, int Bias);

/// <summary>A hostname's region routing and geoproximity (the REST API body and the stored JSON).</summary>
public sealed record GtmPolicy(
    IReadOnlyList<RegionRuleInput> Rules,
    IReadOnlyList<string> Default,
    bool Geoproximity,
    IReadOnlyList<PopBiasInput> Biases)
{
    public static GtmPolicy Empty { get; } = new([], [], false, []);

    public bool IsEmpty => Rules.Count == 0 && Default.Count == 0 && !Geoproximity && Biases.Count == 0;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static GtmPolicy FromJson(string json) => JsonSerializer.Deserialize<GtmPolicy>(json, Json) ?? Empty;

    /// <summary>The configuration's form: addresses become the generator's customer server ids.</summary>
    public (RegionRouting? Regions, Speedera.Core.Configuration.Geoproximity? Geo) ToConfiguration(Func<string, string> serverIdOf)
    {
        string Target(string t) => t.StartsWith(RegionRouting.PopPrefix, StringComparison.Ordinal) ? t : serverIdOf(t);
        var regions = Rules.Count == 0 && Default.Count == 0
            ? null
            : new RegionRouting([.. Rules.Select(r => new RegionRule(r.Kind, r.Code, [.. r.Targets.Select(Target)]))], [.. Default.Select(Target)]);
        var geo = !Geoproximity && Biases.Count == 0 ? null : new Speedera.Core.Configuration.Geoproximity(Geoproximity, [.. Biases.Select(b => new PopBias(b.PopId, b.Bias))]);
        return (regions, geo);
    }
}
