using Microsoft.AspNetCore.Diagnostics;

namespace Speedera.Web.Features.Api;

/// <summary>
/// Error answers of the APIs: RFC 9457 problem details with a status, a title, a detail written for
/// the caller and a trace id to quote; never the exception, its stack trace or the request's headers.
/// </summary>
public static class ApiProblems
{
    /// <summary>A body or route value that cannot be read is the caller's error (400), anything else ours (500).</summary>
    public static int StatusCodeFor(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var traceId = System.Diagnostics.Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;

        // Only what we wrote ourselves goes out: drop anything a component may have added (exception, headers).
        foreach (var key in problem.Extensions.Keys.Where(k => k != "errors").ToList())
        {
            problem.Extensions.Remove(key);
        }

        problem.Extensions["traceId"] = traceId;
        var exception = context.Exception ?? context.HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        switch (exception)
        {
            case null:
                break;
            case BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge:
                problem.Title = "The request body is too large.";
                problem.Detail = null;
                break;
            case BadHttpRequestException:
                problem.Title = "The request is not valid.";
                problem.Detail = "The body or a route value could not be read: send JSON of the shape the OpenAPI document (/api/v1/openapi.json) describes.";
                break;
            default:
                problem.Title = "An unexpected error happened.";
                problem.Detail = $"It has been logged; quote trace id {traceId} if you report it.";
                break;
        }
    }
}
