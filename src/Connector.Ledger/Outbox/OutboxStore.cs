using Dapper;

namespace Connector.Ledger.Outbox;

/// <summary>
/// The dispatcher's side of the outbox: messages are written by <see cref="Ledger.LedgerStore.ApplyAsync"/>; one
/// dispatcher (the stream leader) takes them in order, sends them, and marks them.
/// </summary>
public sealed class OutboxStore
{
    private readonly LedgerDatabase _database;
    private readonly TimeProvider _time;

    public OutboxStore(LedgerDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    /// <summary>Up to <paramref name="max"/> undispatched messages, oldest first, skipping those that failed <paramref name="maxAttempts"/> times.</summary>
    public async Task<IReadOnlyList<OutboxMessage>> TakeBatchAsync(int max, int maxAttempts, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<OutboxMessage>(new CommandDefinition($"""
            SELECT id, kind, target_sobject, target_id, payload, idempotency_key, created_at, attempts, last_error, last_attempt_at, dispatched_at
            FROM outbox_messages
            WHERE dispatched_at IS NULL AND attempts < @MaxAttempts
            ORDER BY id {_database.Dialect.Limit("@Max")}
            """, new { Max = max, MaxAttempts = maxAttempts }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    /// <summary>Marks messages sent (one statement); already dispatched ones keep their first time.</summary>
    public async Task<int> MarkDispatchedAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return 0;
        }

        var now = _time.GetUtcNow();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE outbox_messages SET dispatched_at = @Now, last_attempt_at = @Now, attempts = attempts + 1, last_error = NULL
            WHERE {_database.Dialect.InList("id", "@Ids")} AND dispatched_at IS NULL
            """, new { Ids = ids.ToArray(), Now = now }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Records a failed attempt; the message stays pending until it reaches the caller's attempt limit.</summary>
    public async Task<bool> MarkFailedAsync(long id, string error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE outbox_messages SET attempts = attempts + 1, last_error = @Error, last_attempt_at = @Now
            WHERE id = @Id AND dispatched_at IS NULL
            """, new { Id = id, Error = error.Length > 2000 ? error[..2000] : error, Now = _time.GetUtcNow() },
            cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }
}
