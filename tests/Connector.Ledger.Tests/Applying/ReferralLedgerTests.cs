using Connector.Ledger.Applying;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Rewards;
using Connector.Ledger.Tests.Support;
using Connector.Referrals;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;
using Connector.Referrals.Tests.Support;
using Dapper;

namespace Connector.Ledger.Tests.Applying;

public abstract class ReferralLedgerTests : LedgerTestBase
{
    private const string Stream = "/data/LeadChangeEvent";

    private static readonly RewardRules Flat = new() { RuleId = "flat", Version = 3, Advocate = new FlatReward(new Money(100m, "USD")), RetentionDays = 90 };

    protected ReferralLedgerTests(ILedgerTestDatabases databases)
        : base(databases)
    {
        Time.SetUtcNow(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));
    }

    private LedgerStore Store => new(Database, Time);

    protected async Task<ReferralLedger> CreateSutAsync(ProgramConfig? config = null)
    {
        var sut = new ReferralLedger(Store, new LedgerProgram(config ?? Org.Config(), Flat));
        await sut.SaveSalesRepsAsync([new SalesRep(Org.Rep, true), new SalesRep(Org.InactiveRep, false)], CancellationToken.None);
        var advocate = Org.Advocate();
        var seeded = await sut.ApplyAsync(new SalesforceChange
        {
            EventKey = "seed:advocate",
            Entity = ChangeEntity.Advocate,
            RecordId = advocate.Id,
            Kind = ChangeKind.Create,
            CommitTimestamp = Org.T0.AddDays(-30),
            IsSnapshot = true,
            Fields = SalesforceChange.FieldsOf(
                (AdvocateFields.Contact, advocate.ContactId), (AdvocateFields.Account, advocate.AccountId), (AdvocateFields.OwnerId, advocate.OwnerUserId),
                (AdvocateFields.Status, "Active"), (AdvocateFields.ReferralCode, advocate.ReferralCode), (AdvocateFields.EnrolledDate, advocate.EnrolledDate)),
        }, null, CancellationToken.None);
        Assert.Equal(ApplyStatus.Applied, seeded.Status);
        return sut;
    }

    [Fact]
    public async Task ApplyAsync_NewReferralLead_WritesReferralHistoryAuditOwnerChangeAndCheckpoint()
    {
        var sut = await CreateSutAsync();

        var outcome = await sut.ApplyAsync(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 11), CancellationToken.None);

        Assert.Equal(ApplyStatus.Applied, outcome.Status);
        var referral = await Store.GetReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None);
        Assert.Equal("Submitted", referral!.State);
        var history = await Store.GetHistoryAsync(referral.ReferralKey, CancellationToken.None);
        Assert.Equal(("R-REGISTER", "v1"), (history.Single().RuleId, history.Single().MappingVersion));
        var audit = await Store.GetAuditTrailAsync($"Referral:{referral.ReferralKey}", CancellationToken.None);
        Assert.Contains(audit, a => a.DecisionKind == nameof(RoutingDecision) && a.RuleId == "RT-OWNER" && a.MappingVersion == "v1");
        // A decision without a rule of its own is audited under the rule its reason starts with.
        Assert.Contains(audit, a => a.DecisionKind == nameof(ReferralRegistered) && a.RuleId == "R-REGISTER");
        Assert.All(audit, a => Assert.Equal(Org.LeadCreated().EventKey, a.EventKey));
        // The lead's routing write; the advocate's enrolment queued its contact link (target: the contact) before.
        var outbox = await QueryAsync<(string Kind, string TargetId)>("SELECT kind, target_id FROM outbox_messages WHERE kind = 'OwnerChange'");
        Assert.Equal([("OwnerChange", Org.Lead1)], outbox);
        Assert.Single(await QueryAsync<string>("SELECT target_id FROM outbox_messages WHERE kind = 'ProfileUpdate' AND target_sobject = 'Contact'"));
        Assert.Equal(11, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));

        var again = await sut.ApplyAsync(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 12), CancellationToken.None);
        Assert.Equal(ApplyStatus.Duplicate, again.Status);
        Assert.Equal(12, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_AdvocateReadWithItsContactLinked_QueuesNoContactWriteBack()
    {
        var sut = await CreateSutAsync();
        const string Linked = "a00000000000077AAA";
        const string Unlinked = "a00000000000078AAA";
        SalesforceChange Snapshot(string id, string contactId, string? contactsAdvocate) => new()
        {
            EventKey = $"sync:{id}",
            Entity = ChangeEntity.Advocate,
            RecordId = id,
            Kind = ChangeKind.Create,
            CommitTimestamp = Org.T0.AddDays(-10),
            IsSnapshot = true,
            Fields = SalesforceChange.FieldsOf((AdvocateFields.Contact, contactId), (AdvocateFields.OwnerId, Org.Rep), (AdvocateFields.Status, "Active"),
                (AdvocateFields.ContactAdvocate, contactsAdvocate)),
        };

        await sut.ApplyBatchAsync(
            [new IncomingChange(Snapshot(Linked, "003000000000077AAA", Linked), null), new IncomingChange(Snapshot(Unlinked, "003000000000078AAA", null), null)],
            CancellationToken.None);

        // Only the contact that does not name its advocate yet is written; both advocates are in the ledger.
        Assert.Equal(["003000000000078AAA"], await QueryAsync<string>(
            $"SELECT target_id FROM outbox_messages WHERE kind = 'ProfileUpdate' AND target_sobject = 'Contact' AND target_id <> '{Org.Advocate().ContactId}'"));
        Assert.NotNull(await Store.GetAdvocateAsync(Linked, CancellationToken.None));
        Assert.Contains("already links to it", (await Store.GetAuditTrailAsync($"Advocate:{Linked}", CancellationToken.None)).Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyAsync_WinPaidThenLost_EarnsOnceAndClawsBack()
    {
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(), null, CancellationToken.None);
        await sut.ApplyAsync(Org.Converted(Org.T0.AddHours(1), "cdc:convert"), null, CancellationToken.None);
        var won = Org.Updated(ChangeEntity.Opportunity, Org.Opp1, Org.T0.AddHours(2), "cdc:won",
            ("StageName", "Closed Won"), ("Amount", 5000m), ("CurrencyIsoCode", "USD"));

        var first = await sut.ApplyAsync(won, null, CancellationToken.None);
        var replay = await sut.ApplyAsync(won, null, CancellationToken.None);
        var key = (await QueryAsync<string>("SELECT idempotency_key FROM reward_entries WHERE kind = 'Earned'")).Single();
        await Store.RecordPayoutAsync(key, "pay-1", Org.T0.AddDays(1), CancellationToken.None);
        var lost = await sut.ApplyAsync(Org.Stage("Closed Lost", Org.T0.AddDays(2), "cdc:lost"), null, CancellationToken.None);

        Assert.Equal((ApplyStatus.Applied, 1, ApplyStatus.Duplicate), (first.Status, first.RewardEntries, replay.Status));
        Assert.Equal(1, lost.RewardEntries);
        var entries = await QueryAsync<(string Kind, decimal Amount, string Related, int Version, string Stage)>(
            "SELECT kind, amount, COALESCE(related_key, '-'), rule_version, stage FROM reward_entries ORDER BY id");
        Assert.Equal([("Earned", 100m, "-", 3, "won"), ("Clawback", -100m, key, 3, "won")], entries);
        Assert.Equal("Lost", (await Store.GetReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None))!.State);
    }

    [Fact]
    public async Task ApplyAsync_WonLostAndWonAgainTheSameDay_EarnsForTheReWinAndStoresEachWinInstant()
    {
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(), null, CancellationToken.None);
        await sut.ApplyAsync(Org.Converted(Org.T0.AddHours(1), "cdc:convert"), null, CancellationToken.None);
        var firstWinAt = Org.T0.AddHours(2);
        var reWinAt = Org.T0.AddHours(9);
        Assert.Equal(firstWinAt.UtcDateTime.Date, reWinAt.UtcDateTime.Date);

        await sut.ApplyAsync(Org.Updated(ChangeEntity.Opportunity, Org.Opp1, firstWinAt, "cdc:won",
            ("StageName", "Closed Won"), ("Amount", 5000m), ("CurrencyIsoCode", "USD")), null, CancellationToken.None);
        await sut.ApplyAsync(Org.Stage("Closed Lost", Org.T0.AddHours(5), "cdc:lost"), null, CancellationToken.None);
        var reWin = await sut.ApplyAsync(Org.Stage("Closed Won", reWinAt, "cdc:rewon"), null, CancellationToken.None);

        Assert.Equal(1, reWin.RewardEntries);
        var entries = await new Connector.Ledger.Rewards.RewardLedgerQueries(Database).EntriesForReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None);
        Assert.Equal(
            [("Earned", 100m, 0, firstWinAt), ("Cancelled", -100m, 0, firstWinAt), ("Earned", 100m, 1, reWinAt)],
            entries.OrderBy(e => e.Id).Select(e => (e.Kind, e.Amount, e.Cycle ?? -1, e.WonAt ?? default)));
    }

    [Fact]
    public async Task ReapplyQuarantinedAsync_AfterMappingFix_AppliesTheStoredChangeAndResolvesIt()
    {
        var sut = await CreateSutAsync();
        var change = Org.LeadCreated(status: "Nurturing");

        var first = await sut.ApplyAsync(change, StreamPosition.AtReplayId(Stream, 5), CancellationToken.None);
        var redelivered = await sut.ApplyAsync(change, StreamPosition.AtReplayId(Stream, 6), CancellationToken.None);

        Assert.Equal((ApplyStatus.Quarantined, ApplyStatus.Quarantined), (first.Status, redelivered.Status));
        var open = await new QuarantineStore(Database, Time).ListOpenAsync(10, CancellationToken.None);
        var entry = Assert.Single(open);
        Assert.Equal(("UnmappedStatus", change.EventKey), (entry.ReasonCode, entry.SourceEventKey));
        Assert.False(await Store.IsAppliedAsync(change.EventKey, CancellationToken.None));
        Assert.Equal(6, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));

        var stillUnmapped = await sut.ReapplyQuarantinedAsync(entry.Id, CancellationToken.None);
        Assert.Equal(ApplyStatus.Quarantined, stillUnmapped!.Status);

        var fixedMapping = DefaultStateMapping.FromOrg("v2", [.. Org.LeadStatuses, new LeadStatusRow("Nurturing", false, false)], Org.Stages).Mapping;
        var fixedLedger = new ReferralLedger(Store, new LedgerProgram(Org.Config() with { Mapping = fixedMapping }, Flat));
        var reapplied = await fixedLedger.ReapplyQuarantinedAsync(entry.Id, CancellationToken.None);

        Assert.Equal(ApplyStatus.Applied, reapplied!.Status);
        Assert.True(await Store.IsAppliedAsync(change.EventKey, CancellationToken.None));
        var resolved = await new QuarantineStore(Database, Time).GetAsync(entry.Id, CancellationToken.None);
        Assert.Equal(change.EventKey, resolved!.ReappliedEventKey);
        Assert.Null(await fixedLedger.ReapplyQuarantinedAsync(entry.Id, CancellationToken.None));
        Assert.Equal("v2", (await Store.GetHistoryAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None)).Single().MappingVersion);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // during an opportunity load: (advocate, state) deferred on SQLite, the wins index counting
    public async Task ApplyBatchAsync_EscalatingTiersWithWinsInOneBatch_EachWinCountsTheAdvocatesWinsBeforeIt(bool duringLoad)
    {
        // Tiers by the advocate's count of wins, this one included: 1st 100, 2nd 200, 3rd and after 300.
        var tiered = new RewardRules
        {
            RuleId = "tiers", Version = 1, RetentionDays = 90,
            Advocate = new TieredReward([new RewardTier(1, 1, new Money(100m, "USD")), new RewardTier(2, 2, new Money(200m, "USD")), new RewardTier(3, null, new Money(300m, "USD"))]),
        };
        await CreateSutAsync(); // the advocate and the reps
        var ledger = new ReferralLedger(Store, new LedgerProgram(Org.Config(), tiered));
        string Lead(int i) => $"00Q00000000000{i}AAA";
        string Opp(int i) => $"00600000000000{i}AAA";
        SalesforceChange Won(int i, int hour) => Org.Updated(ChangeEntity.Opportunity, Opp(i), Org.T0.AddHours(hour), $"cdc:won:{i}",
            ("StageName", "Closed Won"), ("Amount", 5000m), ("CurrencyIsoCode", "USD"));
        for (var i = 1; i <= 4; i++)
        {
            await ledger.ApplyAsync(Org.LeadCreated(Lead(i), email: $"ref{i}@example.com"), null, CancellationToken.None);
            await ledger.ApplyAsync(Org.Converted(Org.T0.AddHours(1), $"cdc:convert:{i}", Lead(i), Opp(i)), null, CancellationToken.None);
        }

        if (duringLoad)
        {
            Assert.Equal(Provider == LedgerProvider.Sqlite, await Database.DeferredIndexes.DeferForOpportunitiesAsync(1_000, CancellationToken.None));
            Assert.Equal(Provider == LedgerProvider.Sqlite ? ["ix_referrals_advocate_wins_load", "ix_referrals_referee_email_key"] : DeferrableIndexes,
                await IndexesAsync());
        }

        await ledger.ApplyAsync(Won(1, 2), null, CancellationToken.None);
        // Three wins in one batch, then one of them reversed and a fourth won: the reversed one no longer counts.
        var outcomes = await ledger.ApplyBatchAsync(
            [new(Won(2, 3), null), new(Won(3, 4), null),
             new(Org.Updated(ChangeEntity.Opportunity, Opp(3), Org.T0.AddHours(5), "cdc:lost:3", ("StageName", "Closed Lost")), null),
             new(Won(4, 6), null)],
            CancellationToken.None);

        Assert.Equal([ApplyStatus.Applied, ApplyStatus.Applied, ApplyStatus.Applied, ApplyStatus.Applied], outcomes.Select(o => o.Status));
        var earned = await QueryAsync<(string, decimal)>(
            "SELECT referral_key, amount FROM reward_entries WHERE kind = 'Earned' ORDER BY id");
        Assert.Equal([(Referral.IdForLead(Lead(1)), 100m), (Referral.IdForLead(Lead(2)), 200m), (Referral.IdForLead(Lead(3)), 300m), (Referral.IdForLead(Lead(4)), 300m)], earned);
        await Database.DeferredIndexes.RestoreAsync(CancellationToken.None);
        Assert.Equal(DeferrableIndexes, await IndexesAsync());
    }

    [Fact]
    public async Task DeferForOpportunitiesAsync_ManyMoreReferralsThanOpportunities_KeepsTheStateIndex()
    {
        var sut = await CreateSutAsync();
        for (var i = 1; i <= 3; i++)
        {
            await sut.ApplyAsync(Org.LeadCreated($"00Q00000000000{i}AAA", email: $"ref{i}@example.com"), null, CancellationToken.None);
        }

        // Three referrals are more than ten times no opportunity at all: only the reward index goes (none is stored).
        Assert.Equal(Provider == LedgerProvider.Sqlite, await Database.DeferredIndexes.DeferForOpportunitiesAsync(0, CancellationToken.None));

        Assert.Equal(DeferrableIndexes, await IndexesAsync());
    }

    [Fact]
    public async Task ApplyBatchAsync_WonDealEvaluatedAgain_DoesNotCountItselfAmongTheAdvocatesOtherWins()
    {
        // Tiers by the advocate's count of wins. The 2nd win is decided before its revenue is known; the revenue
        // arriving evaluates that win again (R-WON-REVENUE), and it is still the 2nd win, not the 3rd.
        var tiered = new RewardRules
        {
            RuleId = "tiers", Version = 1, RetentionDays = 90,
            Advocate = new TieredReward([new RewardTier(1, 1, new Money(100m, "USD")), new RewardTier(2, 2, new Money(200m, "USD")), new RewardTier(3, null, new Money(300m, "USD"))]),
        };
        await CreateSutAsync();
        var ledger = new ReferralLedger(Store, new LedgerProgram(Org.Config(), tiered));
        string Lead(int i) => $"00Q00000000000{i}AAA";
        string Opp(int i) => $"00600000000000{i}AAA";
        for (var i = 1; i <= 2; i++)
        {
            await ledger.ApplyAsync(Org.LeadCreated(Lead(i), email: $"ref{i}@example.com"), null, CancellationToken.None);
            await ledger.ApplyAsync(Org.Converted(Org.T0.AddHours(1), $"cdc:convert:{i}", Lead(i), Opp(i)), null, CancellationToken.None);
        }

        await ledger.ApplyBatchAsync(
            [new(Org.Updated(ChangeEntity.Opportunity, Opp(1), Org.T0.AddHours(2), "cdc:won:1", ("StageName", "Closed Won"), ("Amount", 5000m), ("CurrencyIsoCode", "USD")), null),
             new(Org.Updated(ChangeEntity.Opportunity, Opp(2), Org.T0.AddHours(3), "cdc:won:2", ("StageName", "Closed Won")), null)],
            CancellationToken.None);
        await ledger.ApplyBatchAsync(
            [new(Org.Updated(ChangeEntity.Opportunity, Opp(2), Org.T0.AddHours(4), "cdc:revenue:2", ("Amount", 7000m), ("CurrencyIsoCode", "USD")), null)],
            CancellationToken.None);

        Assert.Contains("cdc:revenue:2", await QueryAsync<string>("SELECT event_key FROM audit_entries WHERE decision_kind = 'RewardEvaluationRequested'"));
        var earned = await QueryAsync<(string, decimal)>("SELECT referral_key, amount FROM reward_entries WHERE kind = 'Earned' ORDER BY id");
        Assert.Equal([(Referral.IdForLead(Lead(1)), 100m), (Referral.IdForLead(Lead(2)), 200m)], earned);
        Assert.Empty(await QueryAsync<string>("SELECT reason FROM audit_entries WHERE decision_kind = 'RewardIssue'"));
    }

    [Fact]
    public async Task WorkingView_OpportunityChanges_CarryTheRewardStateEvenOfAnAdvocateWithoutWins()
    {
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(), null, CancellationToken.None);
        await sut.ApplyAsync(Org.Converted(Org.T0.AddHours(1), "cdc:convert"), null, CancellationToken.None);
        var won = Org.Updated(ChangeEntity.Opportunity, Org.Opp1, Org.T0.AddHours(2), "cdc:won", ("StageName", "Closed Won"), ("Amount", 5000m));
        var key = Referral.IdForLead(Org.Lead1);

        var (forDeal, forLead) = await Store.InTransactionAsync(async (tx, ct) => (
            (await WorkingView.LoadAsync(tx, [won], ct)).RewardStateFor(key, Org.AdvocateId),
            (await WorkingView.LoadAsync(tx, [Org.LeadStatus("Working - Contacted", Org.T0.AddHours(3), "cdc:status")], ct)).RewardStateFor(key, Org.AdvocateId)),
            CancellationToken.None);

        // Loaded with the deal's batch: no entries and no wins yet is an answer, not a reason to read the tables again.
        Assert.NotNull(forDeal);
        Assert.Empty(forDeal.Value.Entries);
        Assert.Equal(0, forDeal.Value.OtherWins);
        Assert.Null(forLead); // a batch without opportunity changes does not load it
    }

    [Fact]
    public async Task ApplyBatchAsync_CreatedConvertedAndWonInOneBatch_EachChangeDecidesOnTheOnesBefore()
    {
        var sut = await CreateSutAsync();
        var won = Org.Updated(ChangeEntity.Opportunity, Org.Opp1, Org.T0.AddHours(2), "cdc:won",
            ("StageName", "Closed Won"), ("Amount", 5000m), ("CurrencyIsoCode", "USD"));

        var outcomes = await sut.ApplyBatchAsync(
            [new(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 1)), new(Org.Converted(Org.T0.AddHours(1), "cdc:convert"), StreamPosition.AtReplayId(Stream, 2)),
             new(won, StreamPosition.AtReplayId(Stream, 3))],
            CancellationToken.None);

        Assert.Equal([ApplyStatus.Applied, ApplyStatus.Applied, ApplyStatus.Applied], outcomes.Select(o => o.Status));
        Assert.Equal(1, outcomes[2].RewardEntries);
        var referral = await Store.GetReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None);
        Assert.Equal("Won", referral!.State);
        var history = await Store.GetHistoryAsync(referral.ReferralKey, CancellationToken.None);
        Assert.Equal(["Submitted", "Opportunity", "Won"], history.Select(h => h.ToState).Where(s => s is "Submitted" or "Opportunity" or "Won"));
        Assert.Equal(history.OrderBy(h => h.Id).Select(h => h.OccurredAt), history.Select(h => h.OccurredAt).Order());
        Assert.Equal([("Earned", 100m)], await QueryAsync<(string, decimal)>("SELECT kind, amount FROM reward_entries"));
        Assert.Equal(3, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));

        // The same batch again: every change is a duplicate and no row changes.
        var again = await sut.ApplyBatchAsync(
            [new(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 1)), new(Org.Converted(Org.T0.AddHours(1), "cdc:convert"), StreamPosition.AtReplayId(Stream, 2)),
             new(won, StreamPosition.AtReplayId(Stream, 3))],
            CancellationToken.None);
        Assert.All(again, o => Assert.Equal(ApplyStatus.Duplicate, o.Status));
        Assert.Equal(history.Count, (await Store.GetHistoryAsync(referral.ReferralKey, CancellationToken.None)).Count);
        Assert.Single(await QueryAsync<string>("SELECT kind FROM reward_entries"));
    }

    [Fact]
    public async Task ApplyBatchAsync_BackfillSizedBatch_WritesEveryRowThroughSeveralCommands()
    {
        // 1,500 referral leads write some 60,000 row values: more than one PostgreSQL round trip carries and many SQLite
        // statements; every row must land once, and the position with the last of them.
        var sut = await CreateSutAsync();
        var leads = Enumerable.Range(0, 1500).Select(i => $"00Q{i:D12}AAA").ToList();
        var batch = leads.Select((id, i) => new IncomingChange(
            Org.LeadCreated(id, Org.T0.AddSeconds(i), email: $"referee{i}@example.com"), i == leads.Count - 1 ? StreamPosition.AtReplayId(Stream, 1500) : null)).ToList();

        var appliedBefore = (await QueryAsync<long>("SELECT COUNT(*) FROM applied_events")).Single(); // the advocate's setup

        var outcomes = await sut.ApplyBatchAsync(batch, CancellationToken.None);

        Assert.All(outcomes, o => Assert.Equal(ApplyStatus.Applied, o.Status));
        Assert.Equal(leads.Order(StringComparer.Ordinal), await QueryAsync<string>("SELECT lead_id FROM referrals ORDER BY lead_id"));
        Assert.Equal(1500, (await QueryAsync<long>("SELECT COUNT(*) FROM referral_state_changes")).Single());
        Assert.Equal(appliedBefore + 1500, (await QueryAsync<long>("SELECT COUNT(*) FROM applied_events")).Single());
        Assert.Equal(1500, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));
        Assert.All(await sut.ApplyBatchAsync(batch, CancellationToken.None), o => Assert.Equal(ApplyStatus.Duplicate, o.Status));
    }

    [Fact]
    public async Task ApplyBatchAsync_SameChangeTwiceInOneBatch_AppliesItOnce()
    {
        var sut = await CreateSutAsync();

        var outcomes = await sut.ApplyBatchAsync(
            [new(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 1)), new(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 2))], CancellationToken.None);

        Assert.Equal([ApplyStatus.Applied, ApplyStatus.Duplicate], outcomes.Select(o => o.Status));
        Assert.Single(await QueryAsync<string>("SELECT referral_key FROM referrals"));
        Assert.Single(await QueryAsync<string>("SELECT to_state FROM referral_state_changes"));
        Assert.Single(await QueryAsync<string>("SELECT kind FROM outbox_messages WHERE kind = 'OwnerChange'"));
        Assert.Equal(2, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyBatchAsync_SecondLeadWithTheSameEmailInTheBatch_IsADuplicateOfTheFirst()
    {
        var sut = await CreateSutAsync();

        var outcomes = await sut.ApplyBatchAsync(
            [new(Org.LeadCreated(Org.Lead1, email: "pat@example.com"), null), new(Org.LeadCreated(Org.Lead2, at: Org.T0.AddMinutes(5), email: " PAT@example.com"), null)],
            CancellationToken.None);

        Assert.Equal([ApplyStatus.Applied, ApplyStatus.Applied], outcomes.Select(o => o.Status));
        Assert.Contains(outcomes[1].Decisions, d => d is DuplicateDetected);
        var second = await QueryAsync<(string State, string? DuplicateOf)>(
            "SELECT state, duplicate_of FROM referrals WHERE lead_id = '" + Org.Lead2 + "'");
        Assert.Equal([("Duplicate", Referral.IdForLead(Org.Lead1))], second);
    }

    [Fact]
    public async Task ApplyBatchAsync_WhileTheReferralIndexesAreDeferred_DuplicatesByEmailAreFoundAsWithThem()
    {
        const string lead3 = "00Q000000000003AAA", lead4 = "00Q000000000004AAA", lead5 = "00Q000000000005AAA",
            lead6 = "00Q000000000006AAA", lead7 = "00Q000000000007AAA", lead8 = "00Q000000000008AAA";
        var ct = CancellationToken.None;
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(Org.Lead1, email: "pat@example.com"), null, ct);
        await sut.ApplyAsync(Org.LeadCreated(Org.Lead2, email: "kim@example.com"), null, ct);

        // SQLite defers them (a load larger than the table); PostgreSQL keeps its indexes and must give the same answers.
        Assert.Equal(Provider == LedgerProvider.Sqlite, await Database.DeferredIndexes.DeferAsync(100, ct));
        Assert.Equal(Provider == LedgerProvider.Sqlite ? [WinsIndex] : DeferrableIndexes, await IndexesAsync());

        // Referrals from before the load (found by the deferral's scan), registered during it (recorded by their
        // transactions), and one whose email changed during it.
        await sut.ApplyBatchAsync([new(Org.LeadCreated(lead3, email: " PAT@example.com"), null), new(Org.LeadCreated(lead4, email: "sam@example.com"), null)], ct);
        await sut.ApplyBatchAsync([new(Org.Updated(ChangeEntity.Lead, Org.Lead2, Org.T0.AddHours(1), "cdc:lead2:email", ("Email", "lou@example.com")), null)], ct);
        await sut.ApplyBatchAsync(
            [new(Org.LeadCreated(lead5, email: "SAM@example.com"), null), new(Org.LeadCreated(lead6, email: "lou@example.com"), null), new(Org.LeadCreated(lead7, email: "kim@example.com"), null)],
            ct);
        await Database.DeferredIndexes.RestoreAsync(ct);
        Assert.False(Database.DeferredIndexes.Active);
        await sut.ApplyAsync(Org.LeadCreated(lead8, email: "Lou@Example.com"), null, ct);

        Assert.Equal(DeferrableIndexes, await IndexesAsync());
        var states = await QueryAsync<(string LeadId, string State, string? DuplicateOf)>("SELECT lead_id, state, duplicate_of FROM referrals ORDER BY lead_id");
        Assert.Equal(
            [
                (Org.Lead1, "Submitted", null), (Org.Lead2, "Submitted", null),
                (lead3, "Duplicate", Referral.IdForLead(Org.Lead1)), (lead4, "Submitted", null), (lead5, "Duplicate", Referral.IdForLead(lead4)),
                (lead6, "Duplicate", Referral.IdForLead(Org.Lead2)), (lead7, "Submitted", null), (lead8, "Duplicate", Referral.IdForLead(Org.Lead2)),
            ],
            states);
    }

    [Fact]
    public async Task DeferAsync_TableLargerThanTheLoad_KeepsTheIndexes()
    {
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(Org.Lead1, email: "pat@example.com"), null, CancellationToken.None);
        await sut.ApplyAsync(Org.LeadCreated(Org.Lead2, email: "kim@example.com"), null, CancellationToken.None);

        Assert.False(await Database.DeferredIndexes.DeferAsync(1, CancellationToken.None));

        Assert.False(Database.DeferredIndexes.Active);
        Assert.Equal(DeferrableIndexes, await IndexesAsync());
    }

    private const string WinsIndex = "ix_referrals_advocate_wins_load";

    private static readonly string[] DeferrableIndexes = ["ix_referrals_advocate_state", "ix_referrals_referee_email_key"];

    [Fact]
    public async Task RestoreAsync_AfterALeadLoadThatAnOpportunityLoadFollows_LeavesOnlyTheStateIndexForAfterIt()
    {
        var ct = CancellationToken.None;
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(Org.Lead1, email: "pat@example.com"), null, ct);
        var sqlite = Provider == LedgerProvider.Sqlite;

        Assert.Equal(sqlite, await Database.DeferredIndexes.DeferAsync(100, ct));
        await Database.DeferredIndexes.RestoreAsync(keepStateIndexDeferred: true, ct);

        // The email index is back (lookups read it again); the wins index still counts wins.
        Assert.False(Database.DeferredIndexes.Active);
        Assert.Equal(sqlite ? [WinsIndex, "ix_referrals_referee_email_key"] : DeferrableIndexes, await IndexesAsync());
        await sut.ApplyAsync(Org.LeadCreated(Org.Lead2, email: " PAT@example.com"), null, ct);
        Assert.Equal(["Submitted", "Duplicate"], await QueryAsync<string>("SELECT state FROM referrals ORDER BY lead_id"));

        // The opportunity load finds (advocate, state) still deferred: deferred for it too, whatever the counts say
        // (here more reward entries than opportunities coming, and twice as many referrals as those ten times over), so
        // that its end builds it.
        await ExecuteAsync($"""
            INSERT INTO reward_entries (idempotency_key, referral_key, advocate_id, beneficiary, kind, amount, currency, effective_on, reason, event_key, recorded_at)
            SELECT 'seeded', referral_key, advocate_id, 'Advocate', 'Earned', '100', 'USD', '2026-01-01', 'seeded', 'seeded', '2026-01-01T00:00:00.000000Z'
            FROM referrals WHERE lead_id = '{Org.Lead1}'
            """);
        Assert.Equal(sqlite, await Database.DeferredIndexes.DeferForOpportunitiesAsync(0, ct));
        Assert.Equal(sqlite ? [WinsIndex, "ix_referrals_referee_email_key"] : DeferrableIndexes, await IndexesAsync());
        await Database.DeferredIndexes.RestoreAsync(ct);
        Assert.Equal(DeferrableIndexes, await IndexesAsync());
    }

    private Task<List<string>> IndexesAsync() => QueryAsync<string>(Provider == LedgerProvider.Sqlite
        ? "SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('ix_referrals_advocate_state', 'ix_referrals_referee_email_key', 'ix_referrals_advocate_wins_load') ORDER BY name"
        : "SELECT indexname FROM pg_indexes WHERE indexname IN ('ix_referrals_advocate_state', 'ix_referrals_referee_email_key') ORDER BY indexname");

    [Fact]
    public async Task ApplyBatchAsync_QuarantinedChangeInTheMiddle_TheOthersApplyAndTheStreamMovesPastIt()
    {
        var sut = await CreateSutAsync();
        var unmapped = Org.LeadCreated(Org.Lead2, email: "sam@example.com", status: "Nurturing");

        var outcomes = await sut.ApplyBatchAsync(
            [new(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 1)), new(unmapped, StreamPosition.AtReplayId(Stream, 2)),
             new(unmapped, StreamPosition.AtReplayId(Stream, 3)), new(Org.LeadStatus("Working - Contacted", Org.T0.AddHours(1), "cdc:working"), StreamPosition.AtReplayId(Stream, 4))],
            CancellationToken.None);

        Assert.Equal([ApplyStatus.Applied, ApplyStatus.Quarantined, ApplyStatus.Quarantined, ApplyStatus.Applied], outcomes.Select(o => o.Status));
        var open = Assert.Single(await new QuarantineStore(Database, Time).ListOpenAsync(10, CancellationToken.None));
        Assert.Equal((unmapped.EventKey, "UnmappedStatus"), (open.SourceEventKey, open.ReasonCode));
        Assert.False(await Store.IsAppliedAsync(unmapped.EventKey, CancellationToken.None));
        Assert.Equal("Working", (await Store.GetReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None))!.State);
        Assert.Null(await Store.FindReferralByLeadAsync(Org.Lead2, CancellationToken.None));
        Assert.Equal(4, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyBatchAsync_FailureMidBatch_WritesNothingAndLeavesTheStreamWhereItWas()
    {
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(Org.Lead2, email: "sam@example.com"), StreamPosition.AtReplayId(Stream, 1), CancellationToken.None);
        var before = await QueryAsync<long>("""
            SELECT (SELECT COUNT(*) FROM referrals) + (SELECT COUNT(*) FROM referral_state_changes) + (SELECT COUNT(*) FROM audit_entries)
                 + (SELECT COUNT(*) FROM outbox_messages) + (SELECT COUNT(*) FROM applied_events) + (SELECT COUNT(*) FROM reward_entries)
            """);
        IncomingChange[] batch =
        [
            new(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 2)),
            new(Org.Converted(Org.T0.AddHours(1), "cdc:convert"), StreamPosition.AtReplayId(Stream, 3)),
            new(Org.Updated(ChangeEntity.Opportunity, Org.Opp1, Org.T0.AddHours(2), "cdc:won", ("StageName", "Closed Won"), ("Amount", 5000m), ("CurrencyIsoCode", "USD")),
                StreamPosition.AtReplayId(Stream, 4)),
        ];
        // The crash comes after the first two changes' rows were sent (the win reads the reward ledger first).
        sut.BeforeWrite = change =>
        {
            if (change.EventKey == "cdc:won")
            {
                throw new InvalidOperationException("simulated crash");
            }
        };

        await Assert.ThrowsAsync<InvalidOperationException>(() => sut.ApplyBatchAsync(batch, CancellationToken.None));

        Assert.Equal(before, await QueryAsync<long>("""
            SELECT (SELECT COUNT(*) FROM referrals) + (SELECT COUNT(*) FROM referral_state_changes) + (SELECT COUNT(*) FROM audit_entries)
                 + (SELECT COUNT(*) FROM outbox_messages) + (SELECT COUNT(*) FROM applied_events) + (SELECT COUNT(*) FROM reward_entries)
            """));
        Assert.Equal(1, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));

        sut.BeforeWrite = null;
        var redelivered = await sut.ApplyBatchAsync(batch, CancellationToken.None);
        Assert.All(redelivered, o => Assert.Equal(ApplyStatus.Applied, o.Status));
        Assert.Equal("Won", (await Store.GetReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None))!.State);
        Assert.Equal(4, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));
    }

    [Fact]
    public void ChangeJson_RoundTrip_KeepsTypedValuesNullsAndChangedFields()
    {
        var change = Org.Updated(ChangeEntity.Opportunity, Org.Opp1, Org.T0, "cdc:1",
            ("StageName", "Closed Won"), ("Amount", 1234.5600m), ("IsWon", true), ("CloseDate", new DateOnly(2025, 3, 2)),
            ("LastActivity", Org.T0.AddMinutes(3)), ("Reward_Amount_Override__c", null));

        var back = ChangeJson.Deserialize(ChangeJson.Serialize(change));

        Assert.Equal(ChangeJson.Serialize(change), ChangeJson.Serialize(back));
        Assert.Equal(change.Fields.OrderBy(f => f.Key), back.Fields.OrderBy(f => f.Key));
        Assert.Equal(1234.5600m.ToString(System.Globalization.CultureInfo.InvariantCulture), back.Value("Amount")!.ToString());
        Assert.True(back.ChangedFields.SetEquals(change.ChangedFields));
    }

    protected async Task ExecuteAsync(string sql)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql);
    }

    protected async Task<List<T>> QueryAsync<T>(string sql)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<T>(sql)];
    }
}

public sealed class SqliteReferralLedgerTests() : ReferralLedgerTests(new SqliteTestDatabases())
{
    // SQLite only: PostgreSQL defers no index (DeferredIndexes).
    [Fact]
    public async Task DeferForOpportunitiesAsync_WonCountsReadTheWinsIndexWhileStatesAreDeferred()
    {
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(), null, CancellationToken.None);
        Assert.True(await Database.DeferredIndexes.DeferForOpportunitiesAsync(1, CancellationToken.None));

        // The two forms the apply path counts an advocate's wins in (WorkingView, DomainRows): an index search each,
        // never a scan of every referral, which a large load would repeat for each batch.
        var batch = await PlanAsync(
            "EXPLAIN QUERY PLAN SELECT advocate_id, COUNT(*) AS won FROM referrals WHERE state = 'Won' AND advocate_id IN (SELECT value FROM json_each('[\"a\"]')) GROUP BY advocate_id");
        var single = await PlanAsync(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM referrals WHERE advocate_id = 'a' AND state = 'Won' AND referral_key <> 'k'");

        Assert.Contains(batch, step => step.Contains("ix_referrals_advocate_wins_load", StringComparison.Ordinal));
        Assert.Contains(single, step => step.Contains("ix_referrals_advocate_wins_load", StringComparison.Ordinal));
        Assert.DoesNotContain(batch.Concat(single), step => step.StartsWith("SCAN referrals", StringComparison.Ordinal));
    }

    private async Task<List<string>> PlanAsync(string explain) =>
        [.. (await QueryAsync<(long Id, long Parent, long NotUsed, string Detail)>(explain)).Select(step => step.Detail)];
}

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlReferralLedgerTests(PostgresFixture postgres) : ReferralLedgerTests(postgres)
{
    // PostgreSQL only: SQLite's writers exclude each other for the whole transaction, so the two cannot interleave.
    [Fact]
    public async Task ApplyAsync_SameChangeFromTwoInstancesInterleaved_AppliesOnceAndTheOtherReportsADuplicate()
    {
        var first = await CreateSutAsync();
        var second = new ReferralLedger(new LedgerStore(OpenDatabase(), Time), first.Program);
        var change = Org.LeadCreated();
        Task<ApplyOutcome>? secondApply = null;
        // The first instance has checked the event key and decided; before its rows go out, the second applies and commits.
        first.BeforeWrite = c =>
        {
            if (secondApply is null)
            {
                secondApply = second.ApplyAsync(c, null, CancellationToken.None);
                secondApply.GetAwaiter().GetResult();
            }
        };

        var outcome = await first.ApplyAsync(change, StreamPosition.AtReplayId("/data/LeadChangeEvent", 1), CancellationToken.None);

        Assert.Equal((ApplyStatus.Applied, ApplyStatus.Duplicate), ((await secondApply!).Status, outcome.Status));
        Assert.Single(await QueryAsync<string>("SELECT referral_key FROM referrals"));
        Assert.Single(await QueryAsync<string>("SELECT kind FROM outbox_messages WHERE kind = 'OwnerChange'"));
        Assert.Equal(1, await new CheckpointStore(Database, Time).GetReplayIdAsync("/data/LeadChangeEvent", CancellationToken.None));
    }

    // Read committed lets two writers read the same referral before either commits; the apply path locks the referrals
    // it reads and a payout locks its entry's referral. Each test stops the first transaction after it decided, lets the
    // second one run until it commits or waits on a lock, then lets the first commit.
    [Fact]
    public async Task RecordPayoutAsync_WhileAReversalIsBeingApplied_WaitsAndDoesNotPayTheCancelledReward()
    {
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(), null, CancellationToken.None);
        await sut.ApplyAsync(Org.Converted(Org.T0.AddHours(1), "cdc:convert"), null, CancellationToken.None);
        await sut.ApplyAsync(Org.Updated(ChangeEntity.Opportunity, Org.Opp1, Org.T0.AddHours(2), "cdc:won",
            ("StageName", "Closed Won"), ("Amount", 5000m), ("CurrencyIsoCode", "USD")), null, CancellationToken.None);
        var key = (await QueryAsync<string>("SELECT idempotency_key FROM reward_entries WHERE kind = 'Earned'")).Single();
        var payer = new LedgerStore(OpenDatabase(), Time);
        Task<PayoutOutcome>? payout = null;
        sut.BeforeWrite = change =>
        {
            // The reversal has read the entry unpaid and decided to cancel it.
            payout = payer.RecordPayoutAsync(key, "pay-1", Org.T0.AddDays(1), CancellationToken.None);
            WaitUntilDoneOrBlockedAsync(payout).GetAwaiter().GetResult();
        };

        var lost = await sut.ApplyAsync(Org.Stage("Closed Lost", Org.T0.AddDays(2), "cdc:lost"), null, CancellationToken.None);

        Assert.Equal((ApplyStatus.Applied, PayoutOutcome.NotPayable), (lost.Status, await payout!));
        Assert.Equal(["Earned", "Cancelled"], await QueryAsync<string>("SELECT kind FROM reward_entries ORDER BY id"));
        Assert.Empty(await QueryAsync<long>("SELECT reward_entry_id FROM reward_payouts"));
    }

    [Fact]
    public async Task ApplyAsync_TwoStreamsChangingTheSameReferralInterleaved_TheLaterBuildsOnTheEarlier()
    {
        var first = await CreateSutAsync();
        await first.ApplyAsync(Org.LeadCreated(), null, CancellationToken.None);
        var second = new ReferralLedger(new LedgerStore(OpenDatabase(), Time), first.Program);
        Task<ApplyOutcome>? secondApply = null;
        first.BeforeWrite = change =>
        {
            // The first stream decided Submitted → Working; the second brings a later status of the same lead.
            secondApply = second.ApplyAsync(Org.LeadStatus("Closed - Not Converted", Org.T0.AddHours(2), "catchup:closed"), null, CancellationToken.None);
            WaitUntilDoneOrBlockedAsync(secondApply).GetAwaiter().GetResult();
        };

        var working = await first.ApplyAsync(Org.LeadStatus("Working - Contacted", Org.T0.AddHours(1), "cdc:working"), null, CancellationToken.None);

        Assert.Equal((ApplyStatus.Applied, ApplyStatus.Applied), (working.Status, (await secondApply!).Status));
        var referral = await new LedgerStore(Database, Time).GetReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None);
        Assert.Equal("Disqualified", referral!.State);
        Assert.Equal(["Submitted", "Working", "Disqualified"],
            await QueryAsync<string>($"SELECT to_state FROM referral_state_changes WHERE referral_key = '{referral.ReferralKey}' ORDER BY id"));
    }

    /// <summary>Until <paramref name="other"/> finished, or its connection waits on a lock this test's first transaction holds.</summary>
    private async Task WaitUntilDoneOrBlockedAsync(Task other)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await Wait.UntilAsync(async () => other.IsCompleted || await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0,
            TimeSpan.FromSeconds(20), "the second transaction to commit or wait on a lock");
    }
}
