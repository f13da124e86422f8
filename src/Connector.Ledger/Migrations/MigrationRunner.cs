using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connector.Ledger.Migrations;

/// <summary>
/// Brings the schema up to date: all pending migrations in one transaction, recorded in <c>schema_migrations</c>.
/// Safe when several instances start together: the transaction first takes the dialect's migration lock, so the
/// second instance waits and then finds nothing to do.
/// </summary>
public sealed class MigrationRunner
{
    private readonly LedgerDatabase _database;
    private readonly IReadOnlyList<Migration> _migrations;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public MigrationRunner(LedgerDatabase database, TimeProvider time, ILogger<MigrationRunner>? log = null)
        : this(database, Migration.LoadEmbedded(database?.Dialect.Provider ?? throw new ArgumentNullException(nameof(database))), time, log)
    {
    }

    public MigrationRunner(LedgerDatabase database, IEnumerable<Migration> migrations, TimeProvider time, ILogger<MigrationRunner>? log = null)
    {
        _database = database;
        _migrations = [.. migrations.OrderBy(m => m.Version)];
        _time = time;
        _log = log ?? NullLogger<MigrationRunner>.Instance;
    }

    private sealed record AppliedMigration
    {
        public int Version { get; init; }
        public required string Name { get; init; }
        public required string Checksum { get; init; }
    }

    /// <summary>Applies what is pending; returns the versions applied by this call (empty when up to date).</summary>
    /// <exception cref="MigrationChecksumException">An applied migration's script has changed.</exception>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var dialect = _database.Dialect;
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await dialect.LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);

        await connection.ExecuteAsync(new CommandDefinition($"""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER      NOT NULL PRIMARY KEY,
                name       VARCHAR(200) NOT NULL,
                checksum   CHAR(64)     NOT NULL,
                applied_at {dialect.SchemaTokens["timestamp"]} NOT NULL
            )
            """, transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var applied = (await connection.QueryAsync<AppliedMigration>(new CommandDefinition(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            transaction: transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(m => m.Version);

        var pending = new List<Migration>();
        foreach (var migration in _migrations)
        {
            if (applied.TryGetValue(migration.Version, out var done))
            {
                if (!string.Equals(done.Checksum.Trim(), migration.Checksum, StringComparison.Ordinal))
                {
                    throw new MigrationChecksumException(migration.Version, migration.Name, done.Checksum.Trim(), migration.Checksum);
                }
            }
            else
            {
                pending.Add(migration);
            }
        }

        foreach (var migration in pending)
        {
            await connection.ExecuteAsync(new CommandDefinition(migration.Render(dialect), transaction: transaction, cancellationToken: cancellationToken))
                .ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (@Version, @Name, @Checksum, @AppliedAt)",
                new { migration.Version, migration.Name, migration.Checksum, AppliedAt = _time.GetUtcNow() },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // Referral indexes a large load deferred and did not build again (the process stopped first): built now,
        // before anything reads the ledger without them.
        await _database.DeferredIndexes.RestoreAsync(cancellationToken).ConfigureAwait(false);
        foreach (var migration in pending)
        {
            Log.MigrationApplied(_log, migration.Version, migration.Name, dialect.Provider);
        }

        if (pending.Count == 0)
        {
            Log.SchemaUpToDate(_log, _migrations.Count == 0 ? 0 : _migrations[^1].Version, dialect.Provider);
        }

        return [.. pending.Select(m => m.Version)];
    }
}
