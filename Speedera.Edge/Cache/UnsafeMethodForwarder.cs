using Microsoft.AspNetCore.Http;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>
/// Requests the cache does not answer from the store (POST, PUT, DELETE and other methods): passed to the origin with
/// their body, the answer streamed back unstored, and the stored responses they change invalidated.
/// </summary>
internal sealed class UnsafeMethodForwarder
{
    private readonly CacheStore _store;
    private readonly OriginFetcher _fetcher;
    private readonly ResponseTee _tee;

    public UnsafeMethodForwarder(CacheStore store, OriginFetcher fetcher, ResponseTee tee)
    {
        _store = store;
        _fetcher = fetcher;
        _tee = tee;
    }

    /// <summary>Forwards unsafe and other methods, then invalidates the stored responses they affect (RFC 9111 §4.4).</summary>
    public async ValueTask<Served> ForwardAsync(HttpContext context, HostRoute route, string path)
    {
        var request = context.Request;
        var fetch = new FetchRequest
        {
            Route = route,
            Path = path,
            Headers = request.Headers,
            RequestDirectives = default,
            Fwd = "method",
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            Client = context,
        };
        var message = OriginMessages.BuildRequest(fetch, new HttpMethod(request.Method), conditionalFromStale: false);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var content = new StreamContent(request.Body);
            foreach (var (name, values) in request.Headers)
            {
                if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                {
                    message.Content?.Headers.Remove(name);
                    content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }

            message.Content = content;
        }

        var (origin, errorStatus, error) = await _fetcher.SendAsync(route, message, context.RequestAborted).ConfigureAwait(false);
        if (origin is null)
        {
            return await ErrorResponse.WriteAsync(context.Response, errorStatus, CacheStatusValues.Method, error!).ConfigureAwait(false);
        }

        using (origin)
        {
            var response = origin.Message;
            var status = (int)response.StatusCode;
            if (CachePolicy.InvalidatesOnResponse(request.Method, status))
            {
                _store.Invalidate(route.Hostname, path);
                InvalidateLocation(route, response.Headers.Location);
                InvalidateLocation(route, response.Content.Headers.ContentLocation);
            }

            var headers = OriginMessages.CollectHeaders(response, origin.ResponseTime, out _, out _, out _);
            var result = await _tee.StreamAsync(fetch, response, status, headers, new ResponseTiming(origin.RequestTime, origin.ResponseTime, null, null),
                [], string.Empty, "method", context.RequestAborted, CacheStatusValues.Method).ConfigureAwait(false);
            return result.Served;
        }
    }

    // §4.4: Location and Content-Location are invalidated too, but only when they share the request's origin.
    private void InvalidateLocation(HostRoute route, Uri? location)
    {
        if (location is null)
        {
            return;
        }

        if (!location.IsAbsoluteUri)
        {
            var relative = location.OriginalString;
            if (relative.StartsWith('/'))
            {
                _store.Invalidate(route.Hostname, relative);
            }
        }
        else if (string.Equals(location.IdnHost, route.Hostname, StringComparison.OrdinalIgnoreCase))
        {
            _store.Invalidate(route.Hostname, location.PathAndQuery);
        }
    }
}
