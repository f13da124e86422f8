using System.Text;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>
/// The org's one connected app: its consumer key and secret, callback URLs and selectable OAuth scopes.
/// Every active standard user is pre-authorized (the "Admin approved users are pre-authorized" policy), so no
/// approval page is shown and the JWT bearer flow works for any of them.
/// </summary>
public sealed class ConnectedApp
{
    /// <summary>Scopes granted when the authorization request names none.</summary>
    public const string DefaultScope = "api refresh_token";

    private static readonly HashSet<string> SelectableScopes = new(StringComparer.Ordinal)
    {
        "api", "web", "id", "openid", "profile", "email", "address", "phone", "full", "refresh_token", "offline_access",
        "chatter_api", "visualforce", "custom_permissions", "wave_api",
    };

    private readonly EmulatorOptions _options;
    private readonly OAuthOptions _oauth;

    public ConnectedApp(IOptions<EmulatorOptions> options, IOptions<OAuthOptions> oauth)
    {
        _options = options.Value;
        _oauth = oauth.Value;
    }

    public string ClientId => _options.ClientId;

    public bool IsClientId(string? clientId) => clientId is not null && string.Equals(clientId, _options.ClientId, StringComparison.Ordinal);

    public bool IsSecret(string? secret) => secret is not null && OrgUsers.CryptographicEquals(secret, _options.ClientSecret);

    public bool IsCallbackUrl(string? redirectUri)
    {
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Fragment.Length > 0)
        {
            return false;
        }

        return _oauth.CallbackUrls.Count == 0 || _oauth.CallbackUrls.Contains(redirectUri!, StringComparer.Ordinal);
    }

    /// <summary>The granted scope string, or null when a requested scope is not one the app offers.</summary>
    public static string? GrantScope(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
        {
            return DefaultScope;
        }

        var scopes = requested.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        return scopes.All(SelectableScopes.Contains) ? string.Join(' ', scopes) : null;
    }

    /// <summary>Salesforce issues a refresh token only when the grant includes refresh_token (or its alias offline_access); "full" does not imply it.</summary>
    public static bool IncludesRefreshToken(string scope) =>
        scope.Split(' ').Any(s => s is "refresh_token" or "offline_access");

    /// <summary>client_id and client_secret from the form, or from an HTTP Basic Authorization header (RFC 6749 §2.3.1).</summary>
    public static (string? ClientId, string? ClientSecret) ReadClient(HttpRequest request, IFormCollection form)
    {
        string? id = NullIfEmpty(form["client_id"]);
        string? secret = NullIfEmpty(form["client_secret"]);
        var header = request.Headers.Authorization.FirstOrDefault();
        if (header is not null && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    id ??= Uri.UnescapeDataString(decoded[..colon].Replace('+', ' '));
                    secret ??= Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' '));
                }
            }
            catch (FormatException)
            {
                // A malformed Basic header counts as no client credentials at all.
            }
        }

        return (id, secret);
    }

    internal static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];
}
