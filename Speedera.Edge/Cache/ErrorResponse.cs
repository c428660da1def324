using System.Text;
using Microsoft.AspNetCore.Http;

namespace Speedera.Edge.Cache;

/// <summary>The cache's own error answers: plain text, never stored downstream, with the Cache-Status that explains them.</summary>
internal static class ErrorResponse
{
    public static async Task<Served> WriteAsync(HttpResponse response, int status, string cacheStatus, string body, long bytesFromOrigin = 0)
    {
        if (response.HasStarted)
        {
            return new Served(status, 0, bytesFromOrigin, false, cacheStatus);
        }

        response.Clear();
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers[CacheStatusValues.Name] = cacheStatus;
        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes).ConfigureAwait(false);
        return new Served(status, bytes.Length, bytesFromOrigin, false, cacheStatus);
    }
}
