using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Configuration;
using Speedera.Tests.Support;
using Speedera.Web.Data;
using Speedera.Web.Features.Edge;
using Speedera.Web.Features.Live;
using Speedera.Web.Features.Noc.WallBoard;

namespace Speedera.Tests.Integration.Portal;

/// <summary>
/// The wall board's map on the portal's real services: country shapes from the shared WorldMap, each POP at its
/// projected coordinates, coloured by health, and redrawn from the change feed when a node's heartbeat arrives.
/// </summary>
public sealed class WallBoardMapTests(SqlitePortalFactory factory) : IClassFixture<SqlitePortalFactory>
{
    [Fact]
    public async Task Map_draws_countries_and_colours_a_pop_from_its_nodes_heartbeats_live()
    {
        var pop = "w" + Guid.NewGuid().ToString("N")[..5];
        var node = "wb-" + Guid.NewGuid().ToString("N")[..6];
        await factory.WithDbAsync(async db =>
        {
            // Reykjavik: far from every demo POP, so its marker is its own.
            db.Pops.Add(new PopEntity { Id = pop, Name = "Reykjavik " + pop, City = "Reykjavik", Country = "IS", Latitude = 64.1466, Longitude = -21.9426, Network = "RIX" });
            return await db.SaveChangesAsync();
        });
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<EdgeNodeService>().EnrollAsync(node, pop, NodeRoles.Cache, null, null, "127.0.0.1:1", null);
        }

        await using var context = new PortalPageContext(factory);
        await context.SignInAsAsync(PortalFactory.AdminEmail);
        var page = context.Render<WallBoard>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find($"[data-testid=wb-world] g.wb-pop[data-pop={pop}]")), TimeSpan.FromSeconds(15));
        Assert.True(page.FindAll("[data-testid=wb-world] path.wm-country").Count > 100, "no country shapes on the wall board map");
        Assert.Equal("idle", page.Find($"g.wb-pop[data-pop={pop}]").GetAttribute("data-health"));

        // The marker sits where the shared projection puts Reykjavik (north-west of the map's centre).
        var circle = page.Find($"g.wb-pop[data-pop={pop}] circle");
        var x = double.Parse(circle.GetAttribute("cx")!, System.Globalization.CultureInfo.InvariantCulture);
        var y = double.Parse(circle.GetAttribute("cy")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(x, 400, 480);
        Assert.InRange(y, 30, 110);

        // A heartbeat arrives (as the edge API records it) and the change feed tells the open board.
        await factory.WithDbAsync(async db =>
        {
            var entity = await db.EdgeNodes.FindAsync(node);
            entity!.LastHeartbeatAt = DateTime.UtcNow;
            return await db.SaveChangesAsync();
        });
        factory.Services.GetRequiredService<LiveFeed>().Publish(LiveTopic.Heartbeat, node);
        page.WaitForAssertion(() => Assert.Equal("ok", page.Find($"g.wb-pop[data-pop={pop}]").GetAttribute("data-health")), TimeSpan.FromSeconds(10));
        Assert.Contains("wb-pop ok", page.Find($"g.wb-pop[data-pop={pop}]").GetAttribute("class"), StringComparison.Ordinal);

        // The heartbeat goes silent: the board shows the POP down.
        await factory.WithDbAsync(async db =>
        {
            var entity = await db.EdgeNodes.FindAsync(node);
            entity!.LastHeartbeatAt = DateTime.UtcNow.AddHours(-1);
            return await db.SaveChangesAsync();
        });
        factory.Services.GetRequiredService<LiveFeed>().Publish(LiveTopic.Heartbeat, node);
        page.WaitForAssertion(() => Assert.Equal("down", page.Find($"g.wb-pop[data-pop={pop}]").GetAttribute("data-health")), TimeSpan.FromSeconds(10));
    }
}
