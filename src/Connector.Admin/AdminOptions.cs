using System.ComponentModel.DataAnnotations;

namespace Connector.Admin;

/// <summary>The admin console (section "Admin").</summary>
public sealed class AdminOptions : IValidatableObject
{
    public const string SectionName = "Admin";

    /// <summary>Serve the console at all (a worker without people to configure it can turn it off).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Users holding this permission set in the org may change the configuration; others may only look.</summary>
    [Required] public string AdminPermissionSet { get; set; } = "Referral_Admin";

    /// <summary>Sign-in with Salesforce (OAuth web-server flow with PKCE against the org).</summary>
    public AdminSignInOptions SignIn { get; set; } = new();

    /// <summary>Local administrators for headless use (the JSON API with HTTP Basic, or the sign-in form); optional.</summary>
    public IList<LocalAdminOptions> LocalAdmins { get; } = [];

    /// <summary>How many recent referrals a preview replays.</summary>
    [Range(1, 1000)] public int PreviewReferrals { get; set; } = 50;

    /// <summary>How long a console session lasts without activity.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SessionLifetime <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"Admin:SessionLifetime must be positive (was {SessionLifetime}).", [nameof(SessionLifetime)]);
        }

        if (SignIn.CallbackPath is not { Length: > 1 } path || !path.StartsWith("/admin/", StringComparison.Ordinal))
        {
            yield return new ValidationResult($"Admin:SignIn:CallbackPath must be a path under /admin/ (was '{SignIn.CallbackPath}').", ["SignIn.CallbackPath"]);
        }

        if (SignIn.PublicBaseUrl is { } publicUrl && (!publicUrl.IsAbsoluteUri || publicUrl.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"Admin:SignIn:PublicBaseUrl must be an absolute http(s) URL (was '{publicUrl}').", ["SignIn.PublicBaseUrl"]);
        }

        for (var i = 0; i < LocalAdmins.Count; i++)
        {
            var admin = LocalAdmins[i];
            if (string.IsNullOrWhiteSpace(admin.Username))
            {
                yield return new ValidationResult($"Admin:LocalAdmins:{i}:Username is required.", ["LocalAdmins"]);
            }

            if (!LocalAdminCredentials.IsHash(admin.PasswordHash))
            {
                // The value itself is never echoed: it may be a password pasted where its hash belongs.
                yield return new ValidationResult(
                    $"Admin:LocalAdmins:{i}:PasswordHash must be a password hash (create one with LocalAdminCredentials.Hash), not a password.", ["LocalAdmins"]);
            }
        }
    }
}

public sealed class AdminSignInOptions
{
    /// <summary>The connected app's consumer key; empty means Salesforce:ClientId.</summary>
    public string? ClientId { get; set; }

    /// <summary>Where the consumer secret is read from (web-server flow); never the secret itself in configuration.</summary>
    public string? ClientSecretEnvironmentVariable { get; set; }

    public string? ClientSecretFile { get; set; }

    /// <summary>The login host; empty means Salesforce:LoginUrl.</summary>
    public Uri? LoginUrl { get; set; }

    /// <summary>The redirect URI's path, registered as the connected app's callback URL.</summary>
    public string CallbackPath { get; set; } = "/admin/signin/callback";

    /// <summary>The console's external address when behind a proxy (the redirect URI is built from it); empty: the request's.</summary>
    public Uri? PublicBaseUrl { get; set; }
}

public sealed class LocalAdminOptions
{
    public string Username { get; set; } = string.Empty;

    /// <summary>A hash from <see cref="LocalAdminCredentials.Hash"/>; the password itself is never configured.</summary>
    public string PasswordHash { get; set; } = string.Empty;
}
