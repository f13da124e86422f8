using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connector.Salesforce;
using Connector.Salesforce.Auth;
using Connector.Salesforce.Query;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Connector.Admin.Auth;

/// <summary>A user who signed in with Salesforce, and whether they hold the admin permission set.</summary>
public sealed record SignedInUser(string UserId, string Username, string DisplayName, bool IsAdmin);

/// <summary>
/// Sign-in with the org: the OAuth 2.0 web-server flow with PKCE (S256). The state and the code verifier travel in a
/// short-lived data-protected cookie, so a callback without the browser that started the flow is refused. The
/// user's own token is used once, to read who they are (the identity URL), and then revoked; whether they are an admin
/// is read with the connector's integration user: a PermissionSetAssignment of the admin permission set.
/// </summary>
public sealed class SalesforceSignIn
{
    public const string HttpClientName = "Connector.Admin.SignIn";
    private const string FlowCookie = ".Connector.Admin.OAuth";
    private static readonly TimeSpan FlowLifetime = TimeSpan.FromMinutes(10);

    private readonly IOptions<AdminOptions> _options;
    private readonly IOptions<SalesforceOptions> _salesforce;
    private readonly IHttpClientFactory _http;
    private readonly SalesforceQueries _queries;
    private readonly ITimeLimitedDataProtector _protector;

    public SalesforceSignIn(
        IOptions<AdminOptions> options, IOptions<SalesforceOptions> salesforce, IHttpClientFactory http, SalesforceQueries queries,
        IDataProtectionProvider protection)
    {
        _options = options;
        _salesforce = salesforce;
        _http = http;
        _queries = queries;
        _protector = protection.CreateProtector("Connector.Admin.OAuthFlow").ToTimeLimitedDataProtector();
    }

    private Uri LoginUrl => _options.Value.SignIn.LoginUrl ?? _salesforce.Value.LoginUrl
        ?? throw new InvalidOperationException("Admin:SignIn:LoginUrl (or Salesforce:LoginUrl) is required to sign in with Salesforce.");

    private string ClientId => string.IsNullOrWhiteSpace(_options.Value.SignIn.ClientId) ? _salesforce.Value.ClientId : _options.Value.SignIn.ClientId;

    /// <summary>Starts the flow: remembers state and verifier in the browser, returns where to send it.</summary>
    public string Begin(HttpContext http, string? returnUrl)
    {
        var state = Base64Url(RandomNumberGenerator.GetBytes(24));
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var flow = JsonSerializer.Serialize(new Flow(state, verifier, SafeReturnUrl(returnUrl)));
        http.Response.Cookies.Append(FlowCookie, _protector.Protect(flow, FlowLifetime), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, Path = "/admin", MaxAge = FlowLifetime,
        });
        return QueryHelpers.AddQueryString(new Uri(LoginUrl, "/services/oauth2/authorize").ToString(), new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = ClientId,
            ["redirect_uri"] = RedirectUri(http),
            ["scope"] = "id api",
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        });
    }

    /// <summary>Completes the flow; the error says what went wrong in words for the sign-in page (never a token or secret).</summary>
    public async Task<(SignedInUser? User, string? ReturnUrl, string? Error)> CompleteAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var cookie = http.Request.Cookies[FlowCookie];
        http.Response.Cookies.Delete(FlowCookie, new CookieOptions { Path = "/admin" });
        if (query["error"].ToString() is { Length: > 0 } error)
        {
            return (null, null, $"Salesforce refused the sign-in: {error} {query["error_description"]}".Trim());
        }

        Flow? flow = null;
        try
        {
            flow = cookie is null ? null : JsonSerializer.Deserialize<Flow>(_protector.Unprotect(cookie));
        }
        catch (CryptographicException)
        {
            flow = null;
        }

        if (flow is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(flow.State), Encoding.UTF8.GetBytes(query["state"].ToString())))
        {
            return (null, null, "The sign-in could not be matched to this browser (expired or forged state). Please sign in again.");
        }

        if (query["code"].ToString() is not { Length: > 0 } code)
        {
            return (null, null, "Salesforce returned no authorization code.");
        }

        var client = _http.CreateClient(HttpClientName);
        var secret = ReadSecret();
        using var token = await client.PostAsync(new Uri(LoginUrl, "/services/oauth2/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["client_id"] = ClientId,
            ["redirect_uri"] = RedirectUri(http),
            ["code_verifier"] = flow.Verifier,
            ["client_secret"] = secret ?? string.Empty,
        }.Where(kv => kv.Value.Length > 0)), cancellationToken).ConfigureAwait(false);
        if (!token.IsSuccessStatusCode)
        {
            return (null, null, $"Salesforce did not accept the sign-in (HTTP {(int)token.StatusCode}). Please sign in again.");
        }

        var body = await token.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        var accessToken = body.GetProperty("access_token").GetString()!;
        using var identityRequest = new HttpRequestMessage(HttpMethod.Get, body.GetProperty("id").GetString());
        identityRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var identityResponse = await client.SendAsync(identityRequest, cancellationToken).ConfigureAwait(false);
        identityResponse.EnsureSuccessStatusCode();
        var identity = await identityResponse.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        await RevokeAsync(client, accessToken, cancellationToken).ConfigureAwait(false);

        var userId = identity.GetProperty("user_id").GetString()!;
        var username = identity.GetProperty("username").GetString()!;
        var display = identity.TryGetProperty("display_name", out var d) && d.GetString() is { Length: > 0 } name ? name : username;
        var isAdmin = await HoldsAdminPermissionSetAsync(userId, cancellationToken).ConfigureAwait(false);
        return (new SignedInUser(userId, username, display, isAdmin), flow.ReturnUrl, null);
    }

    /// <summary>Whether the user holds the admin permission set (one SOQL query as the integration user).</summary>
    public async Task<bool> HoldsAdminPermissionSetAsync(string userId, CancellationToken cancellationToken)
    {
        var query = Soql.From("PermissionSetAssignment").Select("Id")
            .Where(Soql.Field("AssigneeId").Equal(SoqlValue.Id(userId)) & Soql.Field("PermissionSet.Name").Equal(_options.Value.AdminPermissionSet))
            .Limit(1);
        await foreach (var _ in _queries.QueryAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        return false;
    }

    private async Task RevokeAsync(HttpClient client, string accessToken, CancellationToken cancellationToken)
    {
        try
        {
            using var revoke = await client.PostAsync(new Uri(LoginUrl, "/services/oauth2/revoke"),
                new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = accessToken }), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            // Best effort: the token expires on its own; signing in does not depend on revoking it.
        }
    }

    private string? ReadSecret()
    {
        var signIn = _options.Value.SignIn;
        if (signIn.ClientSecretEnvironmentVariable is not null || signIn.ClientSecretFile is not null)
        {
            return SecretReader.Read(signIn.ClientSecretEnvironmentVariable, signIn.ClientSecretFile, "Admin sign-in client secret");
        }

        var salesforce = _salesforce.Value;
        return salesforce.ClientSecretEnvironmentVariable is not null || salesforce.ClientSecretFile is not null
            ? SecretReader.Read(salesforce.ClientSecretEnvironmentVariable, salesforce.ClientSecretFile, "Salesforce client secret")
            : null;
    }

    private string RedirectUri(HttpContext http)
    {
        var baseUrl = _options.Value.SignIn.PublicBaseUrl?.ToString().TrimEnd('/') ?? $"{http.Request.Scheme}://{http.Request.Host}";
        return baseUrl + _options.Value.SignIn.CallbackPath;
    }

    /// <summary>Only local console paths: an open redirect would let a link send a freshly signed-in admin anywhere.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith("/admin", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal) &&
        !url.Contains('\\', StringComparison.Ordinal)
            ? url
            : "/admin";

    private static string Base64Url(byte[] bytes) => WebEncoders.Base64UrlEncode(bytes);

    private sealed record Flow(string State, string Verifier, string ReturnUrl);
}
