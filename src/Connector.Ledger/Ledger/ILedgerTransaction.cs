using Connector.Ledger.Checkpoints;
using Connector.Ledger.Dialects;

namespace Connector.Ledger.Ledger;

/// <summary>Reads inside an open ledger transaction: what they return is what the same transaction's writes build on.</summary>
public interface ILedgerReader
{
    ISqlDialect Dialect { get; }

    /// <summary>The ledger's clock, read once when the transaction began.</summary>
    DateTimeOffset Now { get; }

    Task<bool> IsAppliedAsync(string eventKey, CancellationToken cancellationToken);

    Task<IReadOnlyList<TRow>> QueryAsync<TRow>(string sql, object? parameters, CancellationToken cancellationToken);

    /// <summary>Several SELECTs in one command (one round trip), read in order by <paramref name="read"/>.</summary>
    Task<T> ReadAsync<T>(string sql, object? parameters, Func<ILedgerResults, Task<T>> read, CancellationToken cancellationToken);
}

/// <summary>The results of several SELECTs, read in order (rows mapped as Dapper maps them).</summary>
public interface ILedgerResults
{
    /// <summary>The next SELECT's rows.</summary>
    Task<IEnumerable<TRow>> ReadAsync<TRow>();

    /// <summary>The next SELECT's only row (it must return exactly one).</summary>
    Task<TRow> ReadSingleAsync<TRow>();
}

/// <summary>
/// An open ledger transaction (<see cref="LedgerStore.InTransactionAsync{T}"/>): reads, then writes that commit together.
/// Writes queued with <see cref="Enqueue"/> are sent in the command of the next read or write (so every read sees
/// them) or before the commit: a batch of changes costs a few round trips, not a few per row.
/// </summary>
public interface ILedgerTransaction : ILedgerReader
{
    /// <summary>
    /// Queues <paramref name="change"/>'s effects (and its event key when it records one) to be sent with the next
    /// statement. The caller has checked in this transaction that the key is not applied: a transaction that records
    /// it meanwhile makes the write fail on the unique key, rolling everything back (nothing is skipped silently).
    /// Its <see cref="AppliedChange.Checkpoint"/> is not saved: call <see cref="SaveCheckpointAsync"/>.
    /// </summary>
    void Enqueue(AppliedChange change);

    /// <summary>
    /// Writes <paramref name="change"/>'s effects. When it records its event key, a key applied before (by another
    /// transaction that committed first) means nothing is written and false is returned. Its
    /// <see cref="AppliedChange.Checkpoint"/> is not saved here: call <see cref="SaveCheckpointAsync"/>.
    /// </summary>
    Task<bool> WriteAsync(AppliedChange change, CancellationToken cancellationToken);

    /// <summary>A statement outside the ledger's row types (e.g. reference data the domain reads).</summary>
    Task<int> ExecuteAsync(string sql, object? parameters, CancellationToken cancellationToken);

    /// <summary>Sends the queued writes and the stream's new position.</summary>
    Task SaveCheckpointAsync(StreamPosition position, CancellationToken cancellationToken);
}
