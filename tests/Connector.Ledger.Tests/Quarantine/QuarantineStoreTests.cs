using System.Text.Json.Nodes;
using Connector.Ledger.Ledger;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Tests.Support;

namespace Connector.Ledger.Tests.Quarantine;

public abstract class QuarantineStoreTests : LedgerTestBase
{
    protected QuarantineStoreTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    private QuarantineStore CreateSut() => new(Database, Time);

    [Fact]
    public async Task ApplyAsync_EventWithQuarantinedPart_KeepsItOpenWithReasonAndPayload()
    {
        var ledger = new LedgerStore(Database, Time);

        await ledger.ApplyAsync(new AppliedChange { EventKey = "cdc:tx7:1", Quarantined = [Sample.Quarantined()] }, CancellationToken.None);

        var entry = Assert.Single(await CreateSut().ListOpenAsync(10, CancellationToken.None));
        Assert.Equal(("cdc:tx7:1", "Opportunity", "006000000000001AAA", "UnknownStage", Time.GetUtcNow()),
            (entry.SourceEventKey, entry.Entity, entry.RecordId, entry.ReasonCode, entry.ReceivedAt));
        // jsonb normalizes whitespace, so compare as JSON.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Sample.Quarantined().Payload), JsonNode.Parse(entry.Payload)));
        Assert.True(entry.IsOpen);
    }

    [Fact]
    public async Task AddAsync_Then_ListOpen_ReturnsOldestFirstUpToMax()
    {
        var sut = CreateSut();
        var ids = new List<long>();
        foreach (var code in new[] { "UnknownStage", "MissingAdvocate", "BadRevenue" })
        {
            ids.Add(await sut.AddAsync($"event:{code}", Sample.Quarantined(code), CancellationToken.None));
        }

        var open = await sut.ListOpenAsync(2, CancellationToken.None);

        Assert.Equal(ids.Take(2), open.Select(e => e.Id));
        Assert.Equal(["UnknownStage", "MissingAdvocate"], open.Select(e => e.ReasonCode));
    }

    [Fact]
    public async Task ApplyAsync_ReapplyingQuarantinedEvent_ClosesTheEntryWithTheEffects()
    {
        var sut = CreateSut();
        var id = await sut.AddAsync("cdc:tx7:1", Sample.Quarantined(), CancellationToken.None);
        Time.Advance(TimeSpan.FromDays(1));

        await new LedgerStore(Database, Time).ApplyAsync(Sample.NewReferral(eventKey: "reapply:cdc:tx7:1") with
        {
            Checkpoint = null,
            ReappliedQuarantineIds = [id],
        }, CancellationToken.None);

        Assert.Empty(await sut.ListOpenAsync(10, CancellationToken.None));
        var entry = await sut.GetAsync(id, CancellationToken.None);
        Assert.Equal((Time.GetUtcNow(), "reapply:cdc:tx7:1"), (entry!.ResolvedAt, entry.ReappliedEventKey));
    }

    [Fact]
    public async Task MarkReappliedAsync_OpenThenAgain_TrueThenFalseKeepingTheFirstResolution()
    {
        var sut = CreateSut();
        var id = await sut.AddAsync("cdc:tx7:1", Sample.Quarantined(), CancellationToken.None);

        var first = await sut.MarkReappliedAsync(id, "reapply:1", CancellationToken.None);
        var second = await sut.MarkReappliedAsync(id, "reapply:2", CancellationToken.None);

        Assert.Equal((true, false), (first, second));
        Assert.Equal("reapply:1", (await sut.GetAsync(id, CancellationToken.None))!.ReappliedEventKey);
    }

    [Fact]
    public async Task MarkReappliedAsync_UnknownId_False()
    {
        Assert.False(await CreateSut().MarkReappliedAsync(424242, "reapply:1", CancellationToken.None));
    }
}

public sealed class SqliteQuarantineStoreTests() : QuarantineStoreTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlQuarantineStoreTests(PostgresFixture postgres) : QuarantineStoreTests(postgres);
