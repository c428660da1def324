namespace Speedera.Core.Geo;

/// <summary>
/// The geo data a dns node (or the control plane's explainer) currently uses, swapped whole when a
/// newer file arrives. Null until one has been loaded: region rules then fall back to the rest of the engine.
/// </summary>
public sealed class GeoDataHolder
{
    private volatile GeoDatabase? _current;

    public GeoDataHolder(GeoDatabase? initial = null) => _current = initial;

    public GeoDatabase? Current => _current;

    /// <summary>Why there is no data, when there is none (shown in the node's health).</summary>
    public string? MissingReason { get; private set; } = "no geo data file has been loaded";

    public void Set(GeoDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _current = database;
        MissingReason = null;
    }

    public void SetMissing(string reason)
    {
        if (_current is null)
        {
            MissingReason = reason;
        }
    }
}
