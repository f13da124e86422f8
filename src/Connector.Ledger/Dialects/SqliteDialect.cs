using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Connector.Ledger.Dialects;

/// <summary>
/// SQLite: one file in WAL mode. Money is stored as TEXT because SQLite's NUMERIC affinity would turn
/// 18-digit amounts into doubles; timestamps are fixed-width UTC text so they compare in time order.
/// </summary>
internal sealed class SqliteDialect : OnConflictDialect, IAsyncDisposable
{
    private static readonly Dictionary<string, string> Tokens = new(StringComparer.Ordinal)
    {
        ["id"] = "INTEGER PRIMARY KEY AUTOINCREMENT",
        ["timestamp"] = "TEXT",
        ["date"] = "TEXT",
        ["money"] = "TEXT",
        ["json"] = "TEXT",
        ["bool"] = "INTEGER",
        ["bigint"] = "INTEGER",
    };

    private readonly string _connectionString;

    public SqliteDialect(string connectionString)
    {
        // Validates the keywords now rather than at the first open.
        _connectionString = new SqliteConnectionStringBuilder(connectionString).ConnectionString;
        Sessions = new SqliteSessionPool(async cancellationToken =>
        {
            var connection = new SqliteConnection(_connectionString);
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await PrepareConnectionAsync(connection, cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        });
    }

    /// <summary>Connections kept open with their compiled commands, for the ledger's transactions.</summary>
    public SqliteSessionPool Sessions { get; }

    public override LedgerProvider Provider => LedgerProvider.Sqlite;

    public override IReadOnlyDictionary<string, string> SchemaTokens => Tokens;

    /// <summary>How long a writer waits for another writer's transaction before failing with SQLITE_BUSY.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    // Page cache per connection (up to five kept). SQLite's default (2 MB) stops holding the referral indexes after some 100,000
    // referrals, and every insert then reads index pages back from the file: a large org's backfill slows as it goes.
    private const int CacheKilobytes = 8 * 1024;

    // Pages the WAL may hold before a commit copies them into the database (SQLite's default: 1,000, 4 MB). A backfill
    // batch dirties a few thousand pages, mostly the same rightmost index leaves as the batch before: with the default
    // every commit ran a checkpoint, copying (and syncing) those pages again each time.
    private const int CheckpointPages = 16_384;

    // What the WAL file is cut back to once a checkpoint has emptied it. SQLite keeps the file at its largest otherwise: a
    // reader that held checkpoints off during a large load left a 900 MB file behind for good. Twice the checkpoint
    // threshold, so ordinary operation never cuts and regrows it.
    internal const long WalSizeLimitBytes = 2L * CheckpointPages * 4096;

    public override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    public override async Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        // WAL persists in the file; synchronous=NORMAL is durable in WAL mode except for the last commits before
        // a power loss, which redelivery then re-applies (the checkpoint rolls back with them).
        command.CommandText = $"""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA foreign_keys = ON;
            PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};
            PRAGMA cache_size = -{CacheKilobytes};
            PRAGMA wal_autocheckpoint = {CheckpointPages};
            PRAGMA journal_size_limit = {WalSizeLimitBytes};
            """;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default) already excludes every other writer.
    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public override string JsonParameter(string name) => name;

    // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
    // Dapper expands the list into (@Ids1, @Ids2, ...).
    public override string InList(string column, string parameter) => $"{column} IN {parameter}";

    public override string InListValue(string column, string parameter) => $"{column} IN (SELECT value FROM json_each({parameter}))";

    public override object ListValue(IReadOnlyCollection<string> values) => JsonSerializer.Serialize(values);

    public override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    public override string ForUpdate => string.Empty;

    public override bool IsDeadlock(DbException exception) => false;

    public override Task<IReadOnlyList<string>?> RefreshStatisticsAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>?>(null);

    /// <summary>Checkpoints from a thread of its own until disposed (<see cref="BackgroundCheckpoints"/>); nothing for an in-memory database.</summary>
    public IAsyncDisposable CheckpointInBackground(TimeProvider time)
    {
        var builder = new SqliteConnectionStringBuilder(_connectionString);
        return builder.Mode == SqliteOpenMode.Memory || builder.DataSource is ":memory:" or ""
            ? NothingToDispose.Instance
            : new BackgroundCheckpoints(_connectionString, time);
    }

    public ValueTask DisposeAsync() => Sessions.DisposeAsync();
}
