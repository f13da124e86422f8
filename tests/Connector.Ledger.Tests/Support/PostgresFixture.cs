namespace Connector.Ledger.Tests.Support;

/// <summary>One throwaway PostgreSQL cluster for the whole test run; each test gets its own database in it.</summary>
public sealed class PostgresFixture : IAsyncLifetime, ILedgerTestDatabases
{
    private ThrowawayPostgres? _cluster;

    public ThrowawayPostgres Cluster => _cluster ?? throw new InvalidOperationException("The PostgreSQL fixture has not started.");

    public LedgerProvider Provider => LedgerProvider.PostgreSql;

    public async Task InitializeAsync() => _cluster = await ThrowawayPostgres.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public async Task<string> CreateEmptyAsync() => await Cluster.CreateDatabaseAsync("ledger");

    public void Delete(string connectionString)
    {
        // Databases die with the cluster at the end of the run.
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}
