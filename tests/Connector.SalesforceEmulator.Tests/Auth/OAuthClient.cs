using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Tests.Support;
using Microsoft.AspNetCore.WebUtilities;

namespace Connector.SalesforceEmulator.Tests.Auth;

/// <summary>Raw OAuth calls against an emulator, as a client library would make them.</summary>
internal static partial class OAuthClient
{
    public const string LoginHost = "https://login.salesforce.com";
    public const string Callback = "http://localhost:1717/OauthRedirect";

    public static string DevKeyPath => Path.Combine(AppContext.BaseDirectory, "Dev", "jwt-signing-key.DEVELOPMENT-ONLY.pem");

    public static EmulatorOptions Options(EmulatorServer server) =>
        server.Get<Microsoft.Extensions.Options.IOptions<EmulatorOptions>>().Value;

    public static HttpClient NewClient(EmulatorServer server) =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseUrl };

    public static async Task<TokenReply> PostTokenAsync(EmulatorServer server, IDictionary<string, string> form, AuthenticationHeaderValue? authorization = null)
    {
        using var http = NewClient(server);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/services/oauth2/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = authorization;
        return await TokenReply.ReadAsync(await http.SendAsync(request));
    }

    public static Dictionary<string, string> ClientCredentials(EmulatorServer server) => new()
    {
        ["grant_type"] = "client_credentials", ["client_id"] = Options(server).ClientId, ["client_secret"] = Options(server).ClientSecret,
    };

    public static Task<TokenReply> JwtAsync(EmulatorServer server, string assertion) =>
        PostTokenAsync(server, new Dictionary<string, string> { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = assertion });

    /// <summary>Claims a JWT bearer client sends: iss, sub, aud, exp three minutes ahead.</summary>
    public static Dictionary<string, object> Claims(EmulatorServer server, string? sub = null, DateTimeOffset? now = null) => new()
    {
        ["iss"] = Options(server).ClientId,
        ["sub"] = sub ?? Options(server).Username,
        ["aud"] = LoginHost,
        ["exp"] = ((now ?? TimeProvider.System.GetUtcNow()) + TimeSpan.FromMinutes(3)).ToUnixTimeSeconds(),
    };

    /// <summary>An RS256 JWT signed with the development key (or <paramref name="key"/>).</summary>
    public static string SignJwt(IDictionary<string, object> claims, RSA? key = null, string alg = "RS256")
    {
        var header = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = alg }));
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signingInput = header + "." + payload;
        using var devKey = key is null ? RSA.Create() : null;
        devKey?.ImportFromPem(File.ReadAllText(DevKeyPath));
        var signature = (key ?? devKey!).SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The authorize URL's query for the web-server flow.</summary>
    public static Dictionary<string, string?> AuthorizeParameters(EmulatorServer server, string? scope = null, string? challenge = null, string? method = null, string state = "xyz-state") => new()
    {
        ["response_type"] = "code", ["client_id"] = Options(server).ClientId, ["redirect_uri"] = Callback, ["state"] = state,
        ["scope"] = scope, ["code_challenge"] = challenge, ["code_challenge_method"] = method,
    };

    public static string AuthorizeUrl(Dictionary<string, string?> parameters) =>
        QueryHelpers.AddQueryString("/services/oauth2/authorize", parameters.Where(p => p.Value is not null));

    /// <summary>Submits the login form the authorize page shows (its hidden fields plus username and password); returns the raw response.</summary>
    public static async Task<HttpResponseMessage> SubmitLoginAsync(HttpClient http, Dictionary<string, string?> parameters, string username, string password)
    {
        using var page = await http.GetAsync(AuthorizeUrl(parameters));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var form = HiddenField().Matches(html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        form["username"] = username;
        form["password"] = password;
        var action = FormAction().Match(html).Groups[1].Value;
        return await http.PostAsync(action, new FormUrlEncodedContent(form));
    }

    /// <summary>Logs in through the authorize page and returns the code from the redirect.</summary>
    public static async Task<string> AuthorizeAsync(EmulatorServer server, Dictionary<string, string?> parameters, string? username = null)
    {
        using var http = NewClient(server);
        using var response = await SubmitLoginAsync(http, parameters, username ?? Options(server).Username, Options(server).Password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = QueryHelpers.ParseQuery(response.Headers.Location!.Query);
        Assert.Equal(parameters["state"], query["state"].ToString());
        return query["code"].ToString();
    }

    public static Dictionary<string, string> CodeExchange(EmulatorServer server, string code, bool withSecret = true, string? verifier = null, string redirectUri = Callback)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["client_id"] = Options(server).ClientId, ["redirect_uri"] = redirectUri,
        };
        if (withSecret)
        {
            form["client_secret"] = Options(server).ClientSecret;
        }

        if (verifier is not null)
        {
            form["code_verifier"] = verifier;
        }

        return form;
    }

    public static Dictionary<string, string> RefreshForm(EmulatorServer server, string refreshToken) => new()
    {
        ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = Options(server).ClientId,
        ["client_secret"] = Options(server).ClientSecret,
    };

    /// <summary>A REST call with the token: 401 when the session is gone.</summary>
    public static async Task<HttpStatusCode> RestStatusAsync(EmulatorServer server, string accessToken)
    {
        using var http = NewClient(server);
        using var request = new HttpRequestMessage(HttpMethod.Get, EmulatorFixture.V + "/limits");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Top-level keys of a fixture file, in file order.</summary>
    public static string[] FixtureKeys(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "oauth", file)));
        return doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
    }

    public static JsonElement Fixture(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "oauth", file)));
        return doc.RootElement.Clone();
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();

    [GeneratedRegex("<form[^>]* action=\"([^\"]+)\"")]
    private static partial Regex FormAction();
}

/// <summary>A token endpoint reply: status, headers, body and its keys in wire order.</summary>
internal sealed record TokenReply(HttpStatusCode Status, JsonElement Body, string[] Keys, HttpResponseHeaders Headers, string? ContentType)
{
    public string Str(string key) => Body.GetProperty(key).GetString()!;

    public bool Has(string key) => Body.TryGetProperty(key, out _);

    public static async Task<TokenReply> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            using var doc = JsonDocument.Parse(text);
            var body = doc.RootElement.Clone();
            var keys = body.ValueKind == JsonValueKind.Object ? body.EnumerateObject().Select(p => p.Name).ToArray() : [];
            return new TokenReply(response.StatusCode, body, keys, response.Headers, response.Content.Headers.ContentType?.ToString());
        }
    }

    /// <summary>Asserts a Salesforce token error: 400, no-store, exactly {error, error_description}.</summary>
    public void AssertError(string error, string description)
    {
        Assert.Equal(HttpStatusCode.BadRequest, Status);
        Assert.Equal(["error", "error_description"], Keys);
        Assert.Equal(error, Str("error"));
        Assert.Equal(description, Str("error_description"));
        Assert.Contains("no-store", Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("application/json", ContentType, StringComparison.Ordinal);
    }
}
