using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Probes;

public class LoadMetricTests
{
    private static LoadFigures Figures(double load1, long swapTotal, long swapFree) => new()
    {
        LoadAverage1 = load1,
        LoadAverage5 = 0,
        LoadAverage15 = 0,
        RunnableTasks = 1,
        TotalTasks = 10,
        MemoryTotalBytes = 1000,
        MemoryAvailableBytes = 500,
        SwapTotalBytes = swapTotal,
        SwapFreeBytes = swapFree,
        NetworkReceivedBytes = 0,
        NetworkSentBytes = 0,
        DiskReadBytes = 0,
        DiskWrittenBytes = 0,
        DiskBusyMilliseconds = 0,
    };

    [Theory]
    [InlineData(0.0, 0L, 0)]
    [InlineData(1.5, 0L, 15)]
    [InlineData(2.0, 300_000_000L, 320)]
    [InlineData(0.44, 1_500_000L, 6)]
    public void Load_is_ten_times_load_average_plus_megabytes_of_swap_used(double load1, long swapUsed, int expected) =>
        Assert.Equal(expected, LoadMetric.Compute(Figures(load1, swapUsed + 1000, 1000)));

    [Fact]
    public void Load_is_1000_when_figures_are_missing() =>
        Assert.Equal(1000, LoadMetric.Compute(null));

    [Fact]
    public void Load_never_reaches_the_failure_value() =>
        Assert.Equal(ServiceMetric.FailedValue - 1, LoadMetric.Compute(Figures(100_000, 0, 0)));

    [Fact]
    public void Loadp_response_round_trips_through_the_line_protocol()
    {
        var figures = Figures(1.25, 5_000_000, 1_000_000) with { NetworkReceivedBytes = 42, DiskBusyMilliseconds = 7 };
        var text = LoadPProtocol.FormatResponse(figures);
        Assert.True(LoadPProtocol.TryParseResponse(text, out var parsed, out var error), error);
        Assert.Equal(figures, parsed);
        Assert.Equal(17, LoadMetric.Compute(parsed)); // 12.5 + 4 MB, rounded half away from zero
    }

    [Theory]
    [InlineData("LOADP/1 ERR no proc\n\n")]
    [InlineData("HTTP/1.1 200 OK\n\n")]
    [InlineData("LOADP/1 OK\nload1 0.5\n\n")]
    [InlineData("LOADP/1 OK\nload1 -1\nswap_total_bytes 0\nswap_free_bytes 0\n\n")]
    [InlineData("LOADP/1 OK\nnonsense\n\n")]
    [InlineData("")]
    public void Bad_or_error_loadp_responses_give_no_figures(string text)
    {
        Assert.False(LoadPProtocol.TryParseResponse(text, out var figures, out var error));
        Assert.Null(figures);
        Assert.NotNull(error);
        Assert.Equal(1000, LoadMetric.Compute(figures));
    }

    [Fact]
    public void Unknown_keys_in_a_loadp_response_are_ignored()
    {
        var text = "LOADP/1 OK\nload1 0.50\nswap_total_bytes 0\nswap_free_bytes 0\nfuture_key 12\n\n";
        Assert.True(LoadPProtocol.TryParseResponse(text, out var figures, out _));
        Assert.Equal(5, LoadMetric.Compute(figures));
    }
}
