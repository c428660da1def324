using System.Net;
using Microsoft.AspNetCore.Http;

namespace Speedera.Tests.Integration.Portal;

/// <summary>
/// Failed credentials are limited per client address; 401s carry a challenge. The client addresses
/// are set on the in-memory test server's connection: nothing is sent anywhere.
/// </summary>
public sealed class AbuseLimitTests(SqlitePortalFactory factory) : IClassFixture<SqlitePortalFactory>
{
    private const int MaxAttempts = 40;

    [Fact]
    public async Task Failed_api_key_authentications_are_rate_limited_per_client_address()
    {
        var tenant = await Tenant.CreateAsync(factory, "Guessed Shop");
        var goodKey = tenant.Api.DefaultRequestHeaders.Authorization!.Parameter!;
        var attacker = IPAddress.Parse("203.0.113.50");

        var statuses = new List<int>();
        HttpContext? limited = null;
        for (var i = 0; i < MaxAttempts && limited is null; i++)
        {
            var context = await SendAsync("/api/v1/domains", $"Bearer spk_guess{i:D4}xxxxxxxxxxxxxxxxxxxxxxxxxxxx", attacker);
            statuses.Add(context.Response.StatusCode);
            if (context.Response.StatusCode == StatusCodes.Status429TooManyRequests)
            {
                limited = context;
            }
        }

        Assert.True(limited is not null, $"no 429 after {MaxAttempts} wrong keys: {string.Join(",", statuses)}");
        Assert.Equal(StatusCodes.Status401Unauthorized, statuses[0]);
        Assert.True(int.TryParse(limited.Response.Headers.RetryAfter, out var retryAfter) && retryAfter > 0, $"Retry-After: '{limited.Response.Headers.RetryAfter}'");
        Assert.Equal("application/problem+json", limited.Response.ContentType);

        // The limited address gets no more answers about keys; another address is not affected.
        Assert.Equal(StatusCodes.Status429TooManyRequests, (await SendAsync("/api/v1/domains", $"Bearer {goodKey}", attacker)).Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, (await SendAsync("/api/v1/domains", $"Bearer {goodKey}", IPAddress.Parse("203.0.113.51"))).Response.StatusCode);
    }

    [Fact]
    public async Task Failed_node_key_authentications_are_rate_limited_per_client_address()
    {
        var attacker = IPAddress.Parse("2001:db8:77::5");
        var statuses = new List<int>();
        HttpContext? limited = null;
        for (var i = 0; i < MaxAttempts && limited is null; i++)
        {
            // Another address in the same /64 counts as the same client.
            var from = i % 2 == 0 ? attacker : IPAddress.Parse($"2001:db8:77::{i + 100:x}");
            var context = await SendAsync("/api/edge/v1/config", $"Node guessed-node:guess{i}", from);
            statuses.Add(context.Response.StatusCode);
            if (context.Response.StatusCode == StatusCodes.Status429TooManyRequests)
            {
                limited = context;
            }
        }

        Assert.True(limited is not null, $"no 429 after {MaxAttempts} wrong node keys: {string.Join(",", statuses)}");
        Assert.Equal(StatusCodes.Status401Unauthorized, statuses[0]);
        Assert.True(int.TryParse(limited.Response.Headers.RetryAfter, out var retryAfter) && retryAfter > 0);
        Assert.Equal(StatusCodes.Status401Unauthorized, (await SendAsync("/api/edge/v1/config", "Node guessed-node:x", IPAddress.Parse("2001:db8:78::5"))).Response.StatusCode);
    }

    [Fact]
    public async Task Unauthorized_api_answers_carry_a_bearer_challenge()
    {
        var anonymous = factory.CreateClient();
        var none = await anonymous.GetAsync("/api/v1/domains");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.StartsWith("Bearer", none.Headers.WwwAuthenticate.ToString());

        anonymous.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "spk_not-a-real-key");
        var wrong = await anonymous.GetAsync("/api/v1/domains");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.StartsWith("Bearer", wrong.Headers.WwwAuthenticate.ToString());
        Assert.Contains("invalid_token", wrong.Headers.WwwAuthenticate.ToString());

        var tenant = await Tenant.CreateAsync(factory, "Challenge Shop");
        var cookie = await tenant.Browser.Http.GetAsync("/api/v1/domains");
        Assert.Equal(HttpStatusCode.Unauthorized, cookie.StatusCode);
        Assert.StartsWith("Bearer", cookie.Headers.WwwAuthenticate.ToString());
    }

    private Task<HttpContext> SendAsync(string path, string authorization, IPAddress from) =>
        factory.Server.SendAsync(context =>
        {
            context.Request.Method = HttpMethods.Get;
            context.Request.Path = path;
            context.Request.Headers.Authorization = authorization;
            context.Connection.RemoteIpAddress = from;
        });
}
