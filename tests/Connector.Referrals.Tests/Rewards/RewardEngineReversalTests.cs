using Connector.Referrals.Rewards;
using static Connector.Referrals.Tests.Rewards.RewardTestData;

namespace Connector.Referrals.Tests.Rewards;

public sealed class RewardEngineReversalTests
{
    private static RewardFacts ReversedOn(DateOnly on, DateOnly? wonOn = null) => Facts(wonOn) with { Reversed = true, ReversalDate = on };

    [Fact]
    public void Evaluate_ReversedInsideRetentionNothingPaid_CancelsEverything()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(30)), MultiStageRules(), WonOn.AddDays(31));

        Assert.All(result.NewEntries, e => Assert.Equal(RewardEntryKind.Cancelled, e.Kind));
        Assert.Equal([-25m, -75m], result.NewEntries.Select(e => e.Amount.Amount));
        Assert.All(result.NewEntries, e => Assert.Equal(WonOn.AddDays(30), e.EffectiveDate));
        Assert.Equal(new RewardBalance("USD", 0, 0, 0, 0), ledger.Balance());
    }

    [Fact]
    public void Evaluate_ReversedAfterPartialPayment_ClawsBackThePaidAndCancelsTheRest()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.PayOutstanding();

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(60)), MultiStageRules(), WonOn.AddDays(60));

        Assert.Collection(
            result.NewEntries,
            clawback =>
            {
                Assert.Equal((RewardEntryKind.Clawback, Usd(-25)), (clawback.Kind, clawback.Amount));
                Assert.Equal("rw:ref-1:acme@v1:c0:advocate.won:earned", clawback.RelatedEntryKey);
                Assert.Contains("inside the retention period ending 2025-06-01: claws back paid Earned 25.00 USD", clawback.Reason, StringComparison.Ordinal);
            },
            cancelled => Assert.Equal((RewardEntryKind.Cancelled, Usd(-75)), (cancelled.Kind, cancelled.Amount)));
        Assert.Equal(new RewardBalance("USD", Paid: 25, ClawedBack: -25, Pending: 0, Scheduled: 0), ledger.Balance());
    }

    [Fact]
    public void Evaluate_ReversedAfterMaturedUnpaid_CancelsTheMaturedEntryNotTheScheduled()
    {
        // Retention longer than the stage delay: the stage matures at 30 days but stays revocable until 90.
        var rules = MultiStageRules() with { Stages = [new RewardStage("won", 0, Percent: 25m), new RewardStage("retained", 30, Percent: 75m)], RetentionDays = 90 };
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), rules, WonOn);
        ledger.Evaluate(Facts(), rules, WonOn.AddDays(30));

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(45)), rules, WonOn.AddDays(45));

        Assert.Equal(
            ["rw:ref-1:acme@v1:c0:advocate.won:earned", "rw:ref-1:acme@v1:c0:advocate.retained:matured"],
            result.NewEntries.Select(e => e.RelatedEntryKey));
        Assert.Equal(0m, ledger.Balance().NetEarned);
    }

    [Fact]
    public void Evaluate_ReversedExactlyWhenRetentionEnds_ChangesNothingAndMatures()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(90)), MultiStageRules(), WonOn.AddDays(90));

        Assert.Equal(RewardEntryKind.Matured, Assert.Single(result.NewEntries).Kind);
        Assert.Contains(result.Issues, i => i.Code == RewardIssueCode.ReversalAfterRetention);
        Assert.Equal(100m, ledger.Balance().NetEarned);
    }

    [Fact]
    public void Evaluate_ReversedDayBeforeRetentionEnds_Voids()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(89)), MultiStageRules(), WonOn.AddDays(120));

        Assert.Equal(2, result.NewEntries.Count(e => e.Kind == RewardEntryKind.Cancelled));
        Assert.DoesNotContain(result.NewEntries, e => e.Kind == RewardEntryKind.Matured);
    }

    [Fact]
    public void Evaluate_ReversedAfterRetentionPaid_DoesNothing()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn.AddDays(90));
        ledger.PayOutstanding();

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(200)), MultiStageRules(), WonOn.AddDays(200));

        Assert.Empty(result.NewEntries);
        Assert.Equal(new RewardBalance("USD", 100, 0, 0, 0), ledger.Balance());
    }

    [Fact]
    public void Evaluate_ReversedAfterRetentionNeverEvaluatedInBetween_MaturesWhatStoodNotLater()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(95)), MultiStageRules(), WonOn.AddDays(300));

        var matured = Assert.Single(result.NewEntries);
        Assert.Equal(WonOn.AddDays(90), matured.EffectiveDate);
    }

    [Fact]
    public void Evaluate_FlatNoRetention_ReversalTheSameDayStands()
    {
        // No retention period: the reward stands from the win; documented, since a program wanting clawbacks sets RetentionDays.
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), FlatRules(), WonOn);

        Assert.Empty(ledger.Evaluate(ReversedOn(WonOn), FlatRules(), WonOn).NewEntries);
    }

    [Fact]
    public void Evaluate_FlatWithRetention_ReversalInsideCancels()
    {
        var rules = FlatRules() with { RetentionDays = 30 };
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), rules, WonOn);

        var cancelled = Assert.Single(ledger.Evaluate(ReversedOn(WonOn.AddDays(29)), rules, WonOn.AddDays(29)).NewEntries);

        Assert.Equal(RewardEntryKind.Cancelled, cancelled.Kind);
    }

    [Fact]
    public void Evaluate_ReversedTwice_VoidsOnce()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.Evaluate(ReversedOn(WonOn.AddDays(10)), MultiStageRules(), WonOn.AddDays(10));

        Assert.Empty(ledger.Evaluate(ReversedOn(WonOn.AddDays(10)), MultiStageRules(), WonOn.AddDays(11)).NewEntries);
    }

    [Fact]
    public void Evaluate_WonAndReversedInsideRetentionBeforeFirstEvaluation_EarnsNothing()
    {
        var result = RewardEngine.Evaluate(ReversedOn(WonOn.AddDays(10)), MultiStageRules(), [], new HashSet<string>(), WonOn.AddDays(10));

        Assert.Empty(result.NewEntries);
    }

    [Fact]
    public void Evaluate_WonAndReversedAfterRetentionBeforeFirstEvaluation_EarnsAll()
    {
        var result = RewardEngine.Evaluate(ReversedOn(WonOn.AddDays(120)), MultiStageRules(), [], new HashSet<string>(), WonOn.AddDays(150));

        Assert.Equal([RewardEntryKind.Earned, RewardEntryKind.Scheduled, RewardEntryKind.Matured], result.NewEntries.Select(e => e.Kind));
    }

    [Fact]
    public void Evaluate_NoLongerWonWithoutReversalDate_UsesTodayAndSaysSo()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        var result = ledger.Evaluate(NotWon(), MultiStageRules(), WonOn.AddDays(5));

        Assert.All(result.NewEntries, e => Assert.Equal(WonOn.AddDays(5), e.EffectiveDate));
        Assert.Equal(2, result.NewEntries.Count);
        Assert.Contains(result.Issues, i => i.Code == RewardIssueCode.ReversalDateMissing);
    }

    [Fact]
    public void Evaluate_ReWonAfterCancellation_EarnsExactlyOnceMore()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.Evaluate(ReversedOn(WonOn.AddDays(20)), MultiStageRules(), WonOn.AddDays(20));

        var rewon = ledger.Evaluate(Facts(WonOn.AddDays(40)), MultiStageRules(), WonOn.AddDays(40));
        var again = ledger.Evaluate(Facts(WonOn.AddDays(40)), MultiStageRules(), WonOn.AddDays(41));

        Assert.Equal(["rw:ref-1:acme@v1:c1:advocate.won:earned", "rw:ref-1:acme@v1:c1:advocate.retained:scheduled"], rewon.NewEntries.Select(e => e.IdempotencyKey));
        Assert.Equal(WonOn.AddDays(130), rewon.NewEntries[1].MaturesOn);
        Assert.Empty(again.NewEntries);
        Assert.Equal(new RewardBalance("USD", 0, 0, 25, 75), ledger.Balance());
    }

    [Fact]
    public void Evaluate_ReWonAfterClawback_NetsToOneReward()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.PayOutstanding();
        ledger.Evaluate(ReversedOn(WonOn.AddDays(20)), MultiStageRules(), WonOn.AddDays(20));

        ledger.Evaluate(Facts(WonOn.AddDays(40)), MultiStageRules(), WonOn.AddDays(40));
        ledger.Evaluate(Facts(WonOn.AddDays(40)), MultiStageRules(), WonOn.AddDays(130));
        ledger.PayOutstanding();

        Assert.Equal(new RewardBalance("USD", Paid: 125, ClawedBack: -25, Pending: 0, Scheduled: 0), ledger.Balance());
        Assert.Equal(100m, ledger.Balance().NetEarned);
    }

    [Fact]
    public void Evaluate_ReWonAfterReversalPastRetention_EarnsNothingNew()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.Evaluate(ReversedOn(WonOn.AddDays(100)), MultiStageRules(), WonOn.AddDays(100));

        var rewon = ledger.Evaluate(Facts(WonOn.AddDays(150)), MultiStageRules(), WonOn.AddDays(150));

        Assert.Empty(rewon.NewEntries);
        Assert.Equal(100m, ledger.Balance().NetEarned);
    }

    [Fact]
    public void Evaluate_ReWinSeenWithoutTheReversal_VoidsTheEarlierWinInsideRetentionAndRestarts()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.PayOutstanding();

        var result = ledger.Evaluate(Facts(WonOn.AddDays(50)), MultiStageRules(), WonOn.AddDays(50));

        Assert.Equal(
            [RewardEntryKind.Clawback, RewardEntryKind.Cancelled, RewardEntryKind.Earned, RewardEntryKind.Scheduled],
            result.NewEntries.Select(e => e.Kind));
        Assert.Equal(100m, ledger.Balance().NetEarned + ledger.Balance().Scheduled);
    }

    [Fact]
    public void Evaluate_ReWinSeenWithoutTheReversalAfterRetention_KeepsTheEarlierWinWithIssue()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        var result = ledger.Evaluate(Facts(WonOn.AddDays(120)), MultiStageRules(), WonOn.AddDays(120));

        Assert.Equal(RewardEntryKind.Matured, Assert.Single(result.NewEntries).Kind);
        Assert.Contains(result.Issues, i => i.Code == RewardIssueCode.ReversalDateUnknown);
    }

    [Fact]
    public void Evaluate_StaleFactsOfAnOlderWin_IgnoredWithIssue()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.Evaluate(ReversedOn(WonOn.AddDays(10)), MultiStageRules(), WonOn.AddDays(10));
        ledger.Evaluate(Facts(WonOn.AddDays(20)), MultiStageRules(), WonOn.AddDays(20));

        var replayOfReversal = ledger.Evaluate(ReversedOn(WonOn.AddDays(10)), MultiStageRules(), WonOn.AddDays(25));
        var replayOfFirstWin = ledger.Evaluate(Facts(), MultiStageRules(), WonOn.AddDays(25));

        Assert.Empty(replayOfReversal.NewEntries);
        Assert.Empty(replayOfFirstWin.NewEntries);
        Assert.Equal(RewardIssueCode.StaleFacts, Assert.Single(replayOfReversal.Issues).Code);
        Assert.Equal(RewardIssueCode.StaleFacts, Assert.Single(replayOfFirstWin.Issues).Code);
    }

    [Fact]
    public void Evaluate_ReplayOfTheVoidedWinStanding_DoesNotEarnAgain()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.Evaluate(ReversedOn(WonOn.AddDays(10)), MultiStageRules(), WonOn.AddDays(10));

        var replay = ledger.Evaluate(Facts(), MultiStageRules(), WonOn.AddDays(11));

        Assert.Empty(replay.NewEntries);
        Assert.Equal(RewardIssueCode.StaleFacts, Assert.Single(replay.Issues).Code);
    }

    private static readonly DateTimeOffset FirstWinAt = new(2025, 3, 3, 7, 59, 0, TimeSpan.Zero);

    private static RewardFacts WonAt(DateTimeOffset at) => Facts(DateOnly.FromDateTime(at.UtcDateTime)) with { WonAt = at };

    [Fact]
    public void Evaluate_SameDayReverseAndReWin_EarnsAgain()
    {
        // Won 07:59, reversed 13:24, won again 17:14: in Salesforce a new win, though it has the voided win's date.
        var ledger = new TestLedger();
        ledger.Evaluate(WonAt(FirstWinAt), MultiStageRules(), WonOn);
        ledger.Evaluate(WonAt(FirstWinAt) with { Reversed = true, ReversalDate = WonOn }, MultiStageRules(), WonOn);
        var reWinAt = FirstWinAt.AddHours(9).AddMinutes(15);

        var result = ledger.Evaluate(WonAt(reWinAt), MultiStageRules(), WonOn);

        Assert.Equal(
            ["rw:ref-1:acme@v1:c1:advocate.won:earned", "rw:ref-1:acme@v1:c1:advocate.retained:scheduled"],
            result.NewEntries.Select(e => e.IdempotencyKey));
        Assert.All(result.NewEntries, e => Assert.Equal((WonOn, reWinAt), (e.WonDate, e.WonAt)));
        Assert.Empty(result.Issues);
        Assert.Equal(100m, ledger.Balance().NetEarned + ledger.Balance().Scheduled);
    }

    [Fact]
    public void Evaluate_SameDayReWinThenReplaysOfTheFirstWin_IgnoredWithIssue()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(WonAt(FirstWinAt), MultiStageRules(), WonOn);
        ledger.Evaluate(WonAt(FirstWinAt) with { Reversed = true, ReversalDate = WonOn }, MultiStageRules(), WonOn);
        ledger.Evaluate(WonAt(FirstWinAt.AddHours(9)), MultiStageRules(), WonOn);

        var replayOfFirstWin = ledger.Evaluate(WonAt(FirstWinAt), MultiStageRules(), WonOn.AddDays(1));
        var replayOfReversal = ledger.Evaluate(WonAt(FirstWinAt) with { Reversed = true, ReversalDate = WonOn }, MultiStageRules(), WonOn.AddDays(1));

        // Compared by day, the replayed reversal would have voided the re-win.
        Assert.Empty(replayOfFirstWin.NewEntries);
        Assert.Empty(replayOfReversal.NewEntries);
        Assert.Equal(RewardIssueCode.StaleFacts, Assert.Single(replayOfFirstWin.Issues).Code);
        Assert.Equal(RewardIssueCode.StaleFacts, Assert.Single(replayOfReversal.Issues).Code);
        Assert.Equal(100m, ledger.Balance().NetEarned + ledger.Balance().Scheduled);
    }

    [Fact]
    public void Evaluate_ReplayOfTheSameWinAfterItsReversal_EarnsNothing()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(WonAt(FirstWinAt), MultiStageRules(), WonOn);
        ledger.Evaluate(WonAt(FirstWinAt) with { Reversed = true, ReversalDate = WonOn }, MultiStageRules(), WonOn);

        var replay = ledger.Evaluate(WonAt(FirstWinAt), MultiStageRules(), WonOn.AddDays(1));

        Assert.Empty(replay.NewEntries);
        Assert.Equal(RewardIssueCode.StaleFacts, Assert.Single(replay.Issues).Code);
        Assert.Equal(0m, ledger.Balance().NetEarned + ledger.Balance().Scheduled);
    }

    [Fact]
    public void Evaluate_SameDayReWinWithoutInstants_TreatedAsReplay()
    {
        // Entries or facts without the instant (written before it was kept) can only be compared by day.
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.Evaluate(ReversedOn(WonOn), MultiStageRules(), WonOn);

        var reWin = ledger.Evaluate(WonAt(FirstWinAt.AddHours(9)), MultiStageRules(), WonOn);

        Assert.Empty(reWin.NewEntries);
        Assert.Equal(RewardIssueCode.StaleFacts, Assert.Single(reWin.Issues).Code);
    }

    [Fact]
    public void Evaluate_PaidAfterCancellation_ClawsBackOnce()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);
        ledger.Evaluate(ReversedOn(WonOn.AddDays(10)), MultiStageRules(), WonOn.AddDays(10));
        ledger.Paid.Add("rw:ref-1:acme@v1:c0:advocate.won:earned"); // the payout raced the cancellation

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(10)), MultiStageRules(), WonOn.AddDays(12));
        var again = ledger.Evaluate(ReversedOn(WonOn.AddDays(10)), MultiStageRules(), WonOn.AddDays(13));

        var clawback = Assert.Single(result.NewEntries);
        Assert.Equal((RewardEntryKind.Clawback, Usd(-25)), (clawback.Kind, clawback.Amount));
        Assert.Equal(RewardIssueCode.PaidAfterCancellation, Assert.Single(result.Issues).Code);
        Assert.Empty(again.NewEntries);
        Assert.Equal(0m, ledger.Balance().NetEarned);
    }

    [Fact]
    public void Evaluate_DoubleSidedReversedAfterRefereePaid_ClawsBackTheRefereeToo()
    {
        var rules = MultiStageRules() with { Referee = new FlatReward(Usd(50)) };
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), rules, WonOn);
        ledger.Paid.Add("rw:ref-1:acme@v1:c0:referee.referee:earned");

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(5)), rules, WonOn.AddDays(5));

        Assert.Equal(RewardEntryKind.Clawback, result.NewEntries.Single(e => e.Beneficiary == RewardBeneficiary.Referee).Kind);
        Assert.Equal(0m, ledger.BalanceOf(RewardBeneficiary.Referee).NetEarned);
        Assert.Equal(0m, ledger.BalanceOf(RewardBeneficiary.Advocate).NetEarned);
    }

    [Fact]
    public void Evaluate_ReversalDatedBeforeTheWin_TreatedAsOnTheWinWithIssue()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        var result = ledger.Evaluate(ReversedOn(WonOn.AddDays(-3)), MultiStageRules(), WonOn.AddDays(1));

        Assert.All(result.NewEntries, e => Assert.Equal(WonOn, e.EffectiveDate));
        Assert.Contains(result.Issues, i => i.Code == RewardIssueCode.ReversalBeforeWin);
    }
}
