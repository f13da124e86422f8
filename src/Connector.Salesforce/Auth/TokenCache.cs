namespace Connector.Salesforce.Auth;

/// <summary>
/// Holds the current session and renews it single-flight: however many callers find the token expired at
/// once, exactly one request reaches the token endpoint and all of them get its result.
/// </summary>
public sealed class TokenCache
{
    private readonly ITokenSource _source;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AccessToken? _current;

    public TokenCache(ITokenSource source) => _source = source;

    /// <summary>Logins performed so far (tests and metrics).</summary>
    public int Renewals { get; private set; }

    public async ValueTask<AccessToken> GetAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _current);
        return current ?? await RenewAsync(null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces <paramref name="rejected"/> with a fresh session. If another caller already replaced it,
    /// that newer session is returned without another login.
    /// </summary>
    public async ValueTask<AccessToken> RenewAsync(AccessToken? rejected, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _current;
            if (current is not null && !ReferenceEquals(current, rejected))
            {
                return current;
            }

            var fresh = await _source.RequestTokenAsync(cancellationToken).ConfigureAwait(false);
            Renewals++;
            Volatile.Write(ref _current, fresh);
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the session (after a revocation, or to force a new login).</summary>
    public void Invalidate() => Volatile.Write(ref _current, null);
}
