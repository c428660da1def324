using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Configuration;

/// <summary>
/// NOC downloads of published versions: the signed envelope exactly as nodes receive it (what
/// <c>Speedera.Edge --config FILE</c> runs from) and the control plane's public key.
/// </summary>
public static class ConfigurationDownloadEndpoints
{
    public const string PublicKeyPath = "/noc/configuration/public-key.pem";

    public static string EnvelopePath(long version) => $"/noc/configuration/{version.ToString(CultureInfo.InvariantCulture)}/envelope.json";

    public static IEndpointRouteBuilder MapConfigurationDownloads(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/noc/configuration").RequireAuthorization(Roles.Policies.Noc);
        group.MapGet("/{version:long}/envelope.json", async (long version, SpeederaDbContext db, CancellationToken cancellationToken) =>
        {
            var envelope = await db.ConfigVersions.AsNoTracking().Where(v => v.Version == version).Select(v => v.Envelope).FirstOrDefaultAsync(cancellationToken);
            return envelope is null
                ? Results.NotFound()
                : Results.File(envelope, "application/json", $"speedera-config-{version.ToString(CultureInfo.InvariantCulture)}.json");
        });
        group.MapGet("/public-key.pem", (ConfigurationSigningKey key) =>
            Results.Text(key.PublicKeyPem, "application/x-pem-file"));
        return endpoints;
    }
}
