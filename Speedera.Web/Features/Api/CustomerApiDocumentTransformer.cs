using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Speedera.Web.Features.Api;

/// <summary>
/// Completes the customer API's OpenAPI document so a client can be generated from it: who we are,
/// the bearer API-key scheme required by every operation, the tag's description, and server URLs
/// without a trailing slash (the paths already start with one).
/// </summary>
internal sealed class CustomerApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string Tag = "Speedera customer API";
    public const string SchemeName = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Speedera customer API";
        document.Info.Version = "v1";
        document.Info.Description =
            "Everything the Speedera portal does for a customer organization: hostnames, traffic management, " +
            "content delivery settings and purges. Authenticate with an organization API key (Account → API keys) " +
            "as `Authorization: Bearer spk_...`. A key has a scope: a read-only key may only send GET requests and gets 403 " +
            "on any change; a full key may do everything. A key may have an expiry date, after which it gets 401 like a revoked key. " +
            "Errors are RFC 9457 problem details.";
        document.Info.License = new OpenApiLicense { Name = "Speedera customer terms", Identifier = "LicenseRef-Speedera-Terms" };

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "spk_ API key",
            Description = "An organization API key, created under Account → API keys in the portal; read-only or full scope, optionally expiring.",
        };

        foreach (var (method, operation) in (document.Paths ?? []).Values.SelectMany(p => p.Operations ?? []))
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] });
            if (operation.Responses?.TryGetValue("401", out var challenge) == true && challenge is OpenApiResponse challengeResponse)
            {
                challengeResponse.Description = "No API key, or the key is unknown, revoked or expired.";
            }

            if (method != HttpMethod.Get && operation.Responses is { } responses && !responses.ContainsKey("403")
                && responses.TryGetValue("401", out var unauthorized))
            {
                responses["403"] = new OpenApiResponse { Description = "The API key is read-only; changes need a key with full scope.", Content = unauthorized.Content };
            }
        }

        document.Tags ??= new HashSet<OpenApiTag>();
        if (document.Tags.FirstOrDefault(t => t.Name == Tag) is { } tag)
        {
            tag.Description = "Hostnames, traffic management, content delivery and purges of the key's organization.";
        }
        else
        {
            document.Tags.Add(new OpenApiTag { Name = Tag, Description = "Hostnames, traffic management, content delivery and purges of the key's organization." });
        }

        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        return Task.CompletedTask;
    }
}
