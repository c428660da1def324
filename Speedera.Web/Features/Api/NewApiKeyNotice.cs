using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Speedera.Web.Features.Api;

/// <summary>
/// Carries a newly issued key from the create post to the page the browser is redirected to, once:
/// in an encrypted, HTTP-only cookie scoped to /api-keys that expires in minutes and is deleted when read.
/// </summary>
public sealed class NewApiKeyNotice(IDataProtectionProvider dataProtection)
{
    private const string CookieName = "speedera.newkey";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private ITimeLimitedDataProtector Protector => dataProtection.CreateProtector("Speedera.Api.NewApiKeyNotice").ToTimeLimitedDataProtector();

    public void Put(HttpContext context, IssuedApiKey issued)
    {
        var payload = Protector.Protect(JsonSerializer.Serialize(issued), Lifetime);
        context.Response.Cookies.Append(CookieName, payload, new CookieOptions
        {
            Path = "/api-keys",
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            IsEssential = true,
            MaxAge = Lifetime,
        });
    }

    /// <summary>The key just issued to this browser, if any; it will not be shown again.</summary>
    public IssuedApiKey? Take(HttpContext context)
    {
        if (context.Request.Cookies[CookieName] is not { Length: > 0 } payload)
        {
            return null;
        }

        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/api-keys" });
        context.Response.Headers.CacheControl = "no-store";
        try
        {
            return JsonSerializer.Deserialize<IssuedApiKey>(Protector.Unprotect(payload));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            return null;
        }
    }
}
