using Microsoft.Data.Sqlite;

namespace Connector.Ledger.Tests.Support;

/// <summary>Where a test's fresh, empty ledger database comes from: the same test classes run on each provider.</summary>
public interface ILedgerTestDatabases
{
    LedgerProvider Provider { get; }

    Task<string> CreateEmptyAsync();

    void Delete(string connectionString);
}

/// <summary>A new SQLite file in the temp directory per test.</summary>
public sealed class SqliteTestDatabases : ILedgerTestDatabases
{
    public LedgerProvider Provider => LedgerProvider.Sqlite;

    public Task<string> CreateEmptyAsync() => Task.FromResult(
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(Path.GetTempPath(), $"ledger-test-{Guid.NewGuid():N}.db") }.ConnectionString);

    public void Delete(string connectionString)
    {
        SqliteConnection.ClearAllPools();
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        foreach (var path in new[] { file, file + "-wal", file + "-shm" })
        {
            File.Delete(path);
        }
    }
}
