using Connector.Ledger.Tests.Support;
using Connector.Testing;
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
    public async Task CheckpointInBackground_CopiesCommittedPagesIntoTheDatabaseFileWhileTheScopeLasts()
    {
        // Some hundreds of new pages: far below the commits' own checkpoint threshold, so they stay in the WAL.
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource;
        async Task WriteAsync(string tag)
        {
            await using var connection = await Database.OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync(
                "INSERT INTO applied_events (event_key, stream, applied_at) VALUES (@Key, @Tag, @At)",
                Enumerable.Range(0, 3_000).Select(i => new { Key = $"{tag}:{i}:{new string('k', 150)}", Tag = tag, At = DateTimeOffset.UnixEpoch }));
        }

        // SQLite checkpoints a database when its last connection closes, which would leave the scope nothing to copy.
        // Test classes run in parallel and clear every connection pool when they end (closing idle connections): a
        // connection held open here keeps that from happening, and clearing the pools now shows it does.
        await using var held = await Database.OpenAsync(CancellationToken.None);
        await WriteAsync("before");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var before = new FileInfo(file).Length;

        await using (Database.CheckpointInBackground(TimeProvider.System))
        {
            await Wait.UntilAsync(() => new FileInfo(file).Length > before, "the committed pages copied into the database file");
            var grown = new FileInfo(file).Length;
            await WriteAsync("during");
            await Wait.UntilAsync(() => new FileInfo(file).Length > grown, "the next commit's pages copied too");
        }
    }

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
