using System.Data.Common;
using Connector.Ledger.Dialects;

namespace Connector.Ledger;

/// <summary>The configured ledger database: its dialect and ready-to-use connections.</summary>
public sealed class LedgerDatabase : IAsyncDisposable
{
    public LedgerDatabase(ISqlDialect dialect)
    {
        Dialect = dialect;
        DeferredIndexes = new Ledger.DeferredIndexes(this);
        LedgerTypeHandlers.Register();
    }

    public ISqlDialect Dialect { get; }

    /// <summary>The referral indexes a large load goes without (SQLite), and what stands in for them meanwhile.</summary>
    public Ledger.DeferredIndexes DeferredIndexes { get; }

    public static LedgerDatabase Create(LedgerProvider provider, string connectionString) => new(provider switch
    {
        LedgerProvider.Sqlite => new SqliteDialect(connectionString),
        LedgerProvider.PostgreSql => new PostgreSqlDialect(connectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown ledger provider."),
    });

    public static LedgerDatabase Create(LedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Create(options.Provider, options.EffectiveConnectionString);
    }

    /// <summary>An open connection with the dialect's per-connection settings applied; the caller disposes it.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = Dialect.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await Dialect.PrepareConnectionAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Refreshes the planner's statistics of the tables that need it (<see cref="ISqlDialect.RefreshStatisticsAsync"/>)
    /// and returns them; null when the engine needs none.
    /// </summary>
    public async Task<IReadOnlyList<string>?> RefreshStatisticsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Dialect.RefreshStatisticsAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// For the duration of a large load: on SQLite the WAL is checkpointed from a thread of its own until the scope is
    /// disposed, instead of inside the load's commits (<see cref="BackgroundCheckpoints"/>); nothing on PostgreSQL.
    /// </summary>
    public IAsyncDisposable CheckpointInBackground(TimeProvider time) =>
        Dialect is SqliteDialect sqlite ? sqlite.CheckpointInBackground(time) : NothingToDispose.Instance;

    public ValueTask DisposeAsync() => Dialect is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
}
