using Connector.Ledger.Ledger;
using Connector.Ledger.Outbox;
using Connector.Ledger.Tests.Support;

namespace Connector.Ledger.Tests.Outbox;

public abstract class OutboxStoreTests : LedgerTestBase
{
    protected OutboxStoreTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    private OutboxStore CreateSut() => new(Database, Time);

    private async Task<IReadOnlyList<string>> EnqueueAsync(int count)
    {
        var keys = Enumerable.Range(1, count).Select(i => $"owner:lead{i}").ToList();
        await new LedgerStore(Database, Time).ApplyAsync(
            new AppliedChange { EventKey = "cdc:tx1:1", Outbox = [.. keys.Select(k => Sample.Outbox(k))] }, CancellationToken.None);
        return keys;
    }

    [Fact]
    public async Task TakeBatchAsync_MorePendingThanMax_TakesTheOldestInOrder()
    {
        var keys = await EnqueueAsync(5);

        var batch = await CreateSut().TakeBatchAsync(3, maxAttempts: 5, CancellationToken.None);

        Assert.Equal(keys.Take(3), batch.Select(m => m.IdempotencyKey));
        Assert.True(batch.Select(m => m.Id).SequenceEqual(batch.Select(m => m.Id).Order()));
        var first = batch[0];
        Assert.Equal((OutboxKinds.OwnerChange, "Lead", "00Q000000000001AAA", 0, Time.GetUtcNow()),
            (first.Kind, first.TargetSObject, first.TargetId, first.Attempts, first.CreatedAt));
    }

    [Fact]
    public async Task MarkDispatchedAsync_Batch_LeavesOnlyTheRestPending()
    {
        await EnqueueAsync(4);
        var sut = CreateSut();
        var batch = await sut.TakeBatchAsync(2, maxAttempts: 5, CancellationToken.None);

        var marked = await sut.MarkDispatchedAsync([.. batch.Select(m => m.Id)], CancellationToken.None);
        var again = await sut.MarkDispatchedAsync([.. batch.Select(m => m.Id)], CancellationToken.None);

        Assert.Equal((2, 0), (marked, again));
        var rest = await sut.TakeBatchAsync(10, maxAttempts: 5, CancellationToken.None);
        Assert.Equal(["owner:lead3", "owner:lead4"], rest.Select(m => m.IdempotencyKey));
        Assert.Equal(2, await Database.CountAsync("outbox_messages", "dispatched_at IS NOT NULL"));
    }

    [Fact]
    public async Task MarkFailedAsync_UntilMaxAttempts_KeepsErrorThenStopsOffering()
    {
        await EnqueueAsync(1);
        var sut = CreateSut();
        var id = (await sut.TakeBatchAsync(1, maxAttempts: 2, CancellationToken.None))[0].Id;

        await sut.MarkFailedAsync(id, "UNABLE_TO_LOCK_ROW", CancellationToken.None);
        var retry = Assert.Single(await sut.TakeBatchAsync(1, maxAttempts: 2, CancellationToken.None));
        await sut.MarkFailedAsync(id, "UNABLE_TO_LOCK_ROW again", CancellationToken.None);

        Assert.Equal((1, "UNABLE_TO_LOCK_ROW"), (retry.Attempts, retry.LastError));
        Assert.Empty(await sut.TakeBatchAsync(1, maxAttempts: 2, CancellationToken.None));
        Assert.Single(await sut.TakeBatchAsync(1, maxAttempts: 3, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_SameWriteDecidedByTwoEvents_OneMessage()
    {
        var ledger = new LedgerStore(Database, Time);

        await ledger.ApplyAsync(new AppliedChange { EventKey = "e1", Outbox = [Sample.Outbox()] }, CancellationToken.None);
        await ledger.ApplyAsync(new AppliedChange { EventKey = "e2", Outbox = [Sample.Outbox()] }, CancellationToken.None);

        Assert.Single(await CreateSut().TakeBatchAsync(10, maxAttempts: 5, CancellationToken.None));
    }
}

public sealed class SqliteOutboxStoreTests() : OutboxStoreTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlOutboxStoreTests(PostgresFixture postgres) : OutboxStoreTests(postgres);
