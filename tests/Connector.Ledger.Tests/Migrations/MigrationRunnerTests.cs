using Connector.Ledger.Ledger;
using Connector.Ledger.Migrations;
using Connector.Ledger.Tests.Support;
using Dapper;

namespace Connector.Ledger.Tests.Migrations;

public abstract class MigrationRunnerTests : LedgerTestBase
{
    protected MigrationRunnerTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    protected override bool Migrate => false;

    private sealed record AppliedRow
    {
        public int Version { get; init; }
        public required string Name { get; init; }
        public required string Checksum { get; init; }
        public DateTimeOffset AppliedAt { get; init; }
    }

    [Fact]
    public async Task MigrateAsync_EmptyDatabase_AppliesEveryScriptOnceAndRecordsIt()
    {
        var embedded = Migration.LoadEmbedded(Provider);

        var applied = await new MigrationRunner(Database, Time).MigrateAsync(CancellationToken.None);

        Assert.Equal(embedded.Select(m => m.Version), applied);
        var rows = await AppliedAsync();
        Assert.Equal(embedded.Select(m => (m.Version, m.Name, m.Checksum)), rows.Select(r => (r.Version, r.Name, r.Checksum.Trim())));
        Assert.All(rows, r => Assert.Equal(Time.GetUtcNow(), r.AppliedAt));
        Assert.Equal(0, await CountAsync("applied_events"));
    }

    [Fact]
    public async Task MigrateAsync_IndexesLeftDeferredByAStoppedLoad_BuildsThemAsTheMigrationsDefineThem()
    {
        await new MigrationRunner(Database, Time).MigrateAsync(CancellationToken.None);
        var migrated = await IndexDefinitionsAsync();

        // A process deferred them for a load and stopped; the next one starts (its own handle on the database).
        var deferred = await Database.DeferredIndexes.DeferAsync(1_000, CancellationToken.None);
        var rewardDeferred = await Database.DeferredIndexes.DeferForOpportunitiesAsync(1_000, CancellationToken.None);
        var duringLoad = await IndexDefinitionsAsync();
        await new MigrationRunner(OpenDatabase(), Time).MigrateAsync(CancellationToken.None);

        Assert.Equal(3, migrated.Count);
        Assert.Equal(Provider == LedgerProvider.Sqlite, deferred);
        Assert.Equal(Provider == LedgerProvider.Sqlite, rewardDeferred);
        // During the load only the won referrals' index stands in (SQLite); the next start builds the rest and drops it.
        Assert.Equal(Provider == LedgerProvider.Sqlite ? [DeferredIndexes.WinsIndex.Create.Replace("IF NOT EXISTS ", string.Empty, StringComparison.Ordinal)] : migrated, duringLoad);
        Assert.Equal(migrated, await IndexDefinitionsAsync());
    }

    [Fact]
    public async Task MigrateAsync_LedgerFromVersion7_KeepsEveryAppliedEventKeyAndItsGuard()
    {
        var upToVersion7 = Migration.LoadEmbedded(Provider).Where(m => m.Version <= 7);
        await new MigrationRunner(Database, upToVersion7, Time).MigrateAsync(CancellationToken.None);
        await using (var connection = await Database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("INSERT INTO applied_events (event_key, stream, applied_at) VALUES (@EventKey, @Stream, @AppliedAt)",
            new[]
            {
                new { EventKey = "cdc:00Q000000000001AAA:1", Stream = (string?)"cdc:LeadChangeEvent", AppliedAt = Time.GetUtcNow() },
                new { EventKey = "sync:00Q000000000002AAA:2025-03-14T09:26:53.0000000+00:00", Stream = (string?)null, AppliedAt = Time.GetUtcNow() },
            });
        }

        await new MigrationRunner(OpenDatabase(), Time).MigrateAsync(CancellationToken.None);

        await using var migrated = await Database.OpenAsync(CancellationToken.None);
        var rows = (await migrated.QueryAsync<(string EventKey, string? Stream)>("SELECT event_key, stream FROM applied_events ORDER BY event_key")).ToList();
        Assert.Equal([("cdc:00Q000000000001AAA:1", "cdc:LeadChangeEvent"), ("sync:00Q000000000002AAA:2025-03-14T09:26:53.0000000+00:00", null)], rows);
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => migrated.ExecuteAsync(
            "INSERT INTO applied_events (event_key, stream, applied_at) VALUES ('cdc:00Q000000000001AAA:1', NULL, @AppliedAt)", new { AppliedAt = Time.GetUtcNow() }));
    }

    private async Task<List<string>> IndexDefinitionsAsync()
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<string>(Provider == LedgerProvider.Sqlite
            ? "SELECT sql FROM sqlite_master WHERE name IN ('ix_referrals_advocate_state', 'ix_referrals_referee_email_key', 'ix_reward_entries_advocate_id', 'ix_referrals_advocate_wins_load') ORDER BY name"
            : "SELECT indexdef FROM pg_indexes WHERE indexname IN ('ix_referrals_advocate_state', 'ix_referrals_referee_email_key', 'ix_reward_entries_advocate_id', 'ix_referrals_advocate_wins_load') ORDER BY indexname")];
    }

    [Fact]
    public async Task MigrateAsync_AlreadyCurrent_AppliesNothingAndChangesNothing()
    {
        await new MigrationRunner(Database, Time).MigrateAsync(CancellationToken.None);
        var before = await AppliedAsync();
        Time.Advance(TimeSpan.FromHours(1));

        var applied = await new MigrationRunner(OpenDatabase(), Time).MigrateAsync(CancellationToken.None);

        Assert.Empty(applied);
        Assert.Equal(before, await AppliedAsync());
    }

    [Fact]
    public async Task MigrateAsync_NewScriptAdded_AppliesOnlyTheNewOne()
    {
        await new MigrationRunner(Database, Time).MigrateAsync(CancellationToken.None);
        var next = new Migration(9001, "add_notes", "CREATE TABLE notes (id {{id}}, text VARCHAR(100) NOT NULL);");

        var applied = await new MigrationRunner(Database, [.. Migration.LoadEmbedded(Provider), next], Time).MigrateAsync(CancellationToken.None);

        Assert.Equal([9001], applied);
        Assert.Equal(0, await CountAsync("notes"));
    }

    [Fact]
    public async Task MigrateAsync_AppliedScriptChanged_RefusesWithVersionAndNameAndWritesNothing()
    {
        var original = new Migration(9001, "add_notes", "CREATE TABLE notes (id {{id}}, text VARCHAR(100) NOT NULL);");
        await new MigrationRunner(Database, [.. Migration.LoadEmbedded(Provider), original], Time).MigrateAsync(CancellationToken.None);
        var edited = original with { Script = "CREATE TABLE notes (id {{id}}, text VARCHAR(200) NOT NULL);" };
        var later = new Migration(9002, "more", "CREATE TABLE more_notes (id {{id}});");

        var error = await Assert.ThrowsAsync<MigrationChecksumException>(() =>
            new MigrationRunner(Database, [.. Migration.LoadEmbedded(Provider), edited, later], Time).MigrateAsync(CancellationToken.None));

        Assert.Equal(9001, error.Version);
        Assert.Contains("9001_add_notes", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await AppliedAsync(), r => r.Version == 9002);
    }

    [Fact]
    public async Task MigrateAsync_LineEndingsChanged_IsNotAChange()
    {
        var original = new Migration(9001, "add_notes", "CREATE TABLE notes (\n id {{id}}\n);");
        await new MigrationRunner(Database, [original], Time).MigrateAsync(CancellationToken.None);

        var applied = await new MigrationRunner(Database, [original with { Script = original.Script.Replace("\n", "\r\n", StringComparison.Ordinal) }], Time)
            .MigrateAsync(CancellationToken.None);

        Assert.Empty(applied);
    }

    [Fact]
    public async Task MigrateAsync_FailingScript_RollsBackEverythingPendingWithIt()
    {
        var good = new Migration(9001, "good", "CREATE TABLE good_table (id {{id}});");
        var bad = new Migration(9002, "bad", "CREATE TABLE bad_table (id {{id}}); THIS IS NOT SQL;");

        await Assert.ThrowsAnyAsync<Exception>(() => new MigrationRunner(Database, [good, bad], Time).MigrateAsync(CancellationToken.None));

        var applied = await new MigrationRunner(Database, [good], Time).MigrateAsync(CancellationToken.None);
        Assert.Equal([9001], applied);
    }

    [Fact]
    public async Task MigrateAsync_TwoInstancesAtOnce_OneAppliesAndTheOtherFindsItDone()
    {
        var runners = Enumerable.Range(0, 2).Select(_ => new MigrationRunner(OpenDatabase(), Time)).ToList();
        using var start = new SemaphoreSlim(0);
        var tasks = runners.Select(async runner =>
        {
            await start.WaitAsync();
            return await runner.MigrateAsync(CancellationToken.None);
        }).ToList();
        start.Release(2);

        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));

        var embedded = Migration.LoadEmbedded(Provider).Select(m => m.Version).ToList();
        Assert.Single(results, r => r.SequenceEqual(embedded));
        Assert.Single(results, r => r.Count == 0);
        Assert.Equal(embedded, (await AppliedAsync()).Select(r => r.Version));
    }

    [Fact]
    public void Render_UnknownToken_Throws()
    {
        var migration = new Migration(9001, "odd", "CREATE TABLE t (x {{nosuchtype}});");

        var error = Assert.Throws<InvalidOperationException>(() => migration.Render(Database.Dialect));

        Assert.Contains("nosuchtype", error.Message, StringComparison.Ordinal);
    }

    private async Task<List<AppliedRow>> AppliedAsync()
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<AppliedRow>("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")];
    }

    private async Task<long> CountAsync(string table)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
    }
}

public sealed class SqliteMigrationRunnerTests() : MigrationRunnerTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlMigrationRunnerTests(PostgresFixture postgres) : MigrationRunnerTests(postgres);
