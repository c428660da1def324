using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Probes;

public class ServiceMetricTests
{
    private static readonly ServiceKey Key = new("srv-1", "http");

    [Fact]
    public void Metric_with_error_is_failed_even_with_a_small_value()
    {
        var metric = new ServiceMetric(Key, 12, ProbeError.Timeout, DateTimeOffset.UnixEpoch, "probe-1");
        Assert.True(metric.Failed);
    }

    [Fact]
    public void Metric_at_the_failed_value_is_failed()
    {
        var metric = new ServiceMetric(Key, ServiceMetric.FailedValue, ProbeError.None, DateTimeOffset.UnixEpoch, "probe-1");
        Assert.True(metric.Failed);
    }

    [Fact]
    public void Metric_without_error_below_the_failed_value_is_up()
    {
        var metric = new ServiceMetric(Key, 120, ProbeError.None, DateTimeOffset.UnixEpoch, "probe-1");
        Assert.False(metric.Failed);
    }
}
