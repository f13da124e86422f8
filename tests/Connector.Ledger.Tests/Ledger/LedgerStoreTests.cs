using System.Data.Common;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Rewards;
using Connector.Ledger.Tests.Support;

namespace Connector.Ledger.Tests.Ledger;

public abstract class LedgerStoreTests : LedgerTestBase
{
    private const string Stream = "/data/LeadChangeEvent";

    protected LedgerStoreTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    private LedgerStore CreateSut() => new(Database, Time);

    private CheckpointStore Checkpoints => new(Database, Time);

    [Fact]
    public async Task ApplyAsync_NewReferral_WritesEveryRowAndAdvancesTheStream()
    {
        var sut = CreateSut();

        var applied = await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);

        Assert.True(applied);
        Assert.Equal(Sample.Advocate(), await sut.GetAdvocateAsync("a00000000000001AAA", CancellationToken.None));
        Assert.Equal(Sample.Referral(), await sut.GetReferralAsync("R-1", CancellationToken.None));
        var history = Assert.Single(await sut.GetHistoryAsync("R-1", CancellationToken.None));
        Assert.Equal(("Submitted", "cdc:tx1:1", "m1", Time.GetUtcNow()), (history.ToState, history.EventKey, history.MappingVersion, history.RecordedAt));
        var audit = Assert.Single(await sut.GetAuditTrailAsync("Referral:R-1", CancellationToken.None));
        Assert.Equal(("StateChange", "lead-status", "m1", "cdc:tx1:1"), (audit.DecisionKind, audit.RuleId, audit.MappingVersion, audit.EventKey));
        Assert.Equal(1, await Database.CountAsync("outbox_messages"));
        Assert.Equal(100, await Checkpoints.GetReplayIdAsync(Stream, CancellationToken.None));
        Assert.True(await sut.IsAppliedAsync("cdc:tx1:1", CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_SameEventKeyAgain_ReturnsFalseAndWritesNothing()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        var before = await Database.SnapshotAsync();

        // A redelivery may even carry different effects (decided under another mapping): the first application stands.
        var again = await sut.ApplyAsync(Sample.Won(eventKey: "cdc:tx1:1", replayId: 500), CancellationToken.None);

        Assert.False(again);
        Assert.Equal(before, await Database.SnapshotAsync());
        Assert.Equal("Submitted", (await sut.GetReferralAsync("R-1", CancellationToken.None))!.State);
        Assert.Equal(100, await Checkpoints.GetReplayIdAsync(Stream, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_LaterRowViolatesConstraint_WritesNothingAndLeavesTheStreamWhereItWas()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        var before = await Database.SnapshotAsync();
        var won = Sample.Won();
        // The reward for an advocate the ledger does not know is written after the referral and its history (the
        // checkpoint comes last): its foreign key violation must take all of them back.
        var broken = won with { RewardEntries = [.. won.RewardEntries, Sample.Reward(key: "reward:R-1:extra", advocateId: "a00000000000999AAA")] };

        await Assert.ThrowsAnyAsync<DbException>(() => sut.ApplyAsync(broken, CancellationToken.None));

        Assert.Equal(before, await Database.SnapshotAsync());
        Assert.Equal(100, await Checkpoints.GetReplayIdAsync(Stream, CancellationToken.None));
        Assert.Equal("Submitted", (await sut.GetReferralAsync("R-1", CancellationToken.None))!.State);
        Assert.False(await sut.IsAppliedAsync(won.EventKey, CancellationToken.None));
        Assert.True(await sut.ApplyAsync(won, CancellationToken.None));
        Assert.Equal(101, await Checkpoints.GetReplayIdAsync(Stream, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_SecondReferralForSameLead_ViolatesUniqueLeadAndWritesNothing()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        var before = await Database.SnapshotAsync();

        var error = await Assert.ThrowsAnyAsync<DbException>(() => sut.ApplyAsync(
            new AppliedChange { EventKey = "cdc:tx9:1", Referrals = [Sample.Referral(key: "R-2")] }, CancellationToken.None));

        Assert.True(Database.Dialect.IsUniqueViolation(error));
        Assert.Equal(before, await Database.SnapshotAsync());
    }

    [Fact]
    public async Task ApplyAsync_SameEventKeyFromTwoInstancesAtOnce_AppliesOnce()
    {
        var stores = new[] { new LedgerStore(OpenDatabase(), Time), new LedgerStore(OpenDatabase(), Time) };

        var results = await Task.WhenAll(stores.Select(s => s.ApplyAsync(Sample.NewReferral(), CancellationToken.None))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(results, applied => applied);
        Assert.Equal(1, await Database.CountAsync("referral_state_changes"));
    }

    [Fact]
    public async Task ApplyBatchAsync_ReplayedPrefixAndDuplicateInside_AppliesOnlyNewChangesAndEndsAtTheLastPosition()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        var working = new AppliedChange
        {
            EventKey = "cdc:tx3:1",
            Checkpoint = StreamPosition.AtReplayId(Stream, 102),
            StateChanges = [Sample.StateChange(from: "Won", to: "Working")],
        };

        var applied = await sut.ApplyBatchAsync([Sample.NewReferral(), Sample.Won(), Sample.Won(), working], CancellationToken.None);

        Assert.Equal(2, applied);
        Assert.Equal(102, await Checkpoints.GetReplayIdAsync(Stream, CancellationToken.None));
        Assert.Equal(["Submitted", "Won", "Working"], (await sut.GetHistoryAsync("R-1", CancellationToken.None)).Select(h => h.ToState));
    }

    [Fact]
    public async Task ApplyBatchAsync_OneChangeFails_AppliesNoneOfThem()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        var before = await Database.SnapshotAsync();
        var broken = new AppliedChange { EventKey = "cdc:tx3:1", StateChanges = [Sample.StateChange(referralKey: "R-404")] };

        await Assert.ThrowsAnyAsync<DbException>(() => sut.ApplyBatchAsync([Sample.Won(), broken], CancellationToken.None));

        Assert.Equal(before, await Database.SnapshotAsync());
        Assert.Equal(100, await Checkpoints.GetReplayIdAsync(Stream, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_RewardDecidedAgainByAnotherEvent_KeepsTheFirstEntryOnly()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        await sut.ApplyAsync(Sample.Won(), CancellationToken.None);

        var replay = await sut.ApplyAsync(Sample.Won(eventKey: "catchup:Opportunity:006A:2025-03-14T09:00:00Z", replayId: 102, amount: 250m), CancellationToken.None);

        Assert.True(replay);
        var entry = Assert.Single(await new RewardLedgerQueries(Database).EntriesForReferralAsync("R-1", CancellationToken.None));
        Assert.Equal((100m, "cdc:tx2:1"), (entry.Amount, entry.EventKey));
    }

    [Fact]
    public async Task RewardEntries_DuplicateIdempotencyKeyWrittenDirectly_IsRefusedByTheUniqueConstraint()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        await sut.ApplyAsync(Sample.Won(), CancellationToken.None);

        var error = await Assert.ThrowsAnyAsync<DbException>(() => Database.ExecuteAsync("""
            INSERT INTO reward_entries (idempotency_key, referral_key, advocate_id, beneficiary, kind, amount, currency, effective_on, reason, event_key, recorded_at)
            SELECT idempotency_key, referral_key, advocate_id, beneficiary, kind, amount, currency, effective_on, reason, 'other', recorded_at FROM reward_entries
            """));

        Assert.True(Database.Dialect.IsUniqueViolation(error));
    }

    [Fact]
    public async Task RecordPayoutAsync_SamePayoutTwice_RecordsOnceThenReportsAlreadyPaid()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        await sut.ApplyAsync(Sample.Won(), CancellationToken.None);
        var paidAt = new DateTimeOffset(2025, 4, 1, 12, 0, 0, TimeSpan.Zero);

        var first = await sut.RecordPayoutAsync("reward:R-1:won", "PAY-1", paidAt, CancellationToken.None);
        var second = await sut.RecordPayoutAsync("reward:R-1:won", "PAY-2", paidAt.AddDays(1), CancellationToken.None);

        Assert.Equal((PayoutOutcome.Recorded, PayoutOutcome.AlreadyPaid), (first, second));
        var entry = Assert.Single(await new RewardLedgerQueries(Database).EntriesForReferralAsync("R-1", CancellationToken.None));
        Assert.Equal((paidAt, "PAY-1"), (entry.PaidAt, entry.PayoutReference));
    }

    [Fact]
    public async Task RecordPayoutAsync_EntryAlreadyCancelled_IsNotPayable()
    {
        // Regression: a payout racing a reversal paid an entry the reward engine had already cancelled.
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        await sut.ApplyAsync(Sample.Won(), CancellationToken.None);
        await Database.ExecuteAsync("""
            INSERT INTO reward_entries (idempotency_key, referral_key, advocate_id, beneficiary, kind, amount, currency, effective_on, reason, related_key, event_key, recorded_at)
            SELECT 'reward:R-1:won:cancelled', referral_key, advocate_id, beneficiary, 'Cancelled', '-1', currency, effective_on, 'win reversed', idempotency_key, 'ev-reversal', recorded_at
            FROM reward_entries WHERE idempotency_key = 'reward:R-1:won'
            """);

        var outcome = await sut.RecordPayoutAsync("reward:R-1:won", "PAY-1", Sample.At, CancellationToken.None);
        var cancellation = await sut.RecordPayoutAsync("reward:R-1:won:cancelled", "PAY-2", Sample.At, CancellationToken.None);

        Assert.Equal((PayoutOutcome.NotPayable, PayoutOutcome.NotPayable), (outcome, cancellation));
        Assert.Equal(0, await Database.CountAsync("reward_payouts"));
    }

    [Fact]
    public async Task RecordPayoutAsync_UnknownEntry_ReportsNoSuchEntry()
    {
        var outcome = await CreateSut().RecordPayoutAsync("reward:nope", "PAY-1", Sample.At, CancellationToken.None);

        Assert.Equal(PayoutOutcome.NoSuchEntry, outcome);
        Assert.Equal(0, await Database.CountAsync("reward_payouts"));
    }

    [Fact]
    public async Task RewardPayouts_SecondPayoutWrittenDirectly_IsRefusedByTheUniqueConstraint()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        await sut.ApplyAsync(Sample.Won(), CancellationToken.None);
        await sut.RecordPayoutAsync("reward:R-1:won", "PAY-1", Sample.At, CancellationToken.None);

        var error = await Assert.ThrowsAnyAsync<DbException>(() => Database.ExecuteAsync("""
            INSERT INTO reward_payouts (reward_entry_id, paid_at, payout_reference, recorded_at)
            SELECT reward_entry_id, paid_at, 'PAY-2', recorded_at FROM reward_payouts
            """));

        Assert.True(Database.Dialect.IsUniqueViolation(error));
        Assert.Equal(1, await Database.CountAsync("reward_payouts"));
    }

    [Fact]
    public async Task ApplyAsync_AmountsAtTheLimitsOfNumeric18_4_ReadBackExactly()
    {
        decimal[] amounts = [99_999_999_999_999.9999m, -99_999_999_999_999.9999m, 0.0001m, 0.1m, 1234.5m, -25.5m, 0m, 600.00m];
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);

        await sut.ApplyAsync(new AppliedChange
        {
            EventKey = "money",
            RewardEntries = [.. amounts.Select((amount, i) => Sample.Reward(key: $"reward:{i}", amount: amount))],
        }, CancellationToken.None);

        var stored = await new RewardLedgerQueries(Database).EntriesForReferralAsync("R-1", CancellationToken.None);
        Assert.Equal(amounts, stored.Select(e => e.Amount));
    }

    [Theory]
    [InlineData("0.00001")]
    [InlineData("100000000000000")]
    public async Task ApplyAsync_AmountNumeric18_4CannotHold_ThrowsBeforeWriting(string amount)
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);
        var before = await Database.SnapshotAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => sut.ApplyAsync(
            Sample.Won() with { RewardEntries = [Sample.Reward(amount: decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture))] },
            CancellationToken.None));

        Assert.Equal(before, await Database.SnapshotAsync());
    }

    [Fact]
    public async Task ApplyAsync_TimestampsWithOffsetsAndTicks_ReadBackAsTheSameUtcInstantToTheMicrosecond()
    {
        var submitted = new DateTimeOffset(2025, 3, 14, 11, 30, 15, TimeSpan.FromHours(2)).AddTicks(1_234_567); // .1234567 s
        var sut = CreateSut();

        await sut.ApplyAsync(Sample.NewReferral() with { Referrals = [Sample.Referral() with { SubmittedAt = submitted }] }, CancellationToken.None);

        var stored = (await sut.GetReferralAsync("R-1", CancellationToken.None))!.SubmittedAt;
        Assert.Equal(TimeSpan.Zero, stored.Offset);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 9, 30, 15, TimeSpan.Zero).AddTicks(1_234_560), stored);
        if (Provider == LedgerProvider.Sqlite)
        {
            // Fixed-width UTC text is what makes SQLite's text comparison a time comparison.
            Assert.Equal("2025-03-14T09:30:15.123456Z", await Database.ScalarAsync<string>("SELECT submitted_at FROM referrals"));
        }
    }

    [Fact]
    public async Task ApplyAsync_ReferralUpdated_UpsertsTheRowAndAppendsHistoryInOrder()
    {
        var sut = CreateSut();
        await sut.ApplyAsync(Sample.NewReferral(), CancellationToken.None);

        await sut.ApplyAsync(Sample.Won() with { Referrals = [Sample.Referral(state: "Won") with { OpportunityId = "006000000000001AAA" }] }, CancellationToken.None);

        Assert.Equal("R-1", (await sut.FindReferralByOpportunityAsync("006000000000001AAA", CancellationToken.None))?.ReferralKey);
        Assert.Equal("Won", (await sut.FindReferralByLeadAsync("00Q000000000001AAA", CancellationToken.None))?.State);
        Assert.Equal(["Submitted", "Won"], (await sut.GetHistoryAsync("R-1", CancellationToken.None)).Select(h => h.ToState));
        Assert.Equal(1, await Database.CountAsync("referrals"));
    }
}

public sealed class SqliteLedgerStoreTests() : LedgerStoreTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlLedgerStoreTests(PostgresFixture postgres) : LedgerStoreTests(postgres);
