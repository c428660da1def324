namespace Speedera.Web.Hosting;

/// <summary>
/// Security headers on every portal response. Scripts and style sheets come only from our own origin:
/// no inline script or &lt;style&gt; element, no inline event handlers, no eval.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    // MudBlazor positions and sizes components through style="" attributes (popovers, drawer width),
    // so inline style attributes only are allowed; style elements and scripts stay 'self'.
    internal const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The policy with the circuit's WebSocket origin named: older browsers do not count ws(s): as 'self'.</summary>
    internal static string PolicyFor(HttpRequest request) =>
        request.Host.HasValue && request.Host.Value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or ':' or '-' or '[' or ']')
            ? ContentSecurityPolicy.Replace("connect-src 'self'", $"connect-src 'self' {(request.IsHttps ? "wss" : "ws")}://{request.Host.Value}", StringComparison.Ordinal)
            : ContentSecurityPolicy;

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpContext)state).Response.Headers;
            headers.ContentSecurityPolicy = PolicyFor(((HttpContext)state).Request);
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
