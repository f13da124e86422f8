using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>What a user approved at the authorize endpoint, waiting to be exchanged for tokens.</summary>
public sealed record AuthorizationGrant(
    string UserId, string Username, string ClientId, string RedirectUri, string Scope,
    string? CodeChallenge, string? CodeChallengeMethod, DateTimeOffset ExpiresAt)
{
    /// <summary>PKCE (RFC 7636 §4.6). Salesforce hashes with SHA-256 when no method is named.</summary>
    public bool VerifierMatches(string? verifier)
    {
        if (CodeChallenge is null)
        {
            return true;
        }

        if (string.IsNullOrEmpty(verifier))
        {
            return false;
        }

        var expected = CodeChallengeMethod == "plain"
            ? verifier
            : System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(CodeChallenge));
    }
}

public enum CodeRedemption
{
    Redeemed,
    Unknown,
    ExpiredOrUsed,
}

/// <summary>Single-use, short-lived authorization codes of the web-server flow.</summary>
public sealed class AuthorizationCodes
{
    private readonly ConcurrentDictionary<string, AuthorizationGrant> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _spent = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public AuthorizationCodes(TimeProvider time, IOptions<OAuthOptions> options)
    {
        _time = time;
        _lifetime = options.Value.AuthorizationCodeLifetime;
    }

    public string Issue(string userId, string username, string clientId, string redirectUri, string scope, string? codeChallenge, string? codeChallengeMethod)
    {
        Sweep();
        // Real codes are base64 with "==" padding, so clients must URL-decode the redirect's query string.
        var code = "aPrx" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._", 80) + "==";
        _open[code] = new AuthorizationGrant(userId, username, clientId, redirectUri, scope, codeChallenge, codeChallengeMethod, _time.GetUtcNow() + _lifetime);
        return code;
    }

    /// <summary>Takes the code out of circulation whatever happens next: a code is good for one exchange attempt.</summary>
    public CodeRedemption Redeem(string? code, out AuthorizationGrant? grant)
    {
        grant = null;
        if (string.IsNullOrEmpty(code))
        {
            return CodeRedemption.Unknown;
        }

        var now = _time.GetUtcNow();
        if (_open.TryRemove(code, out var found))
        {
            _spent[code] = found.ExpiresAt;
            if (now >= found.ExpiresAt)
            {
                return CodeRedemption.ExpiredOrUsed;
            }

            grant = found;
            return CodeRedemption.Redeemed;
        }

        return _spent.ContainsKey(code) ? CodeRedemption.ExpiredOrUsed : CodeRedemption.Unknown;
    }

    private void Sweep()
    {
        // Spent codes are remembered a while so a replay reads "expired", not "invalid", as on a real org.
        var horizon = _time.GetUtcNow() - TimeSpan.FromHours(1);
        foreach (var (code, expires) in _spent)
        {
            if (expires < horizon)
            {
                _spent.TryRemove(code, out _);
            }
        }

        foreach (var (code, grant) in _open)
        {
            if (grant.ExpiresAt < horizon)
            {
                _open.TryRemove(code, out _);
            }
        }
    }
}
