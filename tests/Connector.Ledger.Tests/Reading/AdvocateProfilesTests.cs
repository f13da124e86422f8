using Connector.Ledger.Ledger;
using Connector.Ledger.Reading;
using Connector.Ledger.Tests.Support;

namespace Connector.Ledger.Tests.Reading;

/// <summary>Which advocates' profiles the write-back refreshes: all at first, then those changed since the last run.</summary>
public abstract class AdvocateProfilesTests : LedgerTestBase
{
    protected AdvocateProfilesTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    [Fact]
    public async Task ChangedSinceAsync_FirstRunThenSinceAMoment_AllAdvocatesThenOnlyThoseChangedSince()
    {
        var store = new LedgerStore(Database, Time);
        var sut = new AdvocateProfiles(Database);
        await store.ApplyAsync(new AppliedChange
        {
            EventKey = "e1",
            Advocates = [Sample.Advocate("a00000000000001AAA"), Sample.Advocate("a00000000000002AAA")],
            Referrals = [Sample.Referral("R-1", "a00000000000001AAA", "00Q000000000001AAA")],
        }, CancellationToken.None);
        Time.Advance(TimeSpan.FromMinutes(5));
        var since = Time.GetUtcNow();
        Time.Advance(TimeSpan.FromMinutes(5));
        await store.ApplyAsync(new AppliedChange
        {
            EventKey = "e2",
            Referrals = [Sample.Referral("R-2", "a00000000000002AAA", "00Q000000000002AAA") with { UpdatedAt = Time.GetUtcNow() }],
        }, CancellationToken.None);

        var all = await sut.ChangedSinceAsync(null, CancellationToken.None);
        var changed = await sut.ChangedSinceAsync(since, CancellationToken.None);

        Assert.Equal(["a00000000000001AAA", "a00000000000002AAA"], all);
        Assert.Equal(["a00000000000002AAA"], changed);
    }
}

public sealed class SqliteAdvocateProfilesTests() : AdvocateProfilesTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlAdvocateProfilesTests(PostgresFixture postgres) : AdvocateProfilesTests(postgres);
