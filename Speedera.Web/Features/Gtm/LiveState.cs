using Speedera.Web.Data;

namespace Speedera.Web.Features.Gtm;

public enum LiveState
{
    Up,
    Down,
    Stale,
    Unknown,
}

/// <summary>What the probes last said about one address of a hostname, and which POPs hand it out.</summary>
public sealed record AddressLiveState(
    string Address,
    string? Description,
    bool HiddenFailover,
    LiveState State,
    int? ResponseMs,
    DateTime? MeasuredAt,
    string? Error,
    IReadOnlyList<string> AnsweringPops);

public interface ILiveStateSource
{
    Task<IReadOnlyList<AddressLiveState>> ForHostnameAsync(HostnameEntity hostname, CancellationToken cancellationToken = default);
}
