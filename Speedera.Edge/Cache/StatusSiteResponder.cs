using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Speedera.Core.Cache;
using Speedera.Core.Status;
using Speedera.Edge.ControlPlane;

namespace Speedera.Edge.Cache;

/// <summary>
/// Serves the signed status site for <see cref="StatusSite.Hostname"/> from memory. It is asked only when a request's
/// host is not a CDN hostname, so the proxy's hot path pays nothing for it.
/// </summary>
internal static class StatusSiteResponder
{
    public static bool IsStatusHost(ReadOnlySpan<char> host) =>
        CacheKey.HostWithoutPort(host).Equals(StatusSite.Hostname, StringComparison.OrdinalIgnoreCase);

    public static async Task<Served> ServeAsync(HttpContext context, StatusSiteContent? content)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            return await ErrorResponse.WriteAsync(response, StatusCodes.Status405MethodNotAllowed, "Speedera; detail=status-site", "Only GET and HEAD.\n").ConfigureAwait(false);
        }

        if (content is null)
        {
            response.Headers.RetryAfter = "5";
            return await ErrorResponse.WriteAsync(response, StatusCodes.Status503ServiceUnavailable, "Speedera; detail=status-site-missing",
                "The status page has not reached this node yet.\n").ConfigureAwait(false);
        }

        var entry = StatusSiteHolder.Find(content, request.Path.Value ?? "/");
        if (entry is null)
        {
            return await ErrorResponse.WriteAsync(response, StatusCodes.Status404NotFound, "Speedera; detail=status-site", "Not found.\n").ConfigureAwait(false);
        }

        var headers = response.Headers;
        headers.ETag = entry.ETag;
        headers.LastModified = content.GeneratedAt.ToString("R");
        // Short: the page must show an incident within seconds of its publish, also behind browser and proxy caches.
        headers.CacheControl = "public, max-age=5";
        headers["X-Status-Version"] = content.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (request.Headers.IfNoneMatch.ToString() == entry.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return new Served(304, 0, 0, true, "Speedera; hit; detail=status-site");
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = entry.ContentType;
        response.ContentLength = entry.Body.Length;
        if (HttpMethods.IsHead(request.Method))
        {
            return new Served(200, 0, 0, true, "Speedera; hit; detail=status-site");
        }

        await response.Body.WriteAsync(entry.Body, context.RequestAborted).ConfigureAwait(false);
        return new Served(200, entry.Body.Length, 0, true, "Speedera; hit; detail=status-site");
    }
}
