using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;
using Connector.Referrals.Tests.Support;
using static Connector.Referrals.Tests.Support.Org;

namespace Connector.Referrals.Tests.Processing;

public sealed class ReferralProcessorTests
{
    private static readonly ProgramConfig Config = Org.Config();

    private static Referral Registered(SalesforceChange? create = null) =>
        ReferralProcessor.Process(create ?? LeadCreated(), View(), Config).Referral!;

    [Fact]
    public void Process_ReferralLeadCreated_RegistersSubmittedWithDetailsAndRoutesToOwner()
    {
        var result = ReferralProcessor.Process(LeadCreated(), View(), Config);

        var referral = result.Referral!;
        Assert.Equal(Referral.IdForLead(Lead1), referral.Id);
        Assert.Equal(ReferralState.Submitted, referral.State);
        Assert.Equal(new Referee("Pat Lee", "Initech", "pat@example.com", "+1 555 0100"), referral.Referee);
        Assert.Equal(ReferralMethod.Verbal, referral.Method);
        Assert.Equal(Rep, referral.LoggedByUserId);
        Assert.Equal(T0, referral.LeadWatermark);
        var entry = Assert.Single(referral.History);
        Assert.Equal((null, ReferralState.Submitted, "R-REGISTER", "v1"), (entry.From, entry.To, entry.RuleId, entry.MappingVersion));

        Assert.Collection(result.Decisions,
            d => Assert.IsType<ReferralRegistered>(d),
            d =>
            {
                var routing = Assert.IsType<RoutingDecision>(d);
                Assert.Equal((RoutingAction.AssignToRep, Rep), (routing.Action, routing.OwnerId));
                Assert.True(routing.ChangesOwner);
            });
        Assert.True(result.MarksEventApplied);
    }

    [Fact]
    public void Process_LeadWithReferralCodeOnly_RegistersToTheCodesAdvocate()
    {
        var result = ReferralProcessor.Process(LeadCreated(advocate: null, code: " acme10 "), View(), Config);

        Assert.Equal(AdvocateId, result.Referral!.AdvocateId);
        Assert.Contains("referral code", result.OfType<ReferralRegistered>().Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Process_UnknownAdvocateButCodeMatches_RegistersToTheCodesAdvocate() =>
        Assert.Equal(AdvocateId, ReferralProcessor.Process(LeadCreated(advocate: "a00000000000009AAA", code: "ACME10"), View(), Config).Referral!.AdvocateId);

    [Fact]
    public void Process_UnknownAdvocateAndNoCodeMatch_Quarantined()
    {
        var result = ReferralProcessor.Process(LeadCreated(advocate: "a00000000000009AAA", code: "NOPE"), View(), Config);

        var q = Assert.IsType<Quarantined>(Assert.Single(result.Decisions));
        Assert.Equal(QuarantineCode.UnknownAdvocate, q.Code);
        Assert.Contains("'a00000000000009AAA' is not a known advocate", q.Reason, StringComparison.Ordinal);
        Assert.Contains("'NOPE' matches no advocate", q.Reason, StringComparison.Ordinal);
        Assert.Contains(Lead1, q.PayloadSummary, StringComparison.Ordinal);
        Assert.DoesNotContain("pat@example.com", q.PayloadSummary, StringComparison.Ordinal);
        Assert.Null(result.Referral);
        Assert.False(result.MarksEventApplied);
    }

    [Fact]
    public void Process_LeadWithoutAdvocateOrCode_IgnoredAsNotAReferral()
    {
        var result = ReferralProcessor.Process(LeadCreated(advocate: null), View(), Config);

        Assert.Equal(IgnoreCode.NotAReferral, Assert.IsType<Ignored>(Assert.Single(result.Decisions)).Code);
        Assert.False(result.MarksEventApplied);
    }

    [Fact]
    public void Process_OpportunityRowIgnoredBeforeLink_AppliesWhenTheLinksReReadBringsTheSameRow()
    {
        // Regression (randomized test, seed 15838): the catch-up row was ignored as "not linked", recorded as applied, and
        // the re-read after the conversion fetched the same "sync:{Id}:{SystemModstamp}" key, which was then skipped.
        var row = Stage("Closed Won", T0.AddDays(2), "sync:006:2d") with { IsSnapshot = true };
        var early = ReferralProcessor.Process(row, View(Registered()), Config);

        var linked = Run(Config, View(Registered()), Org.Converted(T0.AddDays(1), "cdc:4")).Referral!;
        var reread = ReferralProcessor.Process(row, View(linked) with { EventAlreadyApplied = early.MarksEventApplied }, Config);

        Assert.False(early.MarksEventApplied);
        Assert.Equal(ReferralState.Won, reread.Referral!.State);
    }

    [Fact]
    public void Process_PartialUpdateMakesLeadAReferral_AsksForTheWholeLead()
    {
        var result = ReferralProcessor.Process(Updated(ChangeEntity.Lead, Lead1, T0, "cdc:1", ("Advocate__c", AdvocateId)), View(), Config);

        Assert.Equal((ChangeEntity.Lead, Lead1), Assert.IsType<ResyncRequested>(Assert.Single(result.Decisions)) is var r ? (r.Entity, r.RecordId) : default);
    }

    [Fact]
    public void Process_UnmappedStatusOnCreate_QuarantinedWithVersion()
    {
        var q = ReferralProcessor.Process(LeadCreated(status: "Parked"), View(), Config).OfType<Quarantined>().Single();

        Assert.Equal((QuarantineCode.UnmappedStatus, "unmapped Lead Status 'Parked' in mapping v1"), (q.Code, q.Reason));
    }

    [Fact]
    public void Process_StatusChange_StateChangedWithRuleAndMappingVersion()
    {
        var (referral, results) = Run(Config, View(Registered()), LeadStatus("Working - Contacted", T0.AddHours(1), "cdc:2"));

        var change = Assert.IsType<StateChanged>(Assert.Single(results[0].Decisions));
        Assert.Equal((ReferralState.Submitted, ReferralState.Working, "T-ADVANCE", "v1"), (change.From, change.To, change.RuleId, change.MappingVersion));
        Assert.Contains("Lead Status 'Working - Contacted' → Working (mapping v1)", change.Reason, StringComparison.Ordinal);
        Assert.Equal(ReferralState.Working, referral!.State);
        Assert.Equal(2, referral.History.Count);
    }

    [Fact]
    public void Process_OlderCommitThanLastApplied_IgnoredAsStaleStateKept()
    {
        var (referral, results) = Run(Config, View(Registered()),
            LeadStatus("Closed - Not Converted", T0.AddHours(2), "cdc:3"),
            LeadStatus("Working - Contacted", T0.AddHours(1), "sync:lead:1h"));

        var ignored = Assert.IsType<Ignored>(Assert.Single(results[1].Decisions));
        Assert.Equal(IgnoreCode.Stale, ignored.Code);
        Assert.Contains("older than the last applied", ignored.Reason, StringComparison.Ordinal);
        Assert.Null(results[1].Referral);
        Assert.Equal(ReferralState.Disqualified, referral!.State);
    }

    [Fact]
    public void Process_EventAlreadyApplied_IgnoredWithoutNewValues()
    {
        var result = ReferralProcessor.Process(LeadStatus("Working - Contacted", T0.AddHours(1), "cdc:2"),
            View(Registered()) with { EventAlreadyApplied = true }, Config);

        Assert.Equal(IgnoreCode.AlreadyApplied, Assert.IsType<Ignored>(Assert.Single(result.Decisions)).Code);
        Assert.Null(result.Referral);
    }

    [Fact]
    public void Process_SameStatusAgain_NoDecisionOnlyWatermark()
    {
        var result = ReferralProcessor.Process(LeadStatus("Open - Not Contacted", T0.AddHours(1), "sync:x"), View(Registered()), Config);

        Assert.Empty(result.Decisions);
        Assert.Equal(T0.AddHours(1), result.Referral!.LeadWatermark);
    }

    [Fact]
    public void Process_UnmappedStatusOnUpdate_QuarantinedAndNotApplied()
    {
        var result = ReferralProcessor.Process(LeadStatus("Parked", T0.AddHours(1), "cdc:2"), View(Registered()), Config);

        Assert.Equal(QuarantineCode.UnmappedStatus, result.OfType<Quarantined>().Single().Code);
        Assert.Null(result.Referral);
        Assert.False(result.MarksEventApplied);
    }

    [Fact]
    public void Process_MappingAsksForIllegalTransition_QuarantinedNeverThrown()
    {
        var config = Config with { Mapping = Config.Mapping.Revise("v2", leadStatuses: [KeyValuePair.Create("Signed", ReferralState.Won)]) };

        var result = ReferralProcessor.Process(LeadStatus("Signed", T0.AddHours(1), "cdc:2"), View(Registered()), config);

        var q = result.OfType<Quarantined>().Single();
        Assert.Equal(QuarantineCode.IllegalTransition, q.Code);
        Assert.Contains("illegal transition Submitted → Won", q.Reason, StringComparison.Ordinal);
        Assert.Contains("mapping v2", q.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Process_Conversion_MovesToOpportunityLinksAndAsksForTheOpportunity()
    {
        var (referral, results) = Run(Config, View(Registered()), Org.Converted(T0.AddDays(1), "cdc:4"));

        Assert.Collection(results[0].Decisions,
            d => Assert.Equal(ReferralState.Opportunity, Assert.IsType<StateChanged>(d).To),
            d => Assert.Equal(Opp1, Assert.IsType<OpportunityLinked>(d).OpportunityId),
            d => Assert.Equal((ChangeEntity.Opportunity, Opp1), Assert.IsType<ResyncRequested>(d) is var r ? (r.Entity, r.RecordId) : default));
        Assert.Equal(Opp1, referral!.OpportunityId);
    }

    private static Referral Converted()
    {
        var (referral, _) = Run(Config, View(Registered()), Org.Converted(T0.AddDays(1), "cdc:4"));
        return referral!;
    }

    [Fact]
    public void Process_StageClosedWon_WinsAndRequestsRewardEvaluationWithDealFacts()
    {
        var won = Updated(ChangeEntity.Opportunity, Opp1, T0.AddDays(10), "cdc:5",
            ("StageName", "Closed Won"), ("Amount", 12_500.50m), ("CurrencyIsoCode", "EUR"), ("Reward_Amount_Override__c", 250m),
            ("CloseDate", new DateOnly(2025, 3, 11)));

        var (referral, results) = Run(Config, View(Converted()), won);

        var request = results[0].OfType<RewardEvaluationRequested>().Single();
        Assert.Equal(RewardTrigger.Won, request.Trigger);
        Assert.Equal(new Money(12_500.50m, "EUR"), request.Revenue);
        Assert.Equal(new Money(250m, "EUR"), request.RewardOverride);
        Assert.Equal(new DateOnly(2025, 3, 11), request.WonDate);
        Assert.Equal(T0.AddDays(10), request.WonAt);
        Assert.Equal((AdvocateId, Opp1, ReferralMethod.Verbal), (request.AdvocateId, request.OpportunityId, request.Method));
        Assert.False(request.IsReversal);
        Assert.Equal($"reward:{referral!.Id}:won:2025-03-11T09:00:00.000Z", request.IdempotencyKey);
        Assert.Equal(ReferralState.Won, referral.State);
        Assert.Equal(T0.AddDays(10), referral.WonAt);
    }

    [Fact]
    public void Process_RevenueFromConfiguredField_SingleCurrencyOrgUsesCorporateCurrency()
    {
        var config = Config with { RevenueField = "ExpectedRevenue", DefaultCurrency = "GBP", MultiCurrency = false };
        var won = Updated(ChangeEntity.Opportunity, Opp1, T0.AddDays(10), "cdc:5", ("StageName", "Closed Won"), ("Amount", 1m), ("ExpectedRevenue", 800m));

        var request = Run(config, View(Converted()), won).Results[0].OfType<RewardEvaluationRequested>().Single();

        Assert.Equal(new Money(800m, "GBP"), request.Revenue);
        Assert.Null(request.RewardOverride);
    }

    [Fact]
    public void Process_MultiCurrencyWinBeforeCurrencyKnown_RevenueWaitsForTheCurrency()
    {
        // Regression: a partial event carried the amount but not CurrencyIsoCode; the reward must not be computed in
        // the corporate currency (a JPY deal was rewarded in USD). It is evaluated again once the currency arrives.
        var config = Config with { DefaultCurrency = "USD", MultiCurrency = true };
        var (_, results) = Run(config, View(Converted()),
            Updated(ChangeEntity.Opportunity, Opp1, T0.AddDays(10), "cdc:5", ("StageName", "Closed Won"), ("Amount", 480000m)),
            Updated(ChangeEntity.Opportunity, Opp1, T0.AddDays(11), "cdc:6", ("CurrencyIsoCode", "JPY")));

        Assert.Null(results[0].OfType<RewardEvaluationRequested>().Single().Revenue);
        Assert.Equal(new Money(480000m, "JPY"), results[1].OfType<RewardEvaluationRequested>().Single().Revenue);
    }

    [Fact]
    public void Process_AmountChangedEarlierThenWon_RevenueFromMergedDeal()
    {
        var (_, results) = Run(Config, View(Converted()),
            Updated(ChangeEntity.Opportunity, Opp1, T0.AddDays(2), "cdc:5", ("Amount", 900m), ("CurrencyIsoCode", "USD")),
            Stage("Closed Won", T0.AddDays(3), "cdc:6"));

        Assert.Equal(new Money(900m, "USD"), results[1].OfType<RewardEvaluationRequested>().Single().Revenue);
    }

    [Theory]
    [InlineData("Closed Lost", ReferralState.Lost)]
    [InlineData("Negotiation/Review", ReferralState.Opportunity)]
    public void Process_WinReversed_RequestsReversalForThatWin(string stage, ReferralState to)
    {
        var (referral, results) = Run(Config, View(Converted()),
            Stage("Closed Won", T0.AddDays(10), "cdc:5"),
            Stage(stage, T0.AddDays(20), "cdc:6"));

        var change = results[1].OfType<StateChanged>().Single();
        Assert.Equal((ReferralState.Won, to, TransitionKind.Reversal), (change.From, change.To, change.Kind));
        var request = results[1].OfType<RewardEvaluationRequested>().Single();
        Assert.True(request.IsReversal);
        Assert.Equal(to, request.ReversedTo);
        Assert.Equal(T0.AddDays(10), request.WonAt);
        Assert.Equal($"reward:{referral!.Id}:reversed:2025-03-11T09:00:00.000Z", request.IdempotencyKey);
        Assert.Equal(T0.AddDays(20), request.ReversedAt);
        Assert.Null(referral.WonAt);

        var facts = request.ToRewardFacts(priorSuccessfulReferrals: 2);
        Assert.Equal((true, true, new DateOnly(2025, 3, 11), new DateOnly(2025, 3, 21), 2),
            (facts.Won, facts.Reversed, facts.WonDate, facts.ReversalDate, facts.PriorSuccessfulReferrals));
    }

    [Fact]
    public void Process_LostReopenedThenWon_NoRewardOnReopenOneOnWin()
    {
        var (referral, results) = Run(Config, View(Converted()),
            Stage("Closed Lost", T0.AddDays(10), "cdc:5"),
            Stage("Prospecting", T0.AddDays(11), "cdc:6"),
            Stage("Closed Won", T0.AddDays(12), "cdc:7"));

        Assert.Equal(TransitionKind.Reopen, results[1].OfType<StateChanged>().Single().Kind);
        Assert.Empty(results[1].OfType<RewardEvaluationRequested>());
        Assert.Single(results[2].OfType<RewardEvaluationRequested>());
        Assert.Equal(ReferralState.Won, referral!.State);
        Assert.Equal([ReferralState.Submitted, ReferralState.Opportunity, ReferralState.Lost, ReferralState.Opportunity, ReferralState.Won],
            referral.History.Select(h => h.To));
    }

    [Fact]
    public void Process_UnmappedStage_QuarantinedNamingStageAndVersion()
    {
        var config = Org.Config("v3");
        var referral = Run(config, View(Registered()), Org.Converted(T0.AddDays(1), "cdc:4")).Referral!;

        var q = ReferralProcessor.Process(Stage("Pilot", T0.AddDays(2), "cdc:5"), View(referral), config).OfType<Quarantined>().Single();

        Assert.Equal((QuarantineCode.UnmappedStage, "unmapped StageName 'Pilot' in mapping v3"), (q.Code, q.Reason));
    }

    [Fact]
    public void Process_RevenueNotANumber_QuarantinedAsBadValue()
    {
        var change = Updated(ChangeEntity.Opportunity, Opp1, T0.AddDays(2), "cdc:5", ("StageName", "Closed Won"), ("Amount", "lots"));

        var q = ReferralProcessor.Process(change, View(Converted()), Config).OfType<Quarantined>().Single();

        Assert.Equal(QuarantineCode.BadValue, q.Code);
        Assert.Contains("Amount on opportunity", q.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Process_OpportunityNotLinked_Ignored() =>
        Assert.Equal(IgnoreCode.NotAReferral, ReferralProcessor.Process(Stage("Closed Won", T0, "cdc:1"), View(Registered()), Config)
            .OfType<Ignored>().Single().Code);

    [Fact]
    public void Process_StaleOpportunitySnapshot_NeverRegressesAWin()
    {
        var (referral, results) = Run(Config, View(Converted()),
            Stage("Closed Won", T0.AddDays(10), "cdc:5"),
            Stage("Prospecting", T0.AddDays(2), "sync:opp:2d"));

        Assert.Equal(IgnoreCode.Stale, results[1].OfType<Ignored>().Single().Code);
        Assert.Equal(ReferralState.Won, referral!.State);
    }

    /// <summary>
    /// Regression (ExactlyOnceTests late re-reads, seed 63352): won at 54,282, reopened, the amount cut to 12,149, won
    /// again; a late re-read brought the final state (Won, 12,149) before the reopening and the re-win arrived, so the
    /// referral went Won → Won, the events in between were discarded as stale and the first win's reward stood on a
    /// revenue the deal no longer has.
    /// </summary>
    private static (Referral? Referral, List<ProcessingResult> Results) WonThenLateReReadThenStaleReversal() =>
        Run(Config, View(Converted()),
            Updated(ChangeEntity.Opportunity, Opp1, T0.AddDays(10), "cdc:5", ("StageName", "Closed Won"), ("Amount", 54_282m), ("CurrencyIsoCode", "USD")),
            Updated(ChangeEntity.Opportunity, Opp1, T0.AddDays(12), "sync:opp:12d", ("StageName", "Closed Won"), ("Amount", 12_149m), ("CurrencyIsoCode", "USD")) with { IsSnapshot = true },
            Stage("Negotiation/Review", T0.AddDays(11), "cdc:6"),
            Updated(ChangeEntity.Opportunity, Opp1, T0.AddDays(11).AddHours(1), "cdc:7", ("Amount", 12_149m)),
            Stage("Closed Won", T0.AddDays(11).AddHours(2), "cdc:8"),
            Stage("Negotiation/Review", T0.AddDays(11), "cdc:6"));

    [Fact]
    public void Process_StaleReversalAfterTheWinBehindALateReRead_ReversesThatWinAndReWinsAtTheReRead()
    {
        var (referral, results) = WonThenLateReReadThenStaleReversal();

        Assert.Empty(results[1].Decisions);
        var changes = results[2].OfType<StateChanged>().ToList();
        Assert.Equal(
            [(ReferralState.Won, ReferralState.Opportunity, TransitionKind.Reversal, T0.AddDays(11)), (ReferralState.Opportunity, ReferralState.Won, TransitionKind.Close, T0.AddDays(12))],
            changes.Select(c => (c.From, c.To, c.Kind, c.At)));
        var requests = results[2].OfType<RewardEvaluationRequested>().ToList();
        Assert.Equal(
            [(RewardTrigger.WinReversed, T0.AddDays(10), (DateTimeOffset?)T0.AddDays(11)), (RewardTrigger.Won, T0.AddDays(12), null)],
            requests.Select(r => (r.Trigger, r.WonAt, r.ReversedAt)));
        Assert.Equal(new Money(12_149m, "USD"), requests[1].Revenue);
        Assert.Equal((ReferralState.Won, T0.AddDays(12), T0.AddDays(12)), (referral!.State, referral.WonAt, referral.OpportunityWatermark));

        // The re-win's own events, and the reversal redelivered, are older than the re-win now: stale.
        Assert.All(results.Skip(3), r => Assert.Equal(IgnoreCode.Stale, r.OfType<Ignored>().Single().Code));
    }

    [Fact]
    public void Process_StaleReversalAfterTheWinBehindALateReRead_RewardsEndAtTheReWinsRevenue()
    {
        var rules = new RewardRules { RuleId = "share", Version = 1, Advocate = new RevenueShareReward(10m), RetentionDays = 90 };
        var ledger = new List<RewardEntry>();
        foreach (var request in WonThenLateReReadThenStaleReversal().Results.SelectMany(r => r.OfType<RewardEvaluationRequested>()))
        {
            ledger.AddRange(RewardEngine.Evaluate(request.ToRewardFacts(0), rules, ledger, new HashSet<string>(), new DateOnly(2026, 1, 1)).NewEntries);
        }

        Assert.Equal(
            [(RewardEntryKind.Earned, 5_428.20m, 0), (RewardEntryKind.Cancelled, -5_428.20m, 0), (RewardEntryKind.Earned, 1_214.90m, 1)],
            ledger.Select(e => (e.Kind, e.Amount.Amount, e.Cycle)));
    }

    [Fact]
    public void Process_StaleReversalBeforeTheWin_StaysStale()
    {
        var (referral, results) = Run(Config, View(Converted()),
            Stage("Closed Won", T0.AddDays(10), "cdc:5"),
            Stage("Closed Won", T0.AddDays(12), "sync:opp:12d") with { IsSnapshot = true },
            Stage("Closed Lost", T0.AddDays(9), "cdc:4"));

        Assert.Equal(IgnoreCode.Stale, results[2].OfType<Ignored>().Single().Code);
        Assert.Equal(T0.AddDays(10), referral!.WonAt);
    }

    [Fact]
    public void Process_LeadSnapshotAfterConversion_OpportunityKeepsDrivingState()
    {
        var lead = LeadCreated(at: T0.AddDays(10), status: "Closed - Converted", key: "sync:lead") with
        {
            Kind = ChangeKind.Update,
        };

        var (referral, results) = Run(Config, View(Converted()), Stage("Closed Won", T0.AddDays(5), "cdc:5"), lead);

        Assert.Empty(results[1].OfType<StateChanged>());
        Assert.Equal(ReferralState.Won, referral!.State);
    }

    [Fact]
    public void Process_GapEvent_AsksToReReadTheRecord() =>
        Assert.IsType<ResyncRequested>(Assert.Single(ReferralProcessor.Process(
            LeadStatus("x", T0, "cdc:9") with { Kind = ChangeKind.Gap }, View(Registered()), Config).Decisions));

    [Fact]
    public void Process_ReferralLeadDeleted_QuarantinedForReview()
    {
        var result = ReferralProcessor.Process(LeadStatus("x", T0.AddDays(1), "cdc:9") with { Kind = ChangeKind.Delete }, View(Registered()), Config);

        Assert.Equal(QuarantineCode.RecordDeleted, result.OfType<Quarantined>().Single().Code);
    }

    [Fact]
    public void RetentionDue_BeforeAndAfterThePeriod()
    {
        var won = Run(Config, View(Converted()), Stage("Closed Won", T0.AddDays(10), "cdc:5")).Referral!;
        var retention = TimeSpan.FromDays(90);

        Assert.Null(ReferralProcessor.RetentionDue(won, T0.AddDays(99), retention));
        var request = ReferralProcessor.RetentionDue(won, T0.AddDays(100), retention)!;
        Assert.Equal(RewardTrigger.RetentionElapsed, request.Trigger);
        Assert.Equal($"reward:{won.Id}:retention:2025-03-11T09:00:00.000Z", request.IdempotencyKey);
        Assert.Equal(request, ReferralProcessor.RetentionDue(won, T0.AddDays(200), retention));
        Assert.Null(ReferralProcessor.RetentionDue(won with { State = ReferralState.Lost, WonAt = null }, T0.AddDays(200), retention));
    }
}
