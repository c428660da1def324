using Speedera.Core.Gtm;
using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Gtm;

public class LatencyPersistenceTests
{
    [Fact]
    public void Latency_table_saved_and_loaded_gives_the_same_answers()
    {
        var at = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        var store = new MetricsStore();
        store.ApplyLatency(
        [
            new LatencyMeasurement("sjc", "198.51.100.0/24", "198.51.100.7", TimeSpan.FromMilliseconds(12.5), LatencyQuality.Full, at, "probe-1"),
            new LatencyMeasurement("lhr", "198.51.100.0/24", "198.51.100.7", TimeSpan.FromMilliseconds(140), LatencyQuality.Partial, at.AddSeconds(-5), "probe-2"),
            new LatencyMeasurement("nrt", "2001:db8:1::/48", "2001:db8:1::1", TimeSpan.FromMilliseconds(88), LatencyQuality.Full, at, "probe-3"),
        ]);
        var path = Path.Combine(Path.GetTempPath(), $"latency-{Guid.NewGuid():N}.txt");
        try
        {
            LatencyTableFile.Save(path, store.ExportLatency("dns-1"));
            var restored = new MetricsStore();
            restored.ApplyLatency(LatencyTableFile.Load(path));

            Assert.Equal(2, restored.LatencyGroupCount);
            Assert.True(ClientGroup.TryParse("198.51.100.0/24", out var v4));
            Assert.True(restored.TryGetLatency(v4, "lhr", out var lhr));
            Assert.Equal(TimeSpan.FromMilliseconds(140), lhr.RoundTrip);
            Assert.Equal(LatencyQuality.Partial, lhr.Quality);
            Assert.Equal(at.AddSeconds(-5), lhr.MeasuredAt);
            Assert.True(ClientGroup.TryParse("2001:db8:1::/48", out var v6));
            Assert.True(restored.TryGetLatency(v6, "nrt", out var nrt));
            Assert.Equal(TimeSpan.FromMilliseconds(88), nrt.RoundTrip);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
