using Dapper;

namespace Connector.Ledger.Quarantine;

internal static class QuarantineSql
{
    public const string MarkReapplied = """
        UPDATE quarantine SET resolved_at = @ResolvedAt, reapplied_event_key = @ReappliedEventKey
        WHERE id = @Id AND resolved_at IS NULL
        """;
}

/// <summary>
/// Events that could not be applied. Entries usually arrive inside <see cref="Ledger.LedgerStore.ApplyAsync"/> (with the
/// event's checkpoint); <see cref="AddAsync"/> is for sources that have no other effects to commit with them.
/// </summary>
public sealed class QuarantineStore
{
    private const string Columns = "id, source_event_key, entity, record_id, reason_code, reason, payload, received_at, resolved_at, reapplied_event_key";

    private readonly LedgerDatabase _database;
    private readonly TimeProvider _time;

    public QuarantineStore(LedgerDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    public async Task<long> AddAsync(string sourceEventKey, QuarantineRow row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        var d = _database.Dialect;
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition($"""
            INSERT INTO quarantine (source_event_key, entity, record_id, reason_code, reason, payload, received_at)
            VALUES (@SourceEventKey, @Entity, @RecordId, @ReasonCode, @Reason, {d.JsonParameter("@Payload")}, @ReceivedAt)
            {d.ReturningId}
            """, new { SourceEventKey = sourceEventKey, row.Entity, row.RecordId, row.ReasonCode, row.Reason, row.Payload, ReceivedAt = _time.GetUtcNow() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Open entries, oldest first.</summary>
    public async Task<IReadOnlyList<QuarantineEntry>> ListOpenAsync(int max, CancellationToken cancellationToken)
    {
        var d = _database.Dialect;
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<QuarantineEntry>(new CommandDefinition($"""
            SELECT {Columns} FROM quarantine WHERE resolved_at IS NULL ORDER BY id {d.Limit("@Max")}
            """, new { Max = max }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    public async Task<QuarantineEntry?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<QuarantineEntry>(new CommandDefinition(
            $"SELECT {Columns} FROM quarantine WHERE id = @Id", new { Id = id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Closes an open entry as re-applied by <paramref name="reappliedEventKey"/>; false when it was not open.</summary>
    public async Task<bool> MarkReappliedAsync(long id, string reappliedEventKey, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(QuarantineSql.MarkReapplied,
            new { Id = id, ReappliedEventKey = reappliedEventKey, ResolvedAt = _time.GetUtcNow() },
            cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }
}
