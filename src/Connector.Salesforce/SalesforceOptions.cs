using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Connector.Salesforce;

/// <summary>How the connector signs in (fact sheet §1). JWT bearer first: nothing reusable is stored.</summary>
public enum SalesforceAuthFlow
{
    JwtBearer,
    ClientCredentials,
    RefreshToken,
    /// <summary>Username-password: allowed only against sandboxes (and a local emulator); Salesforce is retiring it.</summary>
    Password,
}

/// <summary>
/// One Salesforce connection (section "Salesforce"). The login host is always configured — production,
/// sandbox or My Domain — never assumed. Secrets are referenced (a file, an environment variable, or a
/// secret-store mount path), never written into configuration files.
/// </summary>
public sealed partial class SalesforceOptions : IValidatableObject
{
    public const string SectionName = "Salesforce";

    /// <summary>https://login.salesforce.com, https://test.salesforce.com or https://MyDomain.my.salesforce.com.</summary>
    [Required] public Uri? LoginUrl { get; set; }

    /// <summary>REST API version without the "v" (e.g. "62.0").</summary>
    [Required] public string ApiVersion { get; set; } = "62.0";

    public SalesforceAuthFlow AuthFlow { get; set; } = SalesforceAuthFlow.JwtBearer;

    /// <summary>The connected app's consumer key.</summary>
    [Required] public string ClientId { get; set; } = string.Empty;

    /// <summary>The integration user (JWT bearer "sub", password flow username).</summary>
    public string? Username { get; set; }

    /// <summary>Where the JWT signing key (PEM) comes from: exactly one of these for the JWT bearer flow.</summary>
    public string? PrivateKeyFile { get; set; }
    public string? PrivateKeyEnvironmentVariable { get; set; }

    /// <summary>Client secret (client credentials, refresh token, password flows): environment variable or file.</summary>
    public string? ClientSecretEnvironmentVariable { get; set; }
    public string? ClientSecretFile { get; set; }

    /// <summary>Refresh token (refresh-token flow): environment variable or file.</summary>
    public string? RefreshTokenEnvironmentVariable { get; set; }
    public string? RefreshTokenFile { get; set; }

    /// <summary>Password + security token (password flow, sandboxes only): environment variable or file.</summary>
    public string? PasswordEnvironmentVariable { get; set; }
    public string? PasswordFile { get; set; }

    /// <summary>JWT "aud": the login host's base URL unless set (a My Domain still uses login/test here).</summary>
    public string? JwtAudience { get; set; }

    /// <summary>Per-attempt timeout of one HTTP call.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Share of the org's daily API allocation left untouched for the org's own users.</summary>
    [Range(0, 95)] public int ReservePercent { get; set; } = 20;

    /// <summary>"Sforce-Call-Options: client=…": shows in Salesforce logs and in CDC changeOrigin.</summary>
    public string CallOptionsClient { get; set; } = "ReferralConnector";

    public string ApiBasePath => $"services/data/v{ApiVersion}/";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ApiVersionPattern().IsMatch(ApiVersion))
        {
            yield return new ValidationResult($"Salesforce:ApiVersion '{ApiVersion}' must look like 62.0.", [nameof(ApiVersion)]);
        }

        if (LoginUrl is { } url && !(url.Scheme == Uri.UriSchemeHttps || url.IsLoopback))
        {
            yield return new ValidationResult($"Salesforce:LoginUrl '{url}' must use https (plain http only for a local emulator).", [nameof(LoginUrl)]);
        }

        switch (AuthFlow)
        {
            case SalesforceAuthFlow.JwtBearer:
                if (string.IsNullOrWhiteSpace(Username))
                {
                    yield return new ValidationResult("Salesforce:Username is required for the JWT bearer flow (the assertion's subject).", [nameof(Username)]);
                }

                if ((PrivateKeyFile is null) == (PrivateKeyEnvironmentVariable is null))
                {
                    yield return new ValidationResult("Set exactly one of Salesforce:PrivateKeyFile or Salesforce:PrivateKeyEnvironmentVariable for the JWT bearer flow.", [nameof(PrivateKeyFile)]);
                }

                break;
            case SalesforceAuthFlow.ClientCredentials:
                if (ClientSecretEnvironmentVariable is null && ClientSecretFile is null)
                {
                    yield return new ValidationResult("The client credentials flow needs Salesforce:ClientSecretEnvironmentVariable or Salesforce:ClientSecretFile.", [nameof(ClientSecretFile)]);
                }

                break;
            case SalesforceAuthFlow.RefreshToken:
                if (RefreshTokenEnvironmentVariable is null && RefreshTokenFile is null)
                {
                    yield return new ValidationResult("The refresh token flow needs Salesforce:RefreshTokenEnvironmentVariable or Salesforce:RefreshTokenFile.", [nameof(RefreshTokenFile)]);
                }

                break;
            case SalesforceAuthFlow.Password:
                if (LoginUrl is { } login && !IsSandboxOrLocal(login))
                {
                    yield return new ValidationResult($"Salesforce:AuthFlow Password is allowed only for sandboxes (test.salesforce.com, *.sandbox.my.salesforce.com) or a local emulator, not {login.Host}.", [nameof(AuthFlow)]);
                }

                if (string.IsNullOrWhiteSpace(Username) || (PasswordEnvironmentVariable is null && PasswordFile is null))
                {
                    yield return new ValidationResult("The password flow needs Salesforce:Username and Salesforce:PasswordEnvironmentVariable or Salesforce:PasswordFile.", [nameof(PasswordFile)]);
                }

                break;
        }
    }

    public static bool IsSandboxOrLocal(Uri login) =>
        login.IsLoopback
        || login.Host.Equals("test.salesforce.com", StringComparison.OrdinalIgnoreCase)
        || login.Host.EndsWith(".sandbox.my.salesforce.com", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^\d{2,3}\.0$")]
    private static partial Regex ApiVersionPattern();
}
