using Connector.Ledger.Tests.Support;
using Dapper;

namespace Connector.Ledger.Tests;

public abstract class LedgerDatabaseTests : LedgerTestBase
{
    protected LedgerDatabaseTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    [Fact]
    public async Task RefreshStatisticsAsync_AnalyzesTheLedgerTablesWhereTheEngineNeedsIt()
    {
        var refreshed = await Database.RefreshStatisticsAsync(CancellationToken.None);

        if (Provider == LedgerProvider.PostgreSql)
        {
            Assert.True(refreshed);
            await using var connection = await Database.OpenAsync(CancellationToken.None);
            var analyzed = (await connection.QueryAsync<string>(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL ORDER BY relname")).ToList();
            Assert.Subset(analyzed.ToHashSet(), new HashSet<string> { "advocates", "referrals", "applied_events", "audit_entries", "referral_state_changes" });
        }
        else
        {
            Assert.False(refreshed); // SQLite plans from its indexes; its ANALYZE would read them all
        }
    }
}

public sealed class SqliteLedgerDatabaseTests() : LedgerDatabaseTests(new SqliteTestDatabases())
{
    [Fact]
    public async Task OpenAsync_SetsAWalSizeLimit_SoACheckpointedWalIsCutBack()
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);

        var limit = await connection.ExecuteScalarAsync<long>("PRAGMA journal_size_limit");

        Assert.Equal(Dialects.SqliteDialect.WalSizeLimitBytes, limit);
        Assert.True(limit >= 2L * await connection.ExecuteScalarAsync<long>("PRAGMA wal_autocheckpoint") * await connection.ExecuteScalarAsync<long>("PRAGMA page_size"),
            "the limit stays above what ordinary checkpoints leave");
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlLedgerDatabaseTests(PostgresFixture postgres) : LedgerDatabaseTests(postgres);
