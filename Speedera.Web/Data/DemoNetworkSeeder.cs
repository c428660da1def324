using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;

namespace Speedera.Web.Data;

/// <summary>
/// Seeds an empty database with a demo network: seven POPs on five continents, each with one
/// cache server on its own loopback address (127.0.0.11 ...) so one machine can run it all.
/// </summary>
public sealed class DemoNetworkSeeder(SpeederaDbContext db, Microsoft.Extensions.Options.IOptions<Hosting.SpeederaOptions> options, TimeProvider time)
{
    public const int CachePort = 8080;

    /// <summary>The portal's default development port: the demo hostname's origin.</summary>
    public const int DemoOriginPort = 5080;

    private string ServiceZone => options.Value.ServiceZone;

    internal static readonly IReadOnlyList<(string Id, string Name, string City, string Country, double Lat, double Lon, string Network)> DemoPops =
    [
        ("sjc", "San Jose", "San Jose", "US", 37.3382, -121.8863, "Exodus"),
        ("iad", "Ashburn", "Ashburn", "US", 39.0438, -77.4874, "Equinix"),
        ("gru", "São Paulo", "São Paulo", "BR", -23.5558, -46.6396, "Ascenty"),
        ("lhr", "London", "London", "GB", 51.5072, -0.1276, "Telehouse"),
        ("fra", "Frankfurt", "Frankfurt am Main", "DE", 50.1109, 8.6821, "DE-CIX"),
        ("nrt", "Tokyo", "Tokyo", "JP", 35.6762, 139.6503, "KDDI"),
        ("syd", "Sydney", "Sydney", "AU", -33.8688, 151.2093, "Equinix"),
    ];

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (await db.Pops.AnyAsync(cancellationToken))
        {
            return;
        }

        var octet = 11;
        foreach (var p in DemoPops)
        {
            var pop = new PopEntity
            {
                Id = p.Id,
                Name = p.Name,
                City = p.City,
                Country = p.Country,
                Latitude = p.Lat,
                Longitude = p.Lon,
                Network = p.Network,
            };
            var server = new ServerEntity
            {
                Id = Guid.NewGuid(),
                Name = $"cache1.{p.Id}",
                PopId = p.Id,
                Address = $"127.0.0.{octet++}",
            };
            server.Services.Add(new ServerServiceEntity
            {
                Id = Guid.NewGuid(),
                Type = ServiceType.Http,
                Port = CachePort,
                Path = "/.speedera/health",
                ExpectedStatus = 200,
                Interval = TimeSpan.FromSeconds(5),
                Timeout = TimeSpan.FromSeconds(2),
            });
            pop.Servers.Add(server);
            db.Pops.Add(pop);
        }

        // A demo customer with one CDN hostname whose origin is this portal itself, so the whole path
        // (DNS answer → cache → origin) can be tried on a fresh install: dig demo.<zone>, then curl it.
        var now = time.GetUtcNow().UtcDateTime;
        var demo = new Organization { Id = Guid.NewGuid(), Name = "Speedera Demo", CreatedAt = now };
        db.Organizations.Add(demo);
        db.Hostnames.Add(new HostnameEntity
        {
            Id = Guid.NewGuid(),
            OrganizationId = demo.Id,
            Name = $"demo.{ServiceZone}",
            Kind = HostnameKind.ServiceZone,
            Services = HostnameServices.Cdn,
            Verification = VerificationState.Active,
            VerifiedAt = now,
            TtlSeconds = 20,
            Origin = "127.0.0.1",
            OriginPort = DemoOriginPort,
            OriginHostHeader = "127.0.0.1",
            CacheDefaultTtl = TimeSpan.FromMinutes(10),
            CreatedAt = now,
            UpdatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
