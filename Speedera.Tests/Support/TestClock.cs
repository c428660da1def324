namespace Speedera.Tests.Support;

/// <summary>Starting points for the tests' <see cref="FakeTimeProvider"/>s (which also fake timers and timestamps).</summary>
internal static class TestClock
{
    /// <summary>A fixed instant for tests that do not care which day it is.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A clock at half past the current minute, so a test that advances one minute never straddles two.</summary>
    public static FakeTimeProvider MidMinute()
    {
        var now = DateTimeOffset.UtcNow;
        return new FakeTimeProvider(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 30, TimeSpan.Zero));
    }
}
