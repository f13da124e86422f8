using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Data;

public sealed class OrgTransactionTests
{
    private sealed class Recorder : IOrgChangeListener
    {
        public List<IReadOnlyList<RecordChange>> Batches { get; } = [];

        public void OnCommitted(IReadOnlyList<RecordChange> changes) => Batches.Add(changes);
    }

    private static readonly string UserId = SalesforceIds.Create("005", 1);

    private static (OrgStore Store, Dml Dml, Recorder Events, SObjectSchema Account) CreateSut(FakeTimeProvider? clock = null)
    {
        var schema = new OrgSchema(StandardObjects.Create());
        var store = new OrgStore(schema, clock ?? new FakeTimeProvider(), SalesforceIds.Create("00D", 1));
        // Records need an existing owner: the acting user (id sequence 1 = 0055g0000000001AAA-style id) comes first.
        var user = schema.Find("User")!;
        using (var tx = store.BeginTransaction(new DmlContext(UserId)))
        {
            var created = tx.Insert(user, Dml.ReadValues(user, [KeyValuePair.Create<string, object?>("Username", "u@x.test"), KeyValuePair.Create<string, object?>("LastName", "U")]));
            Assert.Equal(UserId, created.Id);
            tx.Commit();
        }

        var events = new Recorder();
        store.AddListener(events);
        return (store, new Dml(new OrgSettings()), events, schema.Find("Account")!);
    }

    private static Dictionary<FieldSchema, object?> Named(SObjectSchema s, string name) => Dml.ReadValues(s, [KeyValuePair.Create<string, object?>("Name", name)]);

    [Fact]
    public void Commit_PublishesChangesWithOneTransactionKeyAndSequence()
    {
        var (store, dml, events, account) = CreateSut();

        using (var tx = store.BeginTransaction(new DmlContext(UserId, "com/salesforce/api/rest/62.0")))
        {
            var a = dml.Insert(tx, account, Named(account, "A"));
            dml.Insert(tx, account, Named(account, "B"));
            dml.Update(tx, a, Named(account, "A2"));
            tx.Commit();
        }

        var batch = Assert.Single(events.Batches);
        Assert.Equal([ChangeType.Create, ChangeType.Create, ChangeType.Update], batch.Select(c => c.Type));
        Assert.Single(batch.Select(c => c.TransactionKey).Distinct());
        Assert.Equal([1, 2, 3], batch.Select(c => c.SequenceNumber));
        Assert.Equal(["Name", "LastModifiedDate"], batch[2].ChangedFields);
        Assert.Equal("com/salesforce/api/rest/62.0", batch[0].ChangeOrigin);
        Assert.DoesNotContain("SystemModstamp", batch[0].ChangedFields);
    }

    [Fact]
    public void Dispose_WithoutCommit_RollsBackInsertsAndUpdatesAndPublishesNothing()
    {
        var (store, dml, events, account) = CreateSut();
        string keptId;
        using (var tx = store.BeginTransaction(new DmlContext(UserId)))
        {
            keptId = dml.Insert(tx, account, Named(account, "Kept")).Id;
            tx.Commit();
        }

        using (var tx = store.BeginTransaction(new DmlContext(UserId)))
        {
            dml.Insert(tx, account, Named(account, "Gone"));
            dml.Update(tx, tx.Reader.Find(keptId)!, Named(account, "Renamed"));
        }

        Assert.Single(events.Batches);
        Assert.Equal(["Kept"], store.Read(r => r.All("Account").Select(a => a.GetString("Name")).ToList()));
    }

    [Fact]
    public void NestedTransaction_DisposedWithoutCommit_UndoesOnlyItsOwnChanges()
    {
        var (store, dml, events, account) = CreateSut();

        using (var outer = store.BeginTransaction(new DmlContext(UserId)))
        {
            dml.Insert(outer, account, Named(account, "Outer"));
            using (var inner = store.BeginTransaction(new DmlContext(UserId)))
            {
                Assert.True(inner.IsNested);
                dml.Insert(inner, account, Named(account, "Inner"));
            }

            using (var kept = store.BeginTransaction(new DmlContext(UserId)))
            {
                dml.Insert(kept, account, Named(account, "Savepoint"));
                kept.Commit();
            }

            Assert.Equal(2, store.Read(r => r.All("Account").Count()));
            outer.Commit();
        }

        Assert.Equal(["Outer", "Savepoint"], store.Read(r => r.All("Account").Select(a => a.GetString("Name")).ToList()));
        Assert.Equal(2, Assert.Single(events.Batches).Count);
    }

    [Fact]
    public void AuditTimestamps_AreTruncatedToTheSecondLikeSalesforce()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 9, 0, 0, 987, TimeSpan.Zero));
        var (store, dml, _, account) = CreateSut(clock);

        using var tx = store.BeginTransaction(new DmlContext(UserId));
        var record = dml.Insert(tx, account, Named(account, "A"));
        tx.Commit();

        Assert.Equal(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero), record.GetDateTime("SystemModstamp"));
    }

    [Fact]
    public void Commit_AboveOverflowThreshold_PublishesOneGapOverflowPerEntity()
    {
        var (store, dml, events, account) = CreateSut();
        store.OverflowThreshold = 3;

        using (var tx = store.BeginTransaction(new DmlContext(UserId)))
        {
            for (var i = 0; i < 6; i++)
            {
                dml.Insert(tx, account, Named(account, "A" + i));
            }

            tx.Commit();
        }

        var batch = Assert.Single(events.Batches);
        Assert.Equal([ChangeType.Create, ChangeType.Create, ChangeType.Create, ChangeType.GapOverflow], batch.Select(c => c.Type));
        Assert.Empty(batch[3].RecordIds);
    }
}
