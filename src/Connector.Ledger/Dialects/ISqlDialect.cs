using System.Data.Common;

namespace Connector.Ledger.Dialects;

/// <summary>
/// Everything that differs between SQL engines, in one place, so a SQL Server provider is one more class
/// (where Microsoft.Data.SqlClient restores) and the stores keep their SQL readable next to its use.
/// </summary>
public interface ISqlDialect
{
    LedgerProvider Provider { get; }

    /// <summary>Replacements for the <c>{{token}}</c>s in migration scripts: id, timestamp, date, money, json, bool.</summary>
    IReadOnlyDictionary<string, string> SchemaTokens { get; }

    DbConnection CreateConnection();

    /// <summary>Runs once per opened connection (SQLite pragmas are per connection).</summary>
    Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Serializes schema changes between processes for the rest of <paramref name="transaction"/>
    /// (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write transaction itself).
    /// </summary>
    Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>
    /// <c>INSERT INTO table (columns) VALUES (values)</c> that updates <paramref name="updateColumns"/> from the new
    /// values when a row with the same <paramref name="keyColumns"/> exists. Lists are comma-separated SQL.
    /// </summary>
    string Upsert(string table, string keyColumns, string columns, string values, string updateColumns);

    /// <summary>
    /// <see cref="Upsert(string, string, string, string, string)"/> for several rows in one statement, each element of
    /// <paramref name="rows"/> one row's values. No two rows may have the same key (PostgreSQL cannot update a row twice in one statement).
    /// </summary>
    string Upsert(string table, string keyColumns, string columns, IReadOnlyList<string> rows, string updateColumns);

    /// <summary>An INSERT that does nothing (affects 0 rows) when a row with the same unique <paramref name="conflictColumns"/> exists.</summary>
    string InsertIgnoringDuplicate(string table, string conflictColumns, string columns, string values);

    /// <summary><see cref="InsertIgnoringDuplicate(string, string, string, string)"/> for several rows in one statement.</summary>
    string InsertIgnoringDuplicate(string table, string conflictColumns, string columns, IReadOnlyList<string> rows);

    /// <summary>Appended to an INSERT so it yields the generated <c>id</c>.</summary>
    string ReturningId { get; }

    /// <summary>A parameter bound into a JSON column.</summary>
    string JsonParameter(string name);

    /// <summary>Limits a SELECT (appended after ORDER BY).</summary>
    string Limit(string parameter);

    /// <summary>"<paramref name="column"/> is one of the list <paramref name="parameter"/>".</summary>
    string InList(string column, string parameter);

    /// <summary>
    /// "<paramref name="column"/> is one of the values in <paramref name="parameter"/>", bound as one value made by
    /// <see cref="ListValue"/>: unlike <see cref="InList"/> the text does not depend on how many values there are, and
    /// no list is expanded into it (PostgreSQL: an array; SQLite: a JSON array read with json_each).
    /// </summary>
    string InListValue(string column, string parameter);

    /// <summary>The value to bind for <see cref="InListValue"/>.</summary>
    object ListValue(IReadOnlyCollection<string> values);

    bool IsUniqueViolation(DbException exception);

    /// <summary>
    /// Appended to a SELECT to lock the rows it returns until the transaction ends (PostgreSQL: FOR UPDATE; SQLite:
    /// nothing, a write transaction already excludes every other writer).
    /// </summary>
    string ForUpdate { get; }

    /// <summary>Whether <paramref name="exception"/> ended the transaction to break a deadlock (running it again is the remedy).</summary>
    bool IsDeadlock(DbException exception);

    /// <summary>
    /// Refreshes the planner's statistics of the ledger's tables that changed by at least their size since their last
    /// refresh (or never had one), and returns them; null when the engine plans well without (SQLite: the ledger's
    /// queries name their indexes' columns, and its ANALYZE reads every index).
    /// </summary>
    Task<IReadOnlyList<string>?> RefreshStatisticsAsync(DbConnection connection, CancellationToken cancellationToken);
}

/// <summary>The parts PostgreSQL and SQLite share (both speak INSERT … ON CONFLICT and RETURNING).</summary>
internal abstract class OnConflictDialect : ISqlDialect
{
    public abstract LedgerProvider Provider { get; }

    public abstract IReadOnlyDictionary<string, string> SchemaTokens { get; }

    public abstract DbConnection CreateConnection();

    public abstract Task PrepareConnectionAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    public abstract string JsonParameter(string name);

    public abstract bool IsUniqueViolation(DbException exception);

    public abstract string ForUpdate { get; }

    public abstract bool IsDeadlock(DbException exception);

    public abstract Task<IReadOnlyList<string>?> RefreshStatisticsAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract string InList(string column, string parameter);

    public abstract string InListValue(string column, string parameter);

    public abstract object ListValue(IReadOnlyCollection<string> values);

    public string ReturningId => "RETURNING id";

    public string Limit(string parameter) => $"LIMIT {parameter}";

    public string Upsert(string table, string keyColumns, string columns, string values, string updateColumns) =>
        Upsert(table, keyColumns, columns, [values], updateColumns);

    public string Upsert(string table, string keyColumns, string columns, IReadOnlyList<string> rows, string updateColumns) =>
        $"""
        INSERT INTO {table} ({columns}) VALUES {Rows(rows)}
        ON CONFLICT ({keyColumns}) DO UPDATE SET {string.Join(", ", Split(updateColumns).Select(c => $"{c} = excluded.{c}"))}
        """;

    public string InsertIgnoringDuplicate(string table, string conflictColumns, string columns, string values) =>
        InsertIgnoringDuplicate(table, conflictColumns, columns, [values]);

    public string InsertIgnoringDuplicate(string table, string conflictColumns, string columns, IReadOnlyList<string> rows) =>
        $"""
        INSERT INTO {table} ({columns}) VALUES {Rows(rows)}
        ON CONFLICT ({conflictColumns}) DO NOTHING
        """;

    private static string Rows(IReadOnlyList<string> rows) =>
        rows.Count > 0 ? string.Join(", ", rows.Select(r => $"({r})")) : throw new ArgumentException("At least one row is needed.", nameof(rows));

    private static IEnumerable<string> Split(string list) => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
