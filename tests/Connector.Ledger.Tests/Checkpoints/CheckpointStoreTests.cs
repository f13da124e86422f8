using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Tests.Support;

namespace Connector.Ledger.Tests.Checkpoints;

public abstract class CheckpointStoreTests : LedgerTestBase
{
    protected CheckpointStoreTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    private CheckpointStore CreateSut() => new(Database, Time);

    [Fact]
    public async Task GetAsync_NeverSaved_Null()
    {
        var sut = CreateSut();

        Assert.Null(await sut.GetAsync("/data/LeadChangeEvent", CancellationToken.None));
        Assert.Null(await sut.GetReplayIdAsync("/data/LeadChangeEvent", CancellationToken.None));
    }

    [Fact]
    public async Task SaveReplayIdAsync_SavedTwice_KeepsTheLastPerStream()
    {
        var sut = CreateSut();
        await sut.SaveReplayIdAsync("/data/LeadChangeEvent", 41, CancellationToken.None);
        await sut.SaveReplayIdAsync("/event/Referral_Logged__e", 7, CancellationToken.None);
        Time.Advance(TimeSpan.FromMinutes(1));

        await sut.SaveReplayIdAsync("/data/LeadChangeEvent", 42, CancellationToken.None);

        var lead = await sut.GetAsync("/data/LeadChangeEvent", CancellationToken.None);
        Assert.Equal((42L, (string?)null, Time.GetUtcNow()), (lead!.ReplayId, lead.Cursor, lead.UpdatedAt));
        Assert.Equal(7, await sut.GetReplayIdAsync("/event/Referral_Logged__e", CancellationToken.None));
    }

    [Fact]
    public async Task SaveCursorAsync_CursorStream_StoresTheText()
    {
        var sut = CreateSut();
        const string cursor = """{"systemModstamp":"2025-03-14T09:00:00.000Z","id":"00Q000000000001AAA"}""";

        await sut.SaveCursorAsync("catchup:Lead", cursor, CancellationToken.None);

        Assert.Equal(cursor, await sut.GetCursorAsync("catchup:Lead", CancellationToken.None));
        Assert.Null(await sut.GetReplayIdAsync("catchup:Lead", CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsExactlyTheStreamsThatStartWithIt()
    {
        var sut = CreateSut();
        foreach (var stream in new[] { "backfill:Lead", "backfill:Opportunity", "backfill", "backfil:Lead", "Backfill:Lead", "catchup:Lead", "backfill;Lead" })
        {
            await sut.SaveCursorAsync(stream, "c-" + stream, CancellationToken.None);
        }

        var listed = await sut.ListAsync("backfill:", CancellationToken.None);

        Assert.Equal(["backfill:Lead", "backfill:Opportunity"], listed.Select(c => c.Stream));
        Assert.Equal(["c-backfill:Lead", "c-backfill:Opportunity"], listed.Select(c => c.Cursor));
        Assert.All(listed, c => Assert.Equal(Time.GetUtcNow(), c.UpdatedAt));
    }

    [Fact]
    public async Task ApplyAsync_ChangeFromCursorStream_AdvancesTheCursor()
    {
        await new LedgerStore(Database, Time).ApplyAsync(Sample.NewReferral() with
        {
            Checkpoint = StreamPosition.AtCursor("catchup:Lead", "2025-03-14T09:00:00Z|00Q000000000001AAA"),
        }, CancellationToken.None);

        Assert.Equal("2025-03-14T09:00:00Z|00Q000000000001AAA", await CreateSut().GetCursorAsync("catchup:Lead", CancellationToken.None));
    }
}

public sealed class SqliteCheckpointStoreTests() : CheckpointStoreTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlCheckpointStoreTests(PostgresFixture postgres) : CheckpointStoreTests(postgres);
