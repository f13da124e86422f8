using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>The OAuth 2.0 endpoints of the org's login host (fact sheet §1).</summary>
public static class OAuthEndpoints
{
    /// <summary>What Salesforce sends on every token response, success or error.</summary>
    private const string NoStore = "no-cache,must-revalidate,max-age=0,no-store,private";

    public static IServiceCollection AddOAuth(this IServiceCollection services)
    {
        services.AddOptions<OAuthOptions>().BindConfiguration(OAuthOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmulatorOptions>, JwtCertificateValidation>());
        services.TryAddSingleton<OrgUsers>();
        services.TryAddSingleton<ConnectedApp>();
        services.TryAddSingleton<JwtBearerAssertion>();
        services.TryAddSingleton<AuthorizationCodes>();
        services.TryAddSingleton<TokenGrants>();
        return services;
    }

    public static IEndpointRouteBuilder MapOAuth(this IEndpointRouteBuilder app)
    {
        app.MapPost("/services/oauth2/token", TokenAsync).DisableAntiforgery();
        app.MapMethods("/services/oauth2/revoke", ["GET", "POST"], RevokeAsync).DisableAntiforgery();
        app.MapAuthorize();
        app.MapIdentity();
        return app;
    }

    private static async Task<IResult> TokenAsync(HttpContext http, TokenGrants grants, ApiUsage usage)
    {
        usage.Count("POST /services/oauth2/token");
        http.Response.Headers.CacheControl = NoStore;
        http.Response.Headers.Pragma = "no-cache";
        if (!http.Request.HasFormContentType)
        {
            return Error("invalid_request", "unsupported content type; use application/x-www-form-urlencoded", 400);
        }

        // ReadFormAsync reads to the end of the body, so chunked requests without Content-Length work too.
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        return grants.Grant(http, form);
    }

    private static async Task<IResult> RevokeAsync(HttpContext http, TokenStore tokens, ApiUsage usage, ILogger<TokenStore> logger)
    {
        usage.Count($"{http.Request.Method} /services/oauth2/revoke");
        http.Response.Headers.CacheControl = NoStore;
        string? token = ConnectedApp.NullIfEmpty(http.Request.Query["token"]);
        if (token is null && HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType)
        {
            token = ConnectedApp.NullIfEmpty((await http.Request.ReadFormAsync(http.RequestAborted))["token"]);
        }

        if (token is null)
        {
            return Error("unsupported_token_type", "unsupported token type");
        }

        var kind = tokens.FindRefreshToken(token) is not null ? "refresh" : "access";
        if (!tokens.Revoke(token))
        {
            return Error("invalid_token", "invalid token");
        }

        logger.TokenRevoked(kind);
        return Results.Ok();
    }

    /// <summary>The instance URL: the emulator is its own login host and instance.</summary>
    internal static string BaseUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}";

    internal static string IdentityUrl(HttpContext http, string userId) =>
        $"{BaseUrl(http)}/id/{EmulatorServiceCollectionExtensions.OrgId}/{userId}";

    /// <summary>A token response with signature and issued_at, keys in the order of the real examples (fact sheet §1.6).</summary>
    internal static IResult Success(HttpContext http, ApiSession session, EmulatorOptions options, string? refreshToken, string scope = "api") =>
        TokenResponse(http, session, options.ClientSecret, refreshToken, scope, signed: true);

    /// <summary>
    /// <paramref name="signed"/> false gives the JWT bearer shape of the Salesforce example: no signature and no issued_at.
    /// </summary>
    internal static IResult TokenResponse(HttpContext http, ApiSession session, string clientSecret, string? refreshToken, string scope, bool signed)
    {
        var id = IdentityUrl(http, session.UserId);
        var issuedAt = session.IssuedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["access_token"] = session.AccessToken,
        };
        if (refreshToken is not null)
        {
            body["refresh_token"] = refreshToken;
        }

        if (signed)
        {
            // HMAC-SHA256 of id + issued_at keyed with the consumer secret, so clients can check the response.
            body["signature"] = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(clientSecret), Encoding.UTF8.GetBytes(id + issuedAt)));
        }

        body["scope"] = scope;
        body["instance_url"] = BaseUrl(http);
        body["id"] = id;
        body["token_type"] = "Bearer";
        if (signed)
        {
            body["issued_at"] = issuedAt;
        }

        return Rest.SalesforceJson.Result(200, body);
    }

    internal static IResult Error(string error, string description, int status = 400) =>
        Rest.SalesforceJson.Result(status, new JsonObject { ["error"] = error, ["error_description"] = description });
}
