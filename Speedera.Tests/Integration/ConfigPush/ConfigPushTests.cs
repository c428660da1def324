using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Configuration;
using Speedera.Core.ControlPlane;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;
using Xunit.Abstractions;

namespace Speedera.Tests.Integration.ConfigPush;

/// <summary>
/// The control plane (the real portal on a loopback socket) and two edge nodes as separate
/// processes: changes reach both, the nodes outlive the control plane, catch up when it returns,
/// refuse a tampered document, and their spooled uploads arrive exactly once.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConfigPushTests(ITestOutputHelper output) : ControlPlaneScenario("configpush")
{
    [Fact]
    public async Task Changes_reach_twoNodes_which_survive_the_control_plane_and_refuse_tampering()
    {
        var port = ControlPlaneHost.FreePort();
        var dataDirectory = Path.Combine(Root, "portal");
        ControlPlane = new ControlPlaneHost(dataDirectory, port);
        ControlPlane.StartServer();

        string publicKey;
        var keys = new Dictionary<string, string>();
        await using (var scope = ControlPlane.CreateScope())
        {
            var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
            // The zone needs a name server: node-a is declared a dns node (the role itself is another engineer's).
            await nodes.EnrollAsync("node-a", "sjc", NodeRoles.Dns | NodeRoles.Probe, "127.0.0.1:8053", null, null, null);
            await nodes.EnrollAsync("node-b", "iad", NodeRoles.Probe, null, null, null, null);
            foreach (var id in new[] { "node-a", "node-b" })
            {
                keys[id] = (await nodes.IssueKeyAsync(id, "test")).Key;
            }

            var published = await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("test");
            Assert.True(published.Succeeded, string.Join("; ", published.Errors));
            publicKey = scope.ServiceProvider.GetRequiredService<ConfigurationSigningKey>().PublicKeyBase64;
        }

        var latest = await LatestVersionAsync();
        var dnsPort = ControlPlaneHost.FreePort();
        Nodes.Add(EdgeNodeProcess.Start("node-a", keys["node-a"], ControlPlane.BaseAddress, publicKey, Path.Combine(Root, "node-a"), "--roles", "dns", "--dns-listen", $"127.0.0.1:{dnsPort}",
            "--metrics-listen", $"127.0.0.1:{ControlPlaneHost.FreePort()}"));
        Nodes.Add(EdgeNodeProcess.Start("node-b", keys["node-b"], ControlPlane.BaseAddress, publicKey, Path.Combine(Root, "node-b")));

        foreach (var node in Nodes)
        {
            await node.WaitForAsync(s => s.RunningVersion == latest, TimeSpan.FromSeconds(60), $"version {latest}");
        }

        // 20 changes: each publish must reach both nodes; time from the start of the publish to each node's apply.
        var samples = new List<double>();
        var pushOnly = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var started = DateTimeOffset.UtcNow;
            var version = await AddPopAndPublishAsync($"t{i:00}");
            var stored = DateTimeOffset.UtcNow;
            foreach (var node in Nodes)
            {
                var status = await node.WaitForAsync(s => s.RunningVersion == version, TimeSpan.FromSeconds(10), $"version {version}", TimeSpan.FromMilliseconds(5));
                samples.Add((status.AppliedAt!.Value - started).TotalMilliseconds);
                pushOnly.Add((status.AppliedAt!.Value - stored).TotalMilliseconds);
            }
        }

        samples.Sort();
        pushOnly.Sort();
        var p50 = Percentile(samples, 0.50);
        var p95 = Percentile(samples, 0.95);
        var line = $"config push time-to-apply over 20 changes x 2 nodes (database save + generate + validate + sign + store + long-poll + verify + validate + apply): p50 {p50:F1} ms, p95 {p95:F1} ms, max {samples[^1]:F1} ms";
        var line2 = $"  of which from version stored to applied on the node: p50 {Percentile(pushOnly, 0.50):F1} ms, p95 {Percentile(pushOnly, 0.95):F1} ms";
        output.WriteLine(line);
        output.WriteLine(line2);
        Console.WriteLine(line);
        Console.WriteLine(line2);
        // The push itself must be well under a second; the whole path also waits on SQLite writes,
        // which a loaded shared machine can stall for hundreds of milliseconds, so it gets a looser guard.
        Assert.True(Percentile(pushOnly, 0.95) < 1000, line2);
        Assert.True(p95 < 3000, line);

        // Stop the control plane: nodes keep serving their last version, and spool their uploads.
        var beforeOutage = await LatestVersionAsync();
        await ControlPlane.DisposeAsync();
        ControlPlane = null;
        var spooledWhileDown = new Dictionary<string, long>();
        foreach (var node in Nodes)
        {
            var status = await node.WaitForAsync(s => s.PendingUploads >= 3, TimeSpan.FromSeconds(15), "uploads spooled while the control plane is down");
            Assert.Equal(beforeOutage, status.RunningVersion);
            Assert.True(await node.IsHealthyAsync());
            spooledWhileDown[node.NodeId] = status.PendingUploads;
        }

        Assert.True(await DnsAnswersAsync(dnsPort, "speedera.net"), "node-a's dns role stopped answering when the control plane went away");

        output.WriteLine($"while the control plane was down: nodes kept version {beforeOutage}; spooled {string.Join(", ", spooledWhileDown.Select(kv => $"{kv.Key}={kv.Value}"))}");

        // A change made while it was down is published when it starts again; the nodes catch up.
        await using (var db = OpenDatabase(dataDirectory))
        {
            db.Pops.Add(new PopEntity { Id = "down", Name = "Made while down", City = "X", Country = "XX", Network = "n" });
            await db.SaveChangesAsync();
        }

        ControlPlane = new ControlPlaneHost(dataDirectory, port);
        ControlPlane.StartServer();
        var afterRestart = await LatestVersionAsync();
        Assert.Equal(beforeOutage + 1, afterRestart);
        foreach (var node in Nodes)
        {
            await node.WaitForAsync(s => s.RunningVersion == afterRestart, TimeSpan.FromSeconds(30), $"catch up to {afterRestart}");
        }

        // Uploads made while the control plane was down arrive, exactly once.
        foreach (var node in Nodes)
        {
            var status = await node.WaitForAsync(s => s.PendingUploads == 0, TimeSpan.FromSeconds(30), "spool drained");
            await using var scope = ControlPlane.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            var sequences = await db.EdgeUploads.Where(u => u.NodeId == node.NodeId).Select(u => u.Sequence).ToListAsync();
            var upTo = status.LastUploadSequence;
            var stored = sequences.Where(s => s <= upTo).Order().ToList();
            Assert.Equal(Enumerable.Range(1, (int)upTo).Select(i => (long)i), stored);
            output.WriteLine($"{node.NodeId}: uploads 1..{upTo} stored once each ({spooledWhileDown[node.NodeId]} of them spooled during the outage)");
        }

        // A document with one byte changed is refused and logged; the node keeps the previous one.
        var running = await LatestVersionAsync();
        var tamperedVersion = running + 1;
        await PublishTamperedAsync(tamperedVersion);
        foreach (var node in Nodes)
        {
            var status = await node.WaitForAsync(s => s.LastRefusedVersion == tamperedVersion, TimeSpan.FromSeconds(10), "tampered document refused");
            Assert.Equal(running, status.RunningVersion);
            Assert.StartsWith("HashMismatch", status.LastRefusal, StringComparison.Ordinal);
            await WaitForLogAsync(node, "Refused configuration version " + tamperedVersion);
        }

        output.WriteLine($"tampered version {tamperedVersion} refused by both nodes; they kept version {running}");

        // The next good version is applied again.
        var next = await AddPopAndPublishAsync("after");
        foreach (var node in Nodes)
        {
            await node.WaitForAsync(s => s.RunningVersion == next, TimeSpan.FromSeconds(10), $"version {next} after the tampered one");
        }

        // Heartbeats reached the control plane with the running version.
        await using (var scope = ControlPlane.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            var deadline = Stopwatch.StartNew();
            while (await db.EdgeNodes.AsNoTracking().CountAsync(n => n.RunningVersion == next) < 2 && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(100);
            }

            Assert.Equal(2, await db.EdgeNodes.AsNoTracking().CountAsync(n => n.RunningVersion == next));
        }
    }

    [Fact]
    public async Task Edge_api_refuses_bad_keys_and_counts_a_resent_batch_once()
    {
        ControlPlane = new ControlPlaneHost(Path.Combine(Root, "portal"), ControlPlaneHost.FreePort());
        ControlPlane.StartServer();
        string key;
        Guid keyId;
        await using (var scope = ControlPlane.CreateScope())
        {
            var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
            await nodes.EnrollAsync("node-x", "sjc", NodeRoles.Probe, null, null, null, null);
            var issued = await nodes.IssueKeyAsync("node-x", "test");
            (key, keyId) = (issued.Key, issued.KeyId);
            Assert.DoesNotContain(key, await scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().EdgeNodeKeys.Select(k => k.KeyHash).ToListAsync());
        }

        using var http = new HttpClient { BaseAddress = ControlPlane.BaseAddress };
        var body = """{"nodeId":"node-x","kind":"usage","records":[{"sequence":1,"enqueuedAt":"2026-11-22T00:00:00Z","payload":{"bytes":10}},{"sequence":2,"enqueuedAt":"2026-11-22T00:00:00Z","payload":{"bytes":20}}]}""";

        async Task<HttpResponseMessage> PostAsync(string authorization)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, EdgeApi.UploadsPath("usage"))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
            return await http.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("Node node-x:wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("Node node-y:" + key)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("Bearer " + key)).StatusCode);

        var first = await (await PostAsync("Node node-x:" + key)).Content.ReadFromJsonAsync(EdgeApiJsonContext.Default.UploadAck);
        var again = await (await PostAsync("Node node-x:" + key)).Content.ReadFromJsonAsync(EdgeApiJsonContext.Default.UploadAck);
        Assert.Equal(new UploadAck(2, 0), first);
        Assert.Equal(new UploadAck(0, 2), again);

        await using (var scope = ControlPlane.CreateScope())
        {
            Assert.Equal(2, await scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().EdgeUploads.CountAsync(u => u.NodeId == "node-x"));
            await scope.ServiceProvider.GetRequiredService<EdgeNodeService>().RevokeKeyAsync(keyId, "test");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync("Node node-x:" + key)).StatusCode);
    }

    [Fact]
    public async Task Config_long_poll_answers_304_for_the_running_etag_and_200_as_soon_as_a_version_is_published()
    {
        ControlPlane = new ControlPlaneHost(Path.Combine(Root, "portal"), ControlPlaneHost.FreePort());
        ControlPlane.StartServer();
        string key;
        await using (var scope = ControlPlane.CreateScope())
        {
            var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
            await nodes.EnrollAsync("dns-1", "sjc", NodeRoles.Dns, "127.0.0.1:8053", null, null, null);
            key = (await nodes.IssueKeyAsync("dns-1", "test")).Key;
            await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("test");
        }

        using var http = new HttpClient { BaseAddress = ControlPlane.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Node", "dns-1:" + key);

        using var first = await http.GetAsync(EdgeApi.ConfigPath);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag!.Tag;
        Assert.True(SignedConfiguration.TryParse(await first.Content.ReadAsByteArrayAsync(), out var envelope, out _));
        Assert.Equal(envelope!.ETag, etag);

        using var unchanged = new HttpRequestMessage(HttpMethod.Get, EdgeApi.ConfigPath + "?wait=0");
        unchanged.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(unchanged)).StatusCode);

        var held = Stopwatch.StartNew();
        using var timesOut = new HttpRequestMessage(HttpMethod.Get, EdgeApi.ConfigPath + "?wait=1");
        timesOut.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(timesOut)).StatusCode);
        Assert.InRange(held.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));

        using var waiting = new HttpRequestMessage(HttpMethod.Get, EdgeApi.ConfigPath + "?wait=30");
        waiting.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(etag));
        var poll = http.SendAsync(waiting);
        await Task.Delay(300);
        Assert.False(poll.IsCompleted);
        var next = await AddPopAndPublishAsync("lhr2");
        using var changed = await poll.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal($"\"{next}-", changed.Headers.ETag!.Tag[..($"{next}".Length + 2)]);
    }

    private async Task<long> LatestVersionAsync()
    {
        await using var scope = ControlPlane!.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().ConfigVersions.MaxAsync(v => v.Version);
    }

    private async Task<long> AddPopAndPublishAsync(string popId)
    {
        await using var scope = ControlPlane!.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        db.Pops.Add(new PopEntity { Id = popId, Name = "Test " + popId, City = "Test", Country = "XX", Network = "test" });
        await db.SaveChangesAsync();
        var result = await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("test");
        Assert.Equal(PublishOutcome.Published, result.Outcome);
        return result.Version!.Value;
    }

    /// <summary>Stores and announces a correctly signed document with one byte changed afterwards.</summary>
    private async Task PublishTamperedAsync(long version)
    {
        await using var scope = ControlPlane!.CreateScope();
        var sp = scope.ServiceProvider;
        var configuration = await sp.GetRequiredService<NetworkConfigurationGenerator>().GenerateAsync(version, DateTimeOffset.UtcNow, CancellationToken.None);
        var envelope = SignedConfiguration.Sign(configuration, sp.GetRequiredService<ConfigurationSigningKey>().Key);
        var document = (byte[])envelope.Document.Clone();
        var at = Encoding.UTF8.GetString(document).IndexOf("\"city\":\"", StringComparison.Ordinal) + 8;
        document[at] ^= 0x20;
        var tampered = envelope with { Document = document };
        var bytes = tampered.ToJsonBytes();
        var db = sp.GetRequiredService<SpeederaDbContext>();
        db.ConfigVersions.Add(new ConfigVersionEntity
        {
            Version = version,
            Hash = tampered.Hash,
            ContentHash = "tampered",
            KeyId = tampered.KeyId,
            Author = "attacker",
            Summary = "one byte changed after signing",
            Envelope = bytes,
        });
        await db.SaveChangesAsync();
        sp.GetRequiredService<ConfigurationFeed>().Publish(new PublishedConfiguration(version, tampered.Hash, bytes));
    }

    private static async Task WaitForLogAsync(EdgeNodeProcess node, string text)
    {
        for (var i = 0; i < 100 && !node.Output.Any(l => l.Contains(text, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(50);
        }

        Assert.Contains(node.Output, l => l.Contains(text, StringComparison.Ordinal));
    }

    /// <summary>Sends a plain SOA query over UDP; true for a NOERROR answer with at least one record (RFC 1035 section 4.1.1).</summary>
    private static async Task<bool> DnsAnswersAsync(int port, string zone)
    {
        var query = new List<byte> { 0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
        foreach (var label in zone.Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }

        query.AddRange(new byte[] { 0x00, 0x00, 0x06, 0x00, 0x01 });
        using var udp = new System.Net.Sockets.UdpClient();
        udp.Connect(IPAddress.Loopback, port);
        await udp.SendAsync(query.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var response = (await udp.ReceiveAsync(timeout.Token)).Buffer;
        return response.Length > 12 && response[0] == 0x12 && response[1] == 0x34 && (response[2] & 0x80) != 0
            && (response[3] & 0x0F) == 0 && ((response[6] << 8) | response[7]) >= 1;
    }

    private static SpeederaDbContext OpenDatabase(string dataDirectory)
    {
        var options = new DbContextOptionsBuilder<SpeederaDbContext>()
            .UseSqlite($"Data Source={Path.Combine(dataDirectory, "speedera.db")};Foreign Keys=True")
            .Options;
        return new SpeederaDbContext(options);
    }

    private static double Percentile(List<double> sorted, double p)
    {
        var rank = p * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }
}
