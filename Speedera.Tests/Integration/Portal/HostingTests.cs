using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The portal behind a TLS-terminating proxy: it knows its HTTPS port, so plain HTTP is redirected.</summary>
public sealed class HttpsPortalFactory : PortalFactory
{
    public override string ProviderName => "Sqlite";

    protected override IEnumerable<KeyValuePair<string, string>> DatabaseSettings() =>
        [new("Database:Provider", "Sqlite"), new("https_port", "443")];
}

/// <summary>A portal whose proxies are configured: they replace the loopback default.</summary>
public sealed class ConfiguredProxyPortalFactory : PortalFactory
{
    public override string ProviderName => "Sqlite";

    protected override IEnumerable<KeyValuePair<string, string>> DatabaseSettings() =>
        [new("Database:Provider", "Sqlite"), new("https_port", "443"), new("Speedera:Proxy:KnownProxies:0", "198.51.100.0/24"), new("Speedera:Proxy:KnownProxies:1", "2001:db8::7")];
}

public sealed class ConfiguredProxyTests(ConfiguredProxyPortalFactory factory) : IClassFixture<ConfiguredProxyPortalFactory>
{
    [Theory]
    [InlineData("198.51.100.5", StatusCodes.Status200OK)]
    [InlineData("2001:db8::7", StatusCodes.Status200OK)]
    [InlineData("2001:db8::8", StatusCodes.Status307TemporaryRedirect)]
    [InlineData("127.0.0.1", StatusCodes.Status307TemporaryRedirect)]
    public async Task Only_the_configured_proxies_are_believed(string from, int expected)
    {
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/Account/Login";
            c.Request.Host = new HostString("portal.example");
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
            c.Request.Headers["X-Forwarded-Proto"] = "https";
            c.Request.Headers["X-Forwarded-For"] = "203.0.113.80";
        });

        Assert.Equal(expected, context.Response.StatusCode);
        if (expected == StatusCodes.Status200OK)
        {
            Assert.Equal(IPAddress.Parse("203.0.113.80"), context.Connection.RemoteIpAddress);
        }
    }
}

/// <summary>Forwarded headers from a known proxy; the client address is set on the in-memory connection only.</summary>
public sealed class ForwardedHeadersTests(HttpsPortalFactory factory) : IClassFixture<HttpsPortalFactory>
{
    [Fact]
    public async Task Https_forwarded_by_a_known_proxy_is_not_redirected()
    {
        var direct = await SendAsync(IPAddress.Loopback, forwardedProto: null);
        Assert.Equal(StatusCodes.Status307TemporaryRedirect, direct.Response.StatusCode);
        Assert.StartsWith("https://", direct.Response.Headers.Location.ToString());

        var proxied = await SendAsync(IPAddress.Loopback, forwardedProto: "https");
        Assert.Equal(StatusCodes.Status200OK, proxied.Response.StatusCode);
        Assert.True(proxied.Request.IsHttps);
        Assert.StartsWith("max-age=", proxied.Response.Headers.StrictTransportSecurity.ToString());
    }

    [Fact]
    public async Task Forwarded_headers_from_an_unknown_address_are_ignored()
    {
        var spoofed = await SendAsync(IPAddress.Parse("203.0.113.9"), forwardedProto: "https");

        Assert.Equal(StatusCodes.Status307TemporaryRedirect, spoofed.Response.StatusCode);
    }

    private Task<HttpContext> SendAsync(IPAddress from, string? forwardedProto) =>
        factory.Server.SendAsync(context =>
        {
            context.Request.Method = HttpMethods.Get;
            context.Request.Path = "/Account/Login";
            context.Request.Host = new HostString("portal.example");
            context.Connection.RemoteIpAddress = from;
            if (forwardedProto is not null)
            {
                context.Request.Headers["X-Forwarded-Proto"] = forwardedProto;
                context.Request.Headers["X-Forwarded-For"] = "198.51.100.20";
            }
        });
}

/// <summary>Not-found pages, and forms that a reload cannot submit twice.</summary>
public abstract class PageBehaviourTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unknown_address_renders_the_portal_not_found_page_with_404(bool signedIn)
    {
        var client = signedIn ? (await Tenant.CreateAsync(factory, "Lost Shop")).Browser : factory.CreatePortalClient();

        var (response, page) = await client.GetAsync("/no/such/page-" + Guid.NewGuid().ToString("N")[..6]);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Page not found", page.QuerySelector("h1")?.TextContent.Trim());
        Assert.NotNull(page.QuerySelector("nav, .nav-heading, header"));
    }
}

public sealed class SqlitePageBehaviourTests(SqlitePortalFactory factory) : PageBehaviourTests<SqlitePortalFactory>(factory);

public sealed class PostgresPageBehaviourTests(PostgresPortalFactory factory) : PageBehaviourTests<PostgresPortalFactory>(factory);
