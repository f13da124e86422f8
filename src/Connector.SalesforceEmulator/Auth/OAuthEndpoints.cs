using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Seeding;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>The OAuth 2.0 endpoints of the org's login host (fact sheet §1).</summary>
public static class OAuthEndpoints
{
    public static IServiceCollection AddOAuth(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapOAuth(this IEndpointRouteBuilder app)
    {
        app.MapPost("/services/oauth2/token", TokenAsync).DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> TokenAsync(HttpContext http, TokenStore tokens, OrgStore store, OrgBootstrap org, ApiUsage usage, IOptions<EmulatorOptions> options)
    {
        usage.Count("POST /services/oauth2/token");
        http.Response.Headers.CacheControl = "no-cache,must-revalidate,max-age=0,no-store,private";
        if (!http.Request.HasFormContentType)
        {
            return Error("invalid_request", "unsupported content type; use application/x-www-form-urlencoded", 400);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var o = options.Value;
        var grant = form["grant_type"].ToString();
        switch (grant)
        {
            case "password":
                if (form["client_id"] != o.ClientId)
                {
                    return Error("invalid_client_id", "client identifier invalid");
                }

                if (form["client_secret"] != o.ClientSecret)
                {
                    return Error("invalid_client", "invalid client credentials");
                }

                if (!string.Equals(form["username"], o.Username, StringComparison.OrdinalIgnoreCase) || form["password"] != o.Password)
                {
                    return Error("invalid_grant", "authentication failure");
                }

                var session = tokens.IssueAccessToken(org.IntegrationUserId, o.Username, o.ClientId);
                return Success(http, session, o, refreshToken: null);
            default:
                return Error("unsupported_grant_type", "grant type not supported");
        }
    }

    internal static IResult Success(HttpContext http, ApiSession session, EmulatorOptions options, string? refreshToken, string scope = "api")
    {
        var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}";
        var id = $"{baseUrl}/id/{EmulatorServiceCollectionExtensions.OrgId}/{session.UserId}";
        var issuedAt = session.IssuedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var body = new JsonObject
        {
            ["access_token"] = session.AccessToken,
        };
        if (refreshToken is not null)
        {
            body["refresh_token"] = refreshToken;
        }

        body["signature"] = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.ClientSecret), Encoding.UTF8.GetBytes(id + issuedAt)));
        body["scope"] = scope;
        body["instance_url"] = baseUrl;
        body["id"] = id;
        body["token_type"] = "Bearer";
        body["issued_at"] = issuedAt;
        return Rest.SalesforceJson.Result(200, body);
    }

    internal static IResult Error(string error, string description, int status = 400) =>
        Rest.SalesforceJson.Result(status, new JsonObject { ["error"] = error, ["error_description"] = description });
}
