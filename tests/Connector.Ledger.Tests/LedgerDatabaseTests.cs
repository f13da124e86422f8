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
            Assert.NotNull(refreshed);
            await using var connection = await Database.OpenAsync(CancellationToken.None);
            var analyzed = (await connection.QueryAsync<string>(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL ORDER BY relname")).ToList();
            var expected = new HashSet<string> { "advocates", "referrals", "applied_events", "audit_entries", "referral_state_changes" };
            Assert.Subset(analyzed.ToHashSet(), expected);
            Assert.Subset(refreshed.ToHashSet(), expected); // what it reports is what it analyzed
        }
        else
        {
            Assert.Null(refreshed); // SQLite plans from its indexes; its ANALYZE would read them all
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
public sealed class PostgreSqlLedgerDatabaseTests(PostgresFixture postgres) : LedgerDatabaseTests(postgres)
{
    [Fact]
    public async Task RefreshStatisticsAsync_AnalyzesAgainOnlyTheTablesThatChangedByTheirSizeSince()
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        // Autovacuum would analyze a table that grows by 10% meanwhile; this test is about what the ledger asks for.
        await connection.ExecuteAsync("ALTER TABLE applied_events SET (autovacuum_enabled = false)");
        Assert.NotEmpty((await Database.RefreshStatisticsAsync(CancellationToken.None))!);
        Assert.Empty((await Database.RefreshStatisticsAsync(CancellationToken.None))!);

        async Task InsertAsync(string tag, int count, long changedSinceAnalyzed)
        {
            await connection.ExecuteAsync("""
                INSERT INTO applied_events (event_key, stream, applied_at)
                SELECT @Tag || ':' || n, 'test', now() FROM generate_series(1, @Count) AS n
                """, new { Tag = tag, Count = count });

            // The server counts a session's changes into pg_stat_user_tables once it is idle, within a second or so.
            await Wait.UntilAsync(async () => await connection.ExecuteScalarAsync<long>(
                "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'applied_events' AND schemaname = current_schema()") >= changedSinceAnalyzed,
                TimeSpan.FromSeconds(30), $"the {count} new rows counted in pg_stat_user_tables");
        }

        await InsertAsync("first", 2_000, changedSinceAnalyzed: 2_000); // from none: more than 1,000 and more than the table held
        Assert.Equal(["applied_events"], (await Database.RefreshStatisticsAsync(CancellationToken.None))!);

        await InsertAsync("second", 1_500, changedSinceAnalyzed: 1_500); // fewer than the 2,000 it held when analyzed
        Assert.Empty((await Database.RefreshStatisticsAsync(CancellationToken.None))!);

        await InsertAsync("third", 600, changedSinceAnalyzed: 2_100); // 2,100 changed since: more than its size then
        Assert.Equal(["applied_events"], (await Database.RefreshStatisticsAsync(CancellationToken.None))!);
    }
}
