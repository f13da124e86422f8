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
}

/// <summary>An open ledger transaction (<see cref="LedgerStore.InTransactionAsync{T}"/>): reads, then writes that commit together.</summary>
public interface ILedgerTransaction : ILedgerReader
{
    /// <summary>
    /// Writes <paramref name="change"/>'s effects. When it records its event key, a key applied before (by another
    /// transaction that committed first) means nothing is written and false is returned. Its
    /// <see cref="AppliedChange.Checkpoint"/> is not saved here: call <see cref="SaveCheckpointAsync"/>.
    /// </summary>
    Task<bool> WriteAsync(AppliedChange change, CancellationToken cancellationToken);

    /// <summary>A statement outside the ledger's row types (e.g. reference data the domain reads).</summary>
    Task<int> ExecuteAsync(string sql, object? parameters, CancellationToken cancellationToken);

    Task SaveCheckpointAsync(StreamPosition position, CancellationToken cancellationToken);
}
