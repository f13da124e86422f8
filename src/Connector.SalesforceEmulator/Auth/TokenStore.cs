using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>
/// Issued access and refresh tokens. Access tokens look like real ones ("00D…!AQ…") and expire after the
/// configured lifetime; revoking a refresh token also revokes the access tokens issued from it, as Salesforce does.
/// </summary>
public sealed class TokenStore
{
    private readonly ConcurrentDictionary<string, ApiSession> _access = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RefreshGrant> _refresh = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _accessToRefresh = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _issued = new();
    private readonly TimeProvider _time;
    private readonly string _orgId;

    public TokenStore(TimeProvider time, string orgId)
    {
        _time = time;
        _orgId = orgId;
    }

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(2);

    public ApiSession IssueAccessToken(string userId, string username, string clientId, string? fromRefreshToken = null)
    {
        var now = _time.GetUtcNow();
        var token = $"{_orgId[..15]}!AQ0AQ{Random(96)}";
        var session = new ApiSession(token, userId, username, clientId, now, now + Lifetime);
        _access[token] = session;
        _issued.Enqueue(token);
        if (fromRefreshToken is not null)
        {
            _accessToRefresh[token] = fromRefreshToken;
        }

        return session;
    }

    public string IssueRefreshToken(string userId, string username, string clientId, string scope)
    {
        var token = "5Aep861" + Random(80);
        _issued.Enqueue(token);
        _refresh[token] = new RefreshGrant(userId, username, clientId, scope);
        return token;
    }

    /// <summary>Every access and refresh token ever issued, expired or revoked ones too (tests scan logs for them).</summary>
    internal IReadOnlyCollection<string> IssuedTokens => _issued;

    /// <summary>The live session for a bearer token; null when unknown, revoked or expired.</summary>
    public ApiSession? Validate(string? accessToken)
    {
        if (accessToken is null || !_access.TryGetValue(accessToken, out var session))
        {
            return null;
        }

        if (_time.GetUtcNow() >= session.ExpiresAt)
        {
            _access.TryRemove(accessToken, out _);
            return null;
        }

        return session;
    }

    public RefreshGrant? FindRefreshToken(string? token) => token is null ? null : _refresh.GetValueOrDefault(token);

    /// <summary>
    /// Refresh token rotation: the old refresh token stops working and a new one takes its place; access tokens
    /// already issued from the old one stay valid and are revoked with the new one.
    /// </summary>
    public string? RotateRefreshToken(string token)
    {
        if (!_refresh.TryRemove(token, out var grant))
        {
            return null;
        }

        var replacement = IssueRefreshToken(grant.UserId, grant.Username, grant.ClientId, grant.Scope);
        foreach (var (access, refresh) in _accessToRefresh)
        {
            if (refresh == token)
            {
                _accessToRefresh[access] = replacement;
            }
        }

        return replacement;
    }

    public void RevokeRefreshToken(string token)
    {
        _refresh.TryRemove(token, out _);
        foreach (var (access, refresh) in _accessToRefresh)
        {
            if (refresh == token)
            {
                _access.TryRemove(access, out _);
                _accessToRefresh.TryRemove(access, out _);
            }
        }
    }

    /// <summary>Revokes an access or refresh token; false when the token was not known.</summary>
    public bool Revoke(string token)
    {
        if (_refresh.ContainsKey(token))
        {
            RevokeRefreshToken(token);
            return true;
        }

        _accessToRefresh.TryRemove(token, out _);
        return _access.TryRemove(token, out _);
    }

    /// <summary>Fault injection: every live access token expires now (clients must re-authenticate).</summary>
    public int ExpireAllSessions()
    {
        var count = _access.Count;
        _access.Clear();
        _accessToRefresh.Clear();
        return count;
    }

    private static string Random(int chars)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
        return RandomNumberGenerator.GetString(alphabet, chars);
    }
}

public sealed record RefreshGrant(string UserId, string Username, string ClientId, string Scope);
