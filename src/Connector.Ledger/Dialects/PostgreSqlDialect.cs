using System.Data.Common;
using Dapper;
using Npgsql;

namespace Connector.Ledger.Dialects;

/// <summary>PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>.</summary>
internal sealed class PostgreSqlDialect : OnConflictDialect, IAsyncDisposable
{
    /// <summary>Advisory lock key for schema migrations ("ledger" in ASCII): any value unique to this application.</summary>
    private const long MigrationLockKey = 0x6C6564676572;

    private static readonly Dictionary<string, string> Tokens = new(StringComparer.Ordinal)
    {
        ["id"] = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        ["timestamp"] = "TIMESTAMPTZ",
        ["date"] = "DATE",
        ["money"] = "NUMERIC(18,4)",
        ["json"] = "JSONB",
        ["bool"] = "BOOLEAN",
        ["bigint"] = "BIGINT",
    };

    private readonly NpgsqlDataSource _dataSource;

    public PostgreSqlDialect(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            // The ledger runs the same few statements all day: prepared once per connection, they skip parse and plan.
            builder.MaxAutoPrepare = 32;
        }

        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public override LedgerProvider Provider => LedgerProvider.PostgreSql;

    public override IReadOnlyDictionary<string, string> SchemaTokens => Tokens;

    public override DbConnection CreateConnection() => _dataSource.CreateConnection();

    public override Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@Key)", new { Key = MigrationLockKey }, transaction, cancellationToken: cancellationToken));

    // Npgsql sends strings as text; jsonb needs the explicit cast.
    public override string JsonParameter(string name) => $"CAST({name} AS jsonb)";

    // Dapper hands Npgsql the list as one array parameter.
    public override string InList(string column, string parameter) => $"{column} = ANY({parameter})";

    public override string InListValue(string column, string parameter) => $"{column} = ANY({parameter})";

    public override object ListValue(IReadOnlyCollection<string> values) => values.ToArray();

    public override bool IsUniqueViolation(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override string ForUpdate => " FOR UPDATE";

    // The tables a backfill fills. Autovacuum analyzes a table only after it has grown by a share of its size, and a
    // first start's backfill fills empty tables faster than that: the planner (and the generic plans of prepared reads)
    // would keep planning for empty tables.
    private static readonly string[] StatisticsTables =
        ["advocates", "referrals", "referral_state_changes", "reward_entries", "audit_entries", "applied_events", "outbox_messages", "sales_reps", "quarantine"];

    // Only the tables whose rows changed by at least their number (or 1,000) since their last ANALYZE, or never
    // analyzed: ANALYZE reads a sample of every table it names, seconds for a million-row ledger, and analyzing all of
    // them at each step of a backfill took 22-27 s of a 1,000,000-lead run (the opportunities' load, which doubles none
    // of the large tables, 12-16 s of it). The counts lag the commits by up to a second; a step is thousands of rows.
    public override async Task<IReadOnlyList<string>?> RefreshStatisticsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var stale = (await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT s.relname
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = current_schema() AND s.relname = ANY(@Tables)
              AND (COALESCE(s.last_analyze, s.last_autoanalyze) IS NULL OR s.n_mod_since_analyze >= GREATEST(1000, c.reltuples))
            ORDER BY s.relname
            """, new { Tables = StatisticsTables }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (stale.Count > 0)
        {
            // Names from the fixed list above, as the catalog spells them.
            await connection.ExecuteAsync(new CommandDefinition($"ANALYZE {string.Join(", ", stale)}", cancellationToken: cancellationToken))
                .ConfigureAwait(false);
        }

        return stale;
    }

    public override bool IsDeadlock(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected };

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
