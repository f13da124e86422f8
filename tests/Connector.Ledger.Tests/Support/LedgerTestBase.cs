using Connector.Ledger.Migrations;

namespace Connector.Ledger.Tests.Support;

/// <summary>A fresh ledger database per test, migrated unless the test class says otherwise.</summary>
public abstract class LedgerTestBase : IAsyncLifetime
{
    private readonly ILedgerTestDatabases _databases;
    private readonly List<LedgerDatabase> _opened = [];
    private readonly List<string> _connectionStrings = [];

    protected LedgerTestBase(ILedgerTestDatabases databases)
    {
        _databases = databases;
    }

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.Zero));

    protected LedgerDatabase Database { get; private set; } = null!;

    protected string ConnectionString { get; private set; } = string.Empty;

    protected LedgerProvider Provider => _databases.Provider;

    protected virtual bool Migrate => true;

    public async Task InitializeAsync()
    {
        ConnectionString = await _databases.CreateEmptyAsync();
        _connectionStrings.Add(ConnectionString);
        Database = OpenDatabase();
        if (Migrate)
        {
            await new MigrationRunner(Database, Time).MigrateAsync(CancellationToken.None);
        }
    }

    /// <summary>Another handle on the same database, as a second process would have.</summary>
    protected LedgerDatabase OpenDatabase()
    {
        var database = LedgerDatabase.Create(_databases.Provider, ConnectionString);
        _opened.Add(database);
        return database;
    }

    public async Task DisposeAsync()
    {
        foreach (var database in _opened)
        {
            await database.DisposeAsync();
        }

        foreach (var connectionString in _connectionStrings)
        {
            _databases.Delete(connectionString);
        }
    }
}
