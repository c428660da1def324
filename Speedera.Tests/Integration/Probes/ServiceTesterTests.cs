using System.Net;
using System.Net.Sockets;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;
using Speedera.Edge.LoadP;
using Speedera.Edge.Probe;

namespace Speedera.Tests.Integration.Probes;

public class ServiceTesterTests : IAsyncLifetime
{
    private static readonly Server Loopback = new("srv-1", "pop-1", "127.0.0.1", ServerKind.Edge, []);
    private readonly ServiceTester _tester = new(TimeProvider.System, (_, _, _, _) => true);
    private LoopbackOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await LoopbackOrigin.StartAsync();

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private Task<ServiceMetric> Test(ServiceCheck check, TimeSpan? timeout = null) =>
        _tester.TestAsync(Loopback, check, timeout ?? TimeSpan.FromSeconds(3), "probe-1", CancellationToken.None);

    [Theory]
    [InlineData(ServiceType.Http)]
    [InlineData(ServiceType.Https)]
    public async Task Get_with_expected_status_and_content_gives_the_response_time(ServiceType type)
    {
        var port = type == ServiceType.Http ? _origin.HttpPort : _origin.HttpsPort;
        var before = DateTimeOffset.UtcNow;
        var metric = await Test(ProbeTestConfig.Check("web", type, port, expectedContent: "hello"));

        Assert.Equal(ProbeError.None, metric.Error);
        Assert.InRange(metric.Value, 1, 2000);
        Assert.Equal(new ServiceKey("srv-1", "web"), metric.Key);
        Assert.Equal("probe-1", metric.ProbeNodeId);
        Assert.InRange(metric.MeasuredAt, before.AddSeconds(-1), DateTimeOffset.UtcNow);
    }

    [Theory]
    [InlineData(ServiceType.Http)]
    [InlineData(ServiceType.Https)]
    public async Task Missing_content_is_a_failure_with_content_mismatch(ServiceType type)
    {
        var port = type == ServiceType.Http ? _origin.HttpPort : _origin.HttpsPort;
        var metric = await Test(ProbeTestConfig.Check("web", type, port, expectedContent: "not there"));
        Assert.Equal(ServiceMetric.FailedValue, metric.Value);
        Assert.Equal(ProbeError.ContentMismatch, metric.Error);
    }

    [Fact]
    public async Task Unexpected_status_is_a_failure()
    {
        var metric = await Test(ProbeTestConfig.Check("web", ServiceType.Http, _origin.HttpPort, path: "/status/503"));
        Assert.Equal(ServiceMetric.FailedValue, metric.Value);
        Assert.Equal(ProbeError.UnexpectedStatus, metric.Error);
    }

    [Fact]
    public async Task Expected_non_200_status_passes()
    {
        var metric = await Test(ProbeTestConfig.Check("web", ServiceType.Http, _origin.HttpPort, path: "/status/204", expectedStatus: 204));
        Assert.Equal(ProbeError.None, metric.Error);
    }

    [Fact]
    public async Task A_response_slower_than_the_timeout_is_a_timeout()
    {
        var metric = await Test(ProbeTestConfig.Check("web", ServiceType.Http, _origin.HttpPort, path: "/slow"), TimeSpan.FromMilliseconds(300));
        Assert.Equal(ServiceMetric.FailedValue, metric.Value);
        Assert.Equal(ProbeError.Timeout, metric.Error);
    }

    [Fact]
    public async Task Https_with_an_untrusted_certificate_fails_under_system_validation()
    {
        var strict = new ServiceTester(TimeProvider.System);
        var metric = await strict.TestAsync(Loopback, ProbeTestConfig.Check("web", ServiceType.Https, _origin.HttpsPort), TimeSpan.FromSeconds(3), "p", CancellationToken.None);
        Assert.Equal(ProbeError.TlsError, metric.Error);
        Assert.Equal(ServiceMetric.FailedValue, metric.Value);
    }

    [Fact]
    public async Task Every_https_test_uses_a_new_connection()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ProbeError.None, (await Test(ProbeTestConfig.Check("web", ServiceType.Https, _origin.HttpsPort))).Error);
        }

        Assert.Equal(3, _origin.Requests);
        Assert.Equal(3, _origin.DistinctConnections);
    }

    [Fact]
    public async Task Refused_connection_is_a_failure()
    {
        var port = VsftpdServer.FreeTcpPort();
        foreach (var type in new[] { ServiceType.Http, ServiceType.Tcp, ServiceType.Ftp, ServiceType.LoadP })
        {
            var metric = await Test(ProbeTestConfig.Check("svc", type, port));
            Assert.Equal(ServiceMetric.FailedValue, metric.Value);
            Assert.Equal(ProbeError.ConnectionRefused, metric.Error);
        }
    }

    [Fact]
    public async Task Tcp_connect_to_a_listener_passes()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var metric = await Test(ProbeTestConfig.Check("tcp", ServiceType.Tcp, ((IPEndPoint)listener.LocalEndpoint).Port));
        Assert.Equal(ProbeError.None, metric.Error);
        Assert.InRange(metric.Value, 1, 1000);
    }

    [VsftpdFact]
    public async Task Ftp_against_vsftpd_waits_for_220_and_quits()
    {
        using var vsftpd = await VsftpdServer.TryStartAsync();
        Assert.True(vsftpd is not null, $"{VsftpdServer.Binary} is installed but did not start");
        var metric = await Test(ProbeTestConfig.Check("ftp", ServiceType.Ftp, vsftpd.Port));
        Assert.Equal(ProbeError.None, metric.Error);
        Assert.InRange(metric.Value, 1, 2000);
    }

    [Fact]
    public async Task Ftp_multiline_220_greeting_passes_and_quit_is_sent()
    {
        await using var server = new ScriptedTcpServer("220-Welcome\r\n220-to the test\r\n220 Ready\r\n");
        var metric = await Test(ProbeTestConfig.Check("ftp", ServiceType.Ftp, server.Port));
        Assert.Equal(ProbeError.None, metric.Error);
        await WaitFor(() => server.Received.Count > 0);
        Assert.Equal("QUIT\r\n", server.Received[0]);
    }

    [Fact]
    public async Task Ftp_greeting_other_than_220_is_a_protocol_error()
    {
        await using var server = new ScriptedTcpServer("421 Too many users\r\n");
        var metric = await Test(ProbeTestConfig.Check("ftp", ServiceType.Ftp, server.Port));
        Assert.Equal(ProbeError.ProtocolError, metric.Error);
        Assert.Equal(ServiceMetric.FailedValue, metric.Value);
    }

    [Fact]
    public async Task Ftp_server_that_never_greets_times_out()
    {
        await using var server = new ScriptedTcpServer("220 late\r\n", TimeSpan.FromSeconds(5));
        var metric = await Test(ProbeTestConfig.Check("ftp", ServiceType.Ftp, server.Port), TimeSpan.FromMilliseconds(300));
        Assert.Equal(ProbeError.Timeout, metric.Error);
    }

    [Fact]
    public async Task Loadp_agent_round_trip_gives_the_load_formula_of_its_proc_figures()
    {
        await using var agent = new LoadPAgent(new IPEndPoint(IPAddress.Loopback, 0));
        await agent.StartAsync(CancellationToken.None);
        var (figures, error) = await LoadPClient.QueryAsync(agent.LocalEndpoint, CancellationToken.None);
        Assert.Null(error);
        Assert.NotNull(figures);
        Assert.True(figures.MemoryTotalBytes > 0);

        var metric = await Test(ProbeTestConfig.Check("load", ServiceType.LoadP, agent.LocalEndpoint.Port));
        Assert.Equal(ProbeError.None, metric.Error);
        var expectedNow = LoadMetric.Compute(ProcLoadReader.Read());
        Assert.InRange(metric.Value, 0, Math.Max(expectedNow * 3, 50));
    }

    [Fact]
    public async Task Loadp_agent_with_fixed_figures_gives_exactly_the_formula()
    {
        var figures = new LoadFigures
        {
            LoadAverage1 = 2.5, LoadAverage5 = 1, LoadAverage15 = 1, RunnableTasks = 1, TotalTasks = 1,
            MemoryTotalBytes = 1, MemoryAvailableBytes = 1, SwapTotalBytes = 500_000_000, SwapFreeBytes = 200_000_000,
            NetworkReceivedBytes = 0, NetworkSentBytes = 0, DiskReadBytes = 0, DiskWrittenBytes = 0, DiskBusyMilliseconds = 0,
        };
        await using var agent = new LoadPAgent(new IPEndPoint(IPAddress.Loopback, 0), () => figures);
        await agent.StartAsync(CancellationToken.None);
        var metric = await Test(ProbeTestConfig.Check("load", ServiceType.LoadP, agent.LocalEndpoint.Port));
        Assert.Equal(25 + 300, metric.Value);
    }

    [Fact]
    public async Task Loadp_agent_that_cannot_read_proc_gives_load_1000()
    {
        await using var agent = new LoadPAgent(new IPEndPoint(IPAddress.Loopback, 0), () => null);
        await agent.StartAsync(CancellationToken.None);
        var metric = await Test(ProbeTestConfig.Check("load", ServiceType.LoadP, agent.LocalEndpoint.Port));
        Assert.Equal(1000, metric.Value);
        Assert.Equal(ProbeError.None, metric.Error);
    }

    [Fact]
    public async Task Loadp_agent_answers_err_to_an_unknown_request()
    {
        await using var agent = new LoadPAgent(new IPEndPoint(IPAddress.Loopback, 0));
        await agent.StartAsync(CancellationToken.None);
        using var client = new TcpClient();
        await client.ConnectAsync(agent.LocalEndpoint);
        var stream = client.GetStream();
        await stream.WriteAsync("HELLO\n"u8.ToArray());
        using var reader = new StreamReader(stream);
        Assert.StartsWith(Core.Probes.LoadPProtocol.ErrorStatusPrefix, await reader.ReadLineAsync());
    }

    [Fact]
    public async Task Noload_is_always_one()
    {
        var metric = await Test(ProbeTestConfig.Check("none", ServiceType.NoLoad, 0));
        Assert.Equal(1, metric.Value);
        Assert.Equal(ProbeError.None, metric.Error);
    }

    internal static async Task WaitFor(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }

            await Task.Delay(20);
        }
    }
}
