using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;

namespace Speedera.Tests.Integration.ConfigPush;

/// <summary>The publish service against the real portal and its SQLite database.</summary>
[Trait("Category", "Integration")]
public sealed class PublisherTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "speedera-publisher-" + Guid.NewGuid().ToString("N"));
    private ControlPlaneHost _host = default!;

    public async Task InitializeAsync()
    {
        _host = new ControlPlaneHost(_root, ControlPlaneHost.FreePort());
        _host.StartServer();
        await using var scope = _host.CreateScope();
        await scope.ServiceProvider.GetRequiredService<EdgeNodeService>()
            .EnrollAsync("dns-1", "sjc", NodeRoles.Dns, "127.0.0.1:8053", null, null, null);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Publishing_unchanged_content_stores_no_new_version()
    {
        // The portal may already have published its start-up network; count from there.
        var before = await CountAsync();
        var first = await PublishAsync();
        var second = await PublishAsync();

        Assert.Equal(PublishOutcome.Published, first.Outcome);
        Assert.Equal(PublishOutcome.NoChange, second.Outcome);
        Assert.Equal(first.Version, second.Version);
        Assert.Equal(before + 1, await CountAsync());
    }

    [Fact]
    public async Task Change_gives_the_next_version_with_a_summary_author_and_a_verifiable_envelope()
    {
        var first = await PublishAsync();
        await using (var scope = _host.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            db.Pops.Add(new PopEntity { Id = "ams", Name = "Amsterdam", City = "Amsterdam", Country = "NL", Network = "AMS-IX", Latitude = 52.37, Longitude = 4.9 });
            await db.SaveChangesAsync();
        }

        var second = await PublishAsync("noc@example.test");
        Assert.Equal(first.Version + 1, second.Version);
        Assert.Equal("POPs +1 (ams)", second.Summary);

        await using (var scope = _host.CreateScope())
        {
            var row = await scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().ConfigVersions.SingleAsync(v => v.Version == second.Version);
            Assert.Equal("noc@example.test", row.Author);
            Assert.True(SignedConfiguration.TryParse(row.Envelope, out var envelope, out _));
            var key = scope.ServiceProvider.GetRequiredService<ConfigurationSigningKey>();
            Assert.True(envelope!.TryVerify(key.Key, out var config, out _, out var detail), detail);
            Assert.Contains(config!.Pops, p => p.Id == "ams");
            Assert.Equal(row.Hash, envelope.Hash);
        }
    }

    [Fact]
    public async Task Roll_back_publishes_the_old_content_as_a_new_version()
    {
        var first = await PublishAsync();
        await using (var scope = _host.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            db.Pops.Add(new PopEntity { Id = "ams", Name = "Amsterdam", City = "Amsterdam", Country = "NL", Network = "AMS-IX" });
            await db.SaveChangesAsync();
        }

        await PublishAsync();
        PublishResult rolledBack;
        await using (var scope = _host.CreateScope())
        {
            rolledBack = await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().RollBackAsync(first.Version!.Value, "admin");
        }

        Assert.Equal(PublishOutcome.Published, rolledBack.Outcome);
        Assert.Equal(first.Version + 2, rolledBack.Version);
        Assert.Equal($"Roll back to version {first.Version}: POPs -1 (ams)", rolledBack.Summary);
        await using (var scope = _host.CreateScope())
        {
            var rows = await scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().ConfigVersions.OrderBy(v => v.Version).ToListAsync();
            var original = rows.Single(v => v.Version == first.Version);
            var rollBack = rows.Single(v => v.Version == rolledBack.Version);
            Assert.Equal(original.ContentHash, rollBack.ContentHash);
            Assert.Equal(first.Version, rollBack.RolledBackFrom);
        }
    }

    [Fact]
    public async Task Invalid_network_is_not_published_and_says_why()
    {
        await PublishAsync();
        var before = await CountAsync();
        await using (var scope = _host.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            db.Servers.Add(new ServerEntity { Id = Guid.NewGuid(), Name = "dup", PopId = "iad", Address = "127.0.9.9" });
            var node = await db.EdgeNodes.SingleAsync();
            node.DnsEndpoint = null;
            await db.SaveChangesAsync();
        }

        var result = await PublishAsync();
        Assert.Equal(PublishOutcome.Invalid, result.Outcome);
        Assert.Contains(result.Errors, e => e.Message == "Node 'dns-1' has role Dns but no endpoint for it.");
        Assert.Contains(result.Errors, e => e.Message == "Server 'dup' has no services to probe.");
        Assert.Equal(before, await CountAsync());
    }

    private async Task<PublishResult> PublishAsync(string author = "test")
    {
        await using var scope = _host.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync(author);
    }

    private async Task<int> CountAsync()
    {
        await using var scope = _host.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().ConfigVersions.CountAsync();
    }
}
