using System.ComponentModel.DataAnnotations;

namespace Connector.Ledger;

public enum LedgerProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>Where the ledger lives (section "Ledger").</summary>
public sealed class LedgerOptions
{
    public const string SectionName = "Ledger";

    public const string DefaultSqliteConnectionString = "Data Source=ledger.db";

    /// <summary>SQLite is the embedded default; PostgreSQL is the production store.</summary>
    [EnumDataType(typeof(LedgerProvider))]
    public LedgerProvider Provider { get; set; } = LedgerProvider.Sqlite;

    /// <summary>ADO.NET connection string; empty means <see cref="DefaultSqliteConnectionString"/> for SQLite and is an error for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the host starts (otherwise call <see cref="Migrations.MigrationRunner.MigrateAsync"/>).</summary>
    public bool MigrateOnStart { get; set; } = true;

    internal string EffectiveConnectionString => string.IsNullOrWhiteSpace(ConnectionString) && Provider == LedgerProvider.Sqlite
        ? DefaultSqliteConnectionString
        : ConnectionString ?? string.Empty;
}
