using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Probes;

public class ProcParserTests
{
    private const string LoadAvg = "0.16 0.38 0.21 2/89 8270\n";

    private const string MemInfo = """
        MemTotal:       24682416 kB
        MemFree:        20762684 kB
        MemAvailable:   24261972 kB
        Buffers:           94028 kB
        SwapTotal:       2097148 kB
        SwapFree:        1048576 kB
        HugePages_Total:       0
        """;

    private const string NetDev = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
          eth0: 528745687   15585    0    0    0     0          0         0   844348   11055    0    0    0     0       0          0
          eth1: 1000   10    0    0    0     0          0         0   2000   11    0    0    0     0       0          0
        """;

    private const string DiskStats = """
           7       0 loop0 5 0 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0
           8       0 sda 100 0 2000 50 200 0 4000 80 0 120 130 0 0 0 0 0 0
           8       1 sda1 90 0 1800 40 190 0 3900 70 0 110 120 0 0 0 0 0 0
         259       0 nvme0n1 10 0 100 5 20 0 300 9 0 30 14 0 0 0 0 0 0
         259       1 nvme0n1p1 10 0 100 5 20 0 300 9 0 30 14 0 0 0 0 0 0
        """;

    [Fact]
    public void Load_average_line_gives_three_averages_and_task_counts()
    {
        Assert.True(ProcParser.TryParseLoadAverage(LoadAvg, out var l1, out var l5, out var l15, out var runnable, out var total));
        Assert.Equal(0.16, l1);
        Assert.Equal(0.38, l5);
        Assert.Equal(0.21, l15);
        Assert.Equal(2, runnable);
        Assert.Equal(89, total);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0.16 0.38")]
    [InlineData("a b c 1/2 3")]
    [InlineData("0.1 0.2 0.3 12 5")]
    public void Broken_load_average_is_rejected(string text) =>
        Assert.False(ProcParser.TryParseLoadAverage(text, out _, out _, out _, out _, out _));

    [Fact]
    public void Meminfo_values_are_converted_from_kibibytes_to_bytes()
    {
        Assert.True(ProcParser.TryParseMemInfo(MemInfo, out var total, out var available, out var swapTotal, out var swapFree));
        Assert.Equal(24682416L * 1024, total);
        Assert.Equal(24261972L * 1024, available);
        Assert.Equal(2097148L * 1024, swapTotal);
        Assert.Equal(1048576L * 1024, swapFree);
    }

    [Fact]
    public void Meminfo_without_MemAvailable_falls_back_to_MemFree()
    {
        var old = "MemTotal: 100 kB\nMemFree: 40 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n";
        Assert.True(ProcParser.TryParseMemInfo(old, out _, out var available, out _, out _));
        Assert.Equal(40 * 1024, available);
    }

    [Fact]
    public void Meminfo_without_swap_lines_is_rejected() =>
        Assert.False(ProcParser.TryParseMemInfo("MemTotal: 100 kB\nMemFree: 40 kB\n", out _, out _, out _, out _));

    [Fact]
    public void Net_dev_sums_every_interface_but_loopback()
    {
        Assert.True(ProcParser.TryParseNetDev(NetDev, out var rx, out var tx));
        Assert.Equal(528745687L + 1000, rx);
        Assert.Equal(844348L + 2000, tx);
    }

    [Fact]
    public void Diskstats_counts_whole_disks_once_and_skips_partitions_and_loop_devices()
    {
        Assert.True(ProcParser.TryParseDiskStats(DiskStats, out var read, out var written, out var busy));
        Assert.Equal((2000L + 100) * 512, read);
        Assert.Equal((4000L + 300) * 512, written);
        Assert.Equal(120L + 30, busy);
    }

    [Fact]
    public void All_files_together_give_figures_with_swap_used()
    {
        var figures = ProcParser.TryParseAll(LoadAvg, MemInfo, NetDev, DiskStats);
        Assert.NotNull(figures);
        Assert.Equal((2097148L - 1048576L) * 1024, figures.SwapUsedBytes);
        Assert.Equal(0.16, figures.LoadAverage1);
    }

    [Fact]
    public void Missing_load_average_gives_no_figures() =>
        Assert.Null(ProcParser.TryParseAll(null, MemInfo, NetDev, DiskStats));
}
