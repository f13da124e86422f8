using Connector.Ledger.Ledger;
using Connector.Ledger.Rewards;
using Connector.Ledger.Tests.Support;

namespace Connector.Ledger.Tests.Rewards;

public abstract class RewardLedgerQueriesTests : LedgerTestBase
{
    private const string Ada = "a00000000000001AAA";
    private const string Bob = "a00000000000002AAA";

    protected RewardLedgerQueriesTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    private RewardLedgerQueries CreateSut() => new(Database);

    /// <summary>
    /// Ada: 100 earned 2024-12 paid 2025-01; 25 earned 2025-03 paid 2025-04; 75 earned 2025-06 unpaid; a 10.5 referee
    /// reward. Bob: 0.1 + 0.2 earned 2025, unpaid (exact decimal sums, not doubles).
    /// </summary>
    private async Task SeedAsync()
    {
        var ledger = new LedgerStore(Database, Time);
        await ledger.ApplyAsync(new AppliedChange
        {
            EventKey = "seed",
            Advocates = [Sample.Advocate(Ada), Sample.Advocate(Bob)],
            Referrals = [Sample.Referral("R-1", Ada, "00Q000000000001AAA"), Sample.Referral("R-2", Bob, "00Q000000000002AAA")],
            RewardEntries =
            [
                Sample.Reward("r1", "R-1", 100m, Ada) with { EffectiveOn = new DateOnly(2024, 12, 20) },
                Sample.Reward("r2", "R-1", 25m, Ada) with { EffectiveOn = new DateOnly(2025, 3, 1) },
                Sample.Reward("r3", "R-1", 75m, Ada) with { EffectiveOn = new DateOnly(2025, 6, 1), Kind = "RetentionBonus" },
                Sample.Reward("r4", "R-1", 10.5m, Ada) with { EffectiveOn = new DateOnly(2025, 3, 1), Beneficiary = "Referee" },
                Sample.Reward("b1", "R-2", 0.1m, Bob) with { EffectiveOn = new DateOnly(2025, 2, 1) },
                Sample.Reward("b2", "R-2", 0.2m, Bob) with { EffectiveOn = new DateOnly(2025, 12, 31) },
            ],
        }, CancellationToken.None);
        await ledger.RecordPayoutAsync("r1", "PAY-1", new DateTimeOffset(2025, 1, 5, 0, 0, 0, TimeSpan.Zero), CancellationToken.None);
        await ledger.RecordPayoutAsync("r2", "PAY-2", new DateTimeOffset(2025, 4, 5, 0, 0, 0, TimeSpan.Zero), CancellationToken.None);
    }

    [Fact]
    public async Task YearTotalsAsync_2025_EarnedAndPendingByEffectiveDatePaidByPayoutDate()
    {
        await SeedAsync();

        var totals = await CreateSut().YearTotalsAsync(2025, null, CancellationToken.None);

        Assert.Equal(
            [
                new AdvocateYearTotals(Ada, "USD", 2025, Earned: 100m, Paid: 125m, Pending: 75m),
                new AdvocateYearTotals(Bob, "USD", 2025, Earned: 0.3m, Paid: 0m, Pending: 0.3m),
            ],
            totals);
    }

    [Fact]
    public async Task YearTotalsAsync_2024ForOneAdvocate_EarnedButPaidTheNextYear()
    {
        await SeedAsync();

        var totals = await CreateSut().YearTotalsAsync(2024, Ada, CancellationToken.None);

        Assert.Equal([new AdvocateYearTotals(Ada, "USD", 2024, Earned: 100m, Paid: 0m, Pending: 0m)], totals);
    }

    [Fact]
    public async Task EntriesForAdvocateAsync_AllTheirEntriesInOrderWithPayouts()
    {
        await SeedAsync();

        var entries = await CreateSut().EntriesForAdvocateAsync(Ada, CancellationToken.None);

        Assert.Equal(["r1", "r2", "r3", "r4"], entries.Select(e => e.IdempotencyKey));
        Assert.Equal([true, true, false, false], entries.Select(e => e.IsPaid));
        Assert.Equal(new DateOnly(2024, 12, 20), entries[0].EffectiveOn);
    }
}

public sealed class SqliteRewardLedgerQueriesTests() : RewardLedgerQueriesTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlRewardLedgerQueriesTests(PostgresFixture postgres) : RewardLedgerQueriesTests(postgres);
