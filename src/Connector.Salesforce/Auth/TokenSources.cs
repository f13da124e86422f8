using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Connector.Salesforce.Auth;

/// <summary>
/// Logs in at the configured login host with the configured grant (fact sheet §1). Token endpoint errors
/// become <see cref="SalesforceAuthException"/> carrying Salesforce's error code and description — never
/// the assertion, secret or password that was sent.
/// </summary>
public sealed class OAuthTokenSource : ITokenSource
{
    public const string HttpClientName = "SalesforceLogin";

    private readonly IHttpClientFactory _httpFactory;
    private readonly SalesforceOptions _options;
    private readonly TimeProvider _time;
    private readonly Lazy<RSA> _signingKey;

    public OAuthTokenSource(IHttpClientFactory httpFactory, IOptions<SalesforceOptions> options, TimeProvider time)
    {
        _httpFactory = httpFactory;
        _options = options.Value;
        _time = time;
        _signingKey = new Lazy<RSA>(LoadKey);
    }

    public async Task<AccessToken> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var form = _options.AuthFlow switch
        {
            SalesforceAuthFlow.JwtBearer => new Dictionary<string, string>
            {
                ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
                ["assertion"] = CreateAssertion(),
            },
            SalesforceAuthFlow.ClientCredentials => new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = _options.ClientId, ["client_secret"] = ClientSecret(),
            },
            SalesforceAuthFlow.RefreshToken => new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token", ["client_id"] = _options.ClientId, ["client_secret"] = ClientSecret(),
                ["refresh_token"] = SecretReader.Read(_options.RefreshTokenEnvironmentVariable, _options.RefreshTokenFile, "Salesforce refresh token"),
            },
            SalesforceAuthFlow.Password => new Dictionary<string, string>
            {
                ["grant_type"] = "password", ["client_id"] = _options.ClientId, ["client_secret"] = ClientSecret(),
                ["username"] = _options.Username!, ["password"] = SecretReader.Read(_options.PasswordEnvironmentVariable, _options.PasswordFile, "Salesforce password"),
            },
            _ => throw new InvalidOperationException($"Unsupported auth flow {_options.AuthFlow}."),
        };

        var http = _httpFactory.CreateClient(HttpClientName);
        using var content = new FormUrlEncodedContent(form);
        using var response = await http.PostAsync(new Uri(_options.LoginUrl!, "services/oauth2/token"), content, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            throw new SalesforceAuthException($"HTTP_{(int)response.StatusCode}", "the token endpoint did not answer JSON", _options.LoginUrl!);
        }

        if (!response.IsSuccessStatusCode)
        {
            var error = SalesforceApiException.ParseError(json);
            throw new SalesforceAuthException(error.ErrorCode, error.Message, _options.LoginUrl!);
        }

        var issued = json.TryGetProperty("issued_at", out var i) && long.TryParse(i.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : _time.GetUtcNow();
        return new AccessToken(
            json.GetProperty("access_token").GetString()!,
            new Uri(json.GetProperty("instance_url").GetString()!.TrimEnd('/') + "/"),
            json.TryGetProperty("id", out var id) ? id.GetString()! : string.Empty,
            issued);
    }

    private string ClientSecret() => SecretReader.Read(_options.ClientSecretEnvironmentVariable, _options.ClientSecretFile, "Salesforce client secret");

    /// <summary>RS256-signed assertion: iss = client id, sub = user, aud = login host, exp = now + 3 minutes.</summary>
    private string CreateAssertion()
    {
        var audience = _options.JwtAudience ?? _options.LoginUrl!.GetLeftPart(UriPartial.Authority);
        var claims = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = _options.ClientId,
            ["sub"] = _options.Username!,
            ["aud"] = audience,
            ["exp"] = _time.GetUtcNow().AddMinutes(3).ToUnixTimeSeconds(),
        });
        var unsigned = Base64Url("""{"alg":"RS256"}"""u8) + "." + Base64Url(Encoding.UTF8.GetBytes(claims));
        var signature = _signingKey.Value.SignData(Encoding.ASCII.GetBytes(unsigned), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return unsigned + "." + Base64Url(signature);
    }

    private RSA LoadKey()
    {
        var pem = SecretReader.Read(_options.PrivateKeyEnvironmentVariable, _options.PrivateKeyFile, "Salesforce JWT signing key");
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (ArgumentException e)
        {
            rsa.Dispose();
            throw new InvalidOperationException("Salesforce JWT signing key: not a PEM-encoded RSA private key.", e);
        }

        return rsa;
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>The login host refused to issue a session (bad key, unapproved user, wrong audience, …).</summary>
public sealed class SalesforceAuthException : Exception
{
    public SalesforceAuthException(string error, string description, Uri loginUrl)
        : base($"Salesforce login at {loginUrl.GetLeftPart(UriPartial.Authority)} failed: {error}: {description}")
    {
        Error = error;
        Description = description;
    }

    public SalesforceAuthException()
    {
        Error = Description = string.Empty;
    }

    public SalesforceAuthException(string message)
        : base(message)
    {
        Error = Description = string.Empty;
    }

    public SalesforceAuthException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = Description = string.Empty;
    }

    public string Error { get; }
    public string Description { get; }
}
