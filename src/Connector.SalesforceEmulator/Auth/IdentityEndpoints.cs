using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Rest;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>
/// The identity URL (<c>/id/{orgId}/{userId}</c>, the "id" of every token response) and the OpenID Connect
/// userinfo endpoint. Both take the access token as a Bearer header or an oauth_token parameter; failures are
/// plain-text codes with the statuses Salesforce documents (403 Missing_OAuth_Token, Bad_OAuth_Token, Wrong_Org;
/// 404 Bad_Id, Inactive).
/// </summary>
public static class IdentityEndpoints
{
    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/id/{orgId}/{userId}", ["GET", "POST"], (string orgId, string userId, HttpContext http, TokenStore tokens, OrgUsers users, ApiUsage usage) =>
        {
            usage.Count("GET /id/{orgId}/{userId}");
            if (Authenticate(http, tokens) is { } denied)
            {
                return denied;
            }

            if (!SameId(orgId, EmulatorServiceCollectionExtensions.OrgId))
            {
                return Plain(403, "Wrong_Org");
            }

            var user = users.FindById(userId);
            if (user is null)
            {
                return Plain(404, "Bad_Id");
            }

            return user.IsActive ? Json(Identity(http, user)) : Plain(404, "Inactive");
        }).DisableAntiforgery();

        app.MapMethods("/services/oauth2/userinfo", ["GET", "POST"], (HttpContext http, TokenStore tokens, OrgUsers users, ApiUsage usage) =>
        {
            usage.Count("GET /services/oauth2/userinfo");
            if (Authenticate(http, tokens) is { } denied)
            {
                return denied;
            }

            var session = (ApiSession)http.Items[ApiSession.HttpContextKey]!;
            return users.FindById(session.UserId) is { IsActive: true } user ? Json(UserInfo(http, user)) : Plain(404, "Inactive");
        }).DisableAntiforgery();
        return app;
    }

    private static IResult? Authenticate(HttpContext http, TokenStore tokens)
    {
        var token = RestPipeline.BearerToken(http.Request) ?? ConnectedApp.NullIfEmpty(http.Request.Query["oauth_token"]);
        if (token is null)
        {
            return Plain(403, "Missing_OAuth_Token");
        }

        if (tokens.Validate(token) is not { } session)
        {
            return Plain(403, "Bad_OAuth_Token");
        }

        http.Items[ApiSession.HttpContextKey] = session;
        return null;
    }

    /// <summary>The identity URL response, keys in the documented order.</summary>
    private static JsonObject Identity(HttpContext http, OrgUser user)
    {
        var orgId = EmulatorServiceCollectionExtensions.OrgId;
        return new JsonObject
        {
            ["id"] = OAuthEndpoints.IdentityUrl(http, user.Id),
            ["asserted_user"] = true,
            ["user_id"] = user.Id,
            ["organization_id"] = orgId,
            ["username"] = user.Username,
            ["nick_name"] = NickName(user),
            ["display_name"] = user.DisplayName,
            ["email"] = user.Email,
            ["email_verified"] = true,
            ["first_name"] = user.FirstName,
            ["last_name"] = user.LastName,
            ["timezone"] = user.TimeZone ?? "America/Los_Angeles",
            ["photos"] = Photos(http, user),
            ["addr_street"] = null,
            ["addr_city"] = null,
            ["addr_state"] = null,
            ["addr_country"] = null,
            ["addr_zip"] = null,
            ["mobile_phone"] = null,
            ["mobile_phone_verified"] = false,
            ["is_lightning_login_user"] = false,
            ["status"] = new JsonObject { ["created_date"] = null, ["body"] = null },
            ["urls"] = Urls(http, user, orgId),
            ["active"] = user.IsActive,
            ["user_type"] = "STANDARD",
            ["language"] = "en_US",
            ["locale"] = "en_US",
            ["utcOffset"] = -28800000,
            ["last_modified_date"] = LastModified(user),
            ["is_app_installed"] = true,
        };
    }

    /// <summary>The OpenID Connect userinfo response (claims named as OIDC names them, Salesforce's extras after).</summary>
    private static JsonObject UserInfo(HttpContext http, OrgUser user) => new()
    {
        ["sub"] = OAuthEndpoints.IdentityUrl(http, user.Id),
        ["user_id"] = user.Id,
        ["organization_id"] = EmulatorServiceCollectionExtensions.OrgId,
        ["preferred_username"] = user.Username,
        ["nickname"] = NickName(user),
        ["name"] = user.DisplayName,
        ["email"] = user.Email,
        ["email_verified"] = true,
        ["given_name"] = user.FirstName,
        ["family_name"] = user.LastName,
        ["zoneinfo"] = user.TimeZone ?? "America/Los_Angeles",
        ["photos"] = Photos(http, user),
        ["profile"] = $"{OAuthEndpoints.BaseUrl(http)}/{user.Id}",
        ["picture"] = $"{OAuthEndpoints.BaseUrl(http)}/profilephoto/005/F",
        ["address"] = new JsonObject(),
        ["is_salesforce_integration_user"] = false,
        ["urls"] = Urls(http, user, EmulatorServiceCollectionExtensions.OrgId),
        ["active"] = user.IsActive,
        ["user_type"] = "STANDARD",
        ["language"] = "en_US",
        ["locale"] = "en_US",
        ["utcOffset"] = -28800000,
        ["updated_at"] = LastModified(user),
        ["is_app_installed"] = true,
    };

    /// <summary>Salesforce leaves {version} in the URLs unless the request names one (?version=62.0).</summary>
    private static JsonObject Urls(HttpContext http, OrgUser user, string orgId)
    {
        var b = OAuthEndpoints.BaseUrl(http);
        var version = http.Request.Query["version"].FirstOrDefault() is { Length: > 0 } v && decimal.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)
            ? v
            : "{version}";
        var data = $"{b}/services/data/v{version}";
        return new JsonObject
        {
            ["enterprise"] = $"{b}/services/Soap/c/{version}/{orgId}",
            ["metadata"] = $"{b}/services/Soap/m/{version}/{orgId}",
            ["partner"] = $"{b}/services/Soap/u/{version}/{orgId}",
            ["rest"] = $"{data}/",
            ["sobjects"] = $"{data}/sobjects/",
            ["search"] = $"{data}/search/",
            ["query"] = $"{data}/query/",
            ["recent"] = $"{data}/recent/",
            ["tooling_soap"] = $"{b}/services/Soap/T/{version}/{orgId}",
            ["tooling_rest"] = $"{data}/tooling/",
            ["profile"] = $"{b}/{user.Id}",
            ["feeds"] = $"{data}/chatter/feeds",
            ["groups"] = $"{data}/chatter/groups",
            ["users"] = $"{data}/chatter/users",
            ["feed_items"] = $"{data}/chatter/feed-items",
            ["feed_elements"] = $"{data}/chatter/feed-elements",
            ["custom_domain"] = b,
        };
    }

    private static JsonObject Photos(HttpContext http, OrgUser user) => new()
    {
        ["picture"] = $"{OAuthEndpoints.BaseUrl(http)}/profilephoto/005/F",
        ["thumbnail"] = $"{OAuthEndpoints.BaseUrl(http)}/profilephoto/005/T",
    };

    private static string NickName(OrgUser user) => user.Username.Split('@')[0];

    private static string? LastModified(OrgUser user) =>
        user.LastModifiedDate?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool SameId(string a, string b) =>
        a.Length >= 15 && b.Length >= 15 && string.Equals(a[..15], b[..15], StringComparison.Ordinal);

    private static IResult Json(JsonObject body) =>
        SalesforceJson.Result(200, body);

    private static IResult Plain(int status, string code) => Results.Text(code, "text/plain", Encoding.UTF8, status);
}
