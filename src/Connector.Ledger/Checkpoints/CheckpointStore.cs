using Connector.Ledger.Dialects;
using Dapper;

namespace Connector.Ledger.Checkpoints;

internal static class CheckpointSql
{
    public const string Values = "@Stream, @ReplayId, @Cursor, @UpdatedAt";

    public static string Save(ISqlDialect dialect) => Save(dialect, [Values]);

    /// <summary>Several streams' positions (one row each, no stream twice) in one statement.</summary>
    public static string Save(ISqlDialect dialect, IReadOnlyList<string> rows) => dialect.Upsert("stream_checkpoints", "stream",
        "stream, replay_id, cursor_value, updated_at", rows, "replay_id, cursor_value, updated_at");
}

/// <summary>
/// Stream positions on their own, for streams whose events change nothing in the ledger (and for start-up:
/// where to resume). Changes that do have effects advance their stream inside <see cref="Ledger.LedgerStore.ApplyAsync"/>.
/// The replay-id methods have the shape of the streaming client's <c>IReplayCheckpointStore</c>.
/// </summary>
public sealed class CheckpointStore
{
    private readonly LedgerDatabase _database;
    private readonly TimeProvider _time;
    private readonly string _save;

    public CheckpointStore(LedgerDatabase database, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time;
        _save = CheckpointSql.Save(database.Dialect);
    }

    public async Task<StreamCheckpoint?> GetAsync(string stream, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<StreamCheckpoint>(new CommandDefinition("""
            SELECT stream, replay_id, cursor_value AS cursor, updated_at FROM stream_checkpoints WHERE stream = @Stream
            """, new { Stream = stream }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The checkpoints of every stream whose name starts with <paramref name="prefix"/> (e.g. <c>backfill:</c>).</summary>
    public async Task<IReadOnlyList<StreamCheckpoint>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // substr rather than LIKE (nothing to escape) or a range (PostgreSQL orders text by the database's collation).
        return [.. await connection.QueryAsync<StreamCheckpoint>(new CommandDefinition("""
            SELECT stream, replay_id, cursor_value AS cursor, updated_at FROM stream_checkpoints
            WHERE substr(stream, 1, @Length) = @Prefix ORDER BY stream
            """, new { Prefix = prefix, prefix.Length }, cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    public async Task<long?> GetReplayIdAsync(string stream, CancellationToken cancellationToken) =>
        (await GetAsync(stream, cancellationToken).ConfigureAwait(false))?.ReplayId;

    public Task SaveReplayIdAsync(string stream, long replayId, CancellationToken cancellationToken) =>
        SaveAsync(StreamPosition.AtReplayId(stream, replayId), cancellationToken);

    public async Task<string?> GetCursorAsync(string stream, CancellationToken cancellationToken) =>
        (await GetAsync(stream, cancellationToken).ConfigureAwait(false))?.Cursor;

    public Task SaveCursorAsync(string stream, string cursor, CancellationToken cancellationToken) =>
        SaveAsync(StreamPosition.AtCursor(stream, cursor), cancellationToken);

    public async Task SaveAsync(StreamPosition position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(position);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(_save,
            new { position.Stream, position.ReplayId, position.Cursor, UpdatedAt = _time.GetUtcNow() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
