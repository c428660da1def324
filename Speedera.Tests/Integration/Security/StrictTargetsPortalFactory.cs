using Microsoft.AspNetCore.Hosting;
using Speedera.Tests.Integration.Portal;

namespace Speedera.Tests.Integration.Security;

/// <summary>The portal as production runs it: <c>Speedera:Security:AllowPrivateTargets</c> off.</summary>
public sealed class StrictTargetsPortalFactory : PortalFactory
{
    public override string ProviderName => "Sqlite";

    protected override IEnumerable<KeyValuePair<string, string>> DatabaseSettings() =>
        [new("Database:Provider", "Sqlite")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Speedera:Security:AllowPrivateTargets", "false");
    }
}
