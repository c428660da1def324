namespace Speedera.Tests.Unit.Probes;

/// <summary>A clock the test moves by hand; only the current time is faked.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
