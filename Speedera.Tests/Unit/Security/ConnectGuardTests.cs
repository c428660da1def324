using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;
using Speedera.Core.Security;
using Speedera.Edge.Probe;
using Speedera.Edge.Security;
using Speedera.Tests.Integration.Probes;

namespace Speedera.Tests.Unit.Security;

/// <summary>
/// The connect hook's decisions, with hooks and socket factories that record what would have been dialled and never
/// dial: nothing in this class opens a connection.
/// </summary>
public sealed class ConnectGuardTests
{
    /// <summary>Records every endpoint the connector decided to dial, then fails as a refused connection would.</summary>
    private sealed class RecordingHook
    {
        public ConcurrentQueue<IPEndPoint> Dialled { get; } = new();

        public ValueTask<Socket> DialAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
        {
            Dialled.Enqueue(endpoint);
            throw new SocketException((int)SocketError.ConnectionRefused);
        }
    }

    /// <summary>A socket factory that refuses to make sockets at all: any call is a failure of the guard.</summary>
    private sealed class RecordingSocketFactory
    {
        public int Calls;

        public Socket Create(AddressFamily family, SocketType type, ProtocolType protocol)
        {
            Interlocked.Increment(ref Calls);
            throw new InvalidOperationException("the guard let a socket be made for a refused target");
        }
    }

    public static TheoryData<string, AddressCategory, string> ForbiddenRows() => TargetMatrix.ForbiddenRows();

    public static TheoryData<string> PublicRows() => TargetMatrix.PublicRows();

    [Theory]
    [MemberData(nameof(ForbiddenRows))]
    public async Task Connector_refuses_forbidden_address_without_dialling(string range, AddressCategory category, string address)
    {
        var hook = new RecordingHook();
        var connector = new GuardedConnector(() => NetworkTargetGuard.Strict, dial: hook.DialAsync);

        var refused = await Assert.ThrowsAsync<TargetRefusedException>(async () => await connector.ConnectAsync(address, 80, CancellationToken.None));

        Assert.Empty(hook.Dialled);
        Assert.EndsWith(NetworkTargetGuard.Describe(category) + ".", refused.Reason, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(range));
    }

    [Theory]
    [MemberData(nameof(PublicRows))]
    public async Task Connector_would_dial_a_public_address(string address)
    {
        var hook = new RecordingHook();
        var connector = new GuardedConnector(() => NetworkTargetGuard.Strict, dial: hook.DialAsync);

        await Assert.ThrowsAsync<SocketException>(async () => await connector.ConnectAsync(address, 443, CancellationToken.None));

        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), 443), Assert.Single(hook.Dialled));
    }

    [Fact]
    public async Task Name_that_resolves_to_a_private_address_is_refused_at_connect()
    {
        var hook = new RecordingHook();
        var answers = new[] { IPAddress.Parse("10.0.0.5") };
        var connector = new GuardedConnector(() => NetworkTargetGuard.Strict, (_, _) => ValueTask.FromResult(answers), dial: hook.DialAsync);

        var refused = await Assert.ThrowsAsync<TargetRefusedException>(async () => await connector.ConnectAsync("rebind.customer.example", 80, CancellationToken.None));

        Assert.Equal("rebind.customer.example resolves to 10.0.0.5 is a private address (RFC 1918).", refused.Reason);
        Assert.Empty(hook.Dialled);
    }

    [Fact]
    public async Task Only_the_allowed_addresses_of_a_mixed_answer_are_dialled()
    {
        var hook = new RecordingHook();
        var answers = new[] { IPAddress.Parse("169.254.169.254"), IPAddress.Parse("8.8.4.4"), IPAddress.Parse("::1") };
        var connector = new GuardedConnector(() => NetworkTargetGuard.Strict, (_, _) => ValueTask.FromResult(answers), dial: hook.DialAsync);

        await Assert.ThrowsAsync<SocketException>(async () => await connector.ConnectAsync("mixed.customer.example", 80, CancellationToken.None));

        Assert.Equal([new IPEndPoint(IPAddress.Parse("8.8.4.4"), 80)], hook.Dialled.ToArray());
    }

    [Fact]
    public async Task Guard_in_force_at_connect_time_decides_not_the_one_at_creation()
    {
        var hook = new RecordingHook();
        var guard = new NetworkTargetGuard(allowPrivateTargets: true);
        var connector = new GuardedConnector(() => guard, dial: hook.DialAsync);

        await Assert.ThrowsAsync<SocketException>(async () => await connector.ConnectAsync("127.0.0.1", 8080, CancellationToken.None));
        guard = NetworkTargetGuard.Strict;
        await Assert.ThrowsAsync<TargetRefusedException>(async () => await connector.ConnectAsync("127.0.0.1", 8080, CancellationToken.None));

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 8080)], hook.Dialled.ToArray());
    }

    public static TheoryData<string, AddressCategory, string, ServiceType> ProbeRows()
    {
        var data = new TheoryData<string, AddressCategory, string, ServiceType>();
        foreach (var (range, category, address) in TargetMatrix.Rows)
        {
            foreach (var type in new[] { ServiceType.Http, ServiceType.Https, ServiceType.Ftp, ServiceType.Tcp, ServiceType.LoadP })
            {
                data.Add(range, category, address, type);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProbeRows))]
    public async Task Probe_refuses_forbidden_gtm_address_as_target_refused(string range, AddressCategory category, string address, ServiceType type)
    {
        var sockets = new RecordingSocketFactory();
        var tester = new ServiceTester(TimeProvider.System, socketFactory: sockets.Create);
        var server = new Server("cust-x", "pop-1", address, ServerKind.Customer, []);

        var metric = await tester.TestAsync(server, ProbeTestConfig.Check("svc", type, 80, expectedContent: "Healthy"), TimeSpan.FromSeconds(2), "probe-1", CancellationToken.None);

        Assert.True(metric.Error == ProbeError.TargetRefused, $"{address} ({range}, {category}) {type}: {metric.Error}");
        Assert.Equal(ServiceMetric.FailedValue, metric.Value);
        Assert.Equal(0, sockets.Calls);
    }

    [Fact]
    public async Task Probe_with_private_targets_allowed_dials_loopback_gtm_address()
    {
        var sockets = new RecordingSocketFactory();
        var tester = new ServiceTester(TimeProvider.System, socketFactory: sockets.Create, guard: () => new NetworkTargetGuard(allowPrivateTargets: true));
        var server = new Server("cust-x", "pop-1", "127.0.0.1", ServerKind.Customer, []);

        var metric = await tester.TestAsync(server, ProbeTestConfig.Check("svc", ServiceType.Tcp, 9, expectedContent: null), TimeSpan.FromSeconds(2), "probe-1", CancellationToken.None);

        // The recording factory throws instead of making the socket: the guard let it through, nothing was dialled.
        Assert.Equal(1, sockets.Calls);
        Assert.NotEqual(ProbeError.TargetRefused, metric.Error);
    }

    [Fact]
    public void Probe_classifies_a_refusal_at_connect_as_target_refused() =>
        Assert.Equal(ProbeError.TargetRefused, ServiceTester.Classify(new HttpRequestException("x", new TargetRefusedException("h", "h is a loopback address."))));

    [Fact]
    public void Guard_source_follows_the_configuration_in_force()
    {
        var config = Speedera.Tests.Unit.Configuration.SampleConfiguration.Create() with { AllowPrivateTargets = true };
        var source = new TargetGuardSource(() => config);

        Assert.True(source.Current.Check(IPAddress.Loopback).Allowed);
        config = config with { Version = config.Version + 1, AllowPrivateTargets = false };
        Assert.False(source.Current.Check(IPAddress.Loopback).Allowed);
        Assert.Same(source.Current, source.Current);
    }
}
