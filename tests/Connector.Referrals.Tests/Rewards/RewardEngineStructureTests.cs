using Connector.Referrals.Rewards;
using static Connector.Referrals.Tests.Rewards.RewardTestData;

namespace Connector.Referrals.Tests.Rewards;

public sealed class RewardEngineStructureTests
{
    [Fact]
    public void Evaluate_FlatWon_EarnsOnTheWinWithDeterministicKeyAndReason()
    {
        var ledger = new TestLedger();

        var result = ledger.Evaluate(Facts(), FlatRules(), WonOn);

        var entry = Assert.Single(result.NewEntries);
        Assert.Equal(RewardEntryKind.Earned, entry.Kind);
        Assert.Equal(Usd(100), entry.Amount);
        Assert.Equal(WonOn, entry.EffectiveDate);
        Assert.Equal("adv-1", entry.BeneficiaryId);
        Assert.Equal(RewardBeneficiary.Advocate, entry.Beneficiary);
        Assert.Equal("rw:ref-1:acme@v1:c0:advocate.won:earned", entry.IdempotencyKey);
        Assert.Equal("acme@v1 stage 'won' (0 days after the win): flat 100.00 USD", entry.Reason);
        Assert.Empty(result.Issues);
    }

    [Fact]
    public void Evaluate_SameFactsTwice_EmitsNothingTheSecondTime()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules() with { Referee = new FlatReward(Usd(50)) }, WonOn);

        var again = ledger.Evaluate(Facts(), MultiStageRules() with { Referee = new FlatReward(Usd(50)) }, WonOn);

        Assert.Empty(again.NewEntries);
    }

    [Fact]
    public void Evaluate_SameInputs_SameKeysEachTime()
    {
        var first = RewardEngine.Evaluate(Facts(), MultiStageRules(), [], new HashSet<string>(), WonOn.AddDays(100));
        var second = RewardEngine.Evaluate(Facts(), MultiStageRules(), [], new HashSet<string>(), WonOn.AddDays(100));

        Assert.Equal(first.NewEntries.Select(e => e.IdempotencyKey), second.NewEntries.Select(e => e.IdempotencyKey));
        Assert.Equal(3, first.NewEntries.Count);
    }

    [Fact]
    public void Evaluate_NotWon_EarnsNothing() =>
        Assert.Empty(RewardEngine.Evaluate(NotWon(), FlatRules(), [], new HashSet<string>(), WonOn).NewEntries);

    [Fact]
    public void Evaluate_WonDateAfterToday_EarnsNothingAndSaysWhy()
    {
        var result = RewardEngine.Evaluate(Facts(), FlatRules(), [], new HashSet<string>(), WonOn.AddDays(-1));

        Assert.Empty(result.NewEntries);
        Assert.Equal(RewardIssueCode.WonDateInFuture, Assert.Single(result.Issues).Code);
    }

    [Fact]
    public void Evaluate_WonWithoutDate_ReportsFactsInvalid()
    {
        var result = RewardEngine.Evaluate(Facts() with { WonDate = null }, FlatRules(), [], new HashSet<string>(), WonOn);

        Assert.Empty(result.NewEntries);
        Assert.Equal(RewardIssueCode.FactsInvalid, Assert.Single(result.Issues).Code);
    }

    [Fact]
    public void Evaluate_ReopenAfterLoss_EarnsOnlyWhenWon()
    {
        var ledger = new TestLedger();

        Assert.Empty(ledger.Evaluate(NotWon(), FlatRules(), WonOn.AddDays(-10)).NewEntries);
        var won = ledger.Evaluate(Facts(), FlatRules(), WonOn);

        Assert.Equal(Usd(100), Assert.Single(won.NewEntries).Amount);
    }

    [Fact]
    public void Evaluate_RevenueShareAboveCap_CapsAndSaysSo()
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m, Cap: Eur(2000)) };

        var entry = Assert.Single(RewardEngine.Evaluate(Facts(revenue: Eur(48000)), rules, [], new HashSet<string>(), WonOn).NewEntries);

        Assert.Equal(Eur(2000), entry.Amount);
        Assert.EndsWith("10% of 48,000.00 EUR capped at 2,000.00 EUR", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_RevenueShareBetweenFloorAndCap_IsTheShareRounded()
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(7.5m, Floor: Eur(100), Cap: Eur(2000)) };

        var entry = Assert.Single(RewardEngine.Evaluate(Facts(revenue: Eur(12345.67m)), rules, [], new HashSet<string>(), WonOn).NewEntries);

        // 7.5% of 12,345.67 = 925.92525 → rounded half away from zero to 925.93
        Assert.Equal(Eur(925.93m), entry.Amount);
        Assert.EndsWith("7.5% of 12,345.67 EUR = 925.93 EUR", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_RevenueShareBelowFloor_RaisesToFloor()
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m, Floor: Eur(500), Cap: Eur(2000)) };

        var entry = Assert.Single(RewardEngine.Evaluate(Facts(revenue: Eur(1000)), rules, [], new HashSet<string>(), WonOn).NewEntries);

        Assert.Equal(Eur(500), entry.Amount);
        Assert.EndsWith("10% of 1,000.00 EUR raised to the floor of 500.00 EUR", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_RevenueShareExactlyAtCap_IsNotMarkedCapped()
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m, Cap: Eur(2000)) };

        var entry = Assert.Single(RewardEngine.Evaluate(Facts(revenue: Eur(20000)), rules, [], new HashSet<string>(), WonOn).NewEntries);

        Assert.Equal(Eur(2000), entry.Amount);
        Assert.DoesNotContain("capped", entry.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, RewardIssueCode.RevenueNotPositive)]
    [InlineData(-500, RewardIssueCode.RevenueNotPositive)]
    [InlineData(null, RewardIssueCode.RevenueMissing)]
    public void Evaluate_RevenueShareWithoutPositiveRevenueNoFloor_EarnsNothingWithIssue(int? revenue, RewardIssueCode expected)
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m) };

        var result = RewardEngine.Evaluate(Facts(revenue: revenue is null ? null : Eur(revenue.Value)), rules, [], new HashSet<string>(), WonOn);

        Assert.Empty(result.NewEntries);
        Assert.Contains(result.Issues, i => i.Code == expected);
        if (revenue is not null)
        {
            Assert.Contains(result.Issues, i => i.Code == RewardIssueCode.ZeroReward);
        }
    }

    [Theory]
    [InlineData(0, RewardIssueCode.RevenueNotPositive)]
    [InlineData(null, RewardIssueCode.RevenueMissing)]
    public void Evaluate_RevenueShareWithoutRevenueWithFloor_EarnsTheFloorWithIssue(int? revenue, RewardIssueCode expected)
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m, Floor: Eur(250)) };

        var result = RewardEngine.Evaluate(Facts(revenue: revenue is null ? null : Eur(revenue.Value)), rules, [], new HashSet<string>(), WonOn);

        Assert.Equal(Eur(250), Assert.Single(result.NewEntries).Amount);
        Assert.Contains("floor applies", Assert.Single(result.Issues, i => i.Code == expected).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_RevenueFilledInAfterAZeroWin_EarnsOnceTheRevenueArrives()
    {
        var ledger = new TestLedger();
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m) };
        Assert.Empty(ledger.Evaluate(Facts(revenue: null), rules, WonOn).NewEntries);

        var later = ledger.Evaluate(Facts(revenue: Eur(3000)), rules, WonOn.AddDays(2));

        Assert.Equal(Eur(300), Assert.Single(later.NewEntries).Amount);
        Assert.Equal(WonOn, later.NewEntries[0].EffectiveDate);
    }

    [Fact]
    public void Evaluate_RevenueChangedAfterEarning_KeepsTheRecordAndReportsIt()
    {
        var ledger = new TestLedger();
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m) };
        ledger.Evaluate(Facts(revenue: Eur(3000)), rules, WonOn);

        var later = ledger.Evaluate(Facts(revenue: Eur(5000)), rules, WonOn.AddDays(1));

        Assert.Empty(later.NewEntries);
        Assert.Contains(later.Issues, i => i.Code == RewardIssueCode.AmountChangedAfterEarning);
    }

    [Fact]
    public void Evaluate_PayoutCurrencyDiffers_ConvertsWithTheRateEffectiveOnTheWin()
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m), PayoutCurrency = "USD" };

        // 10% of 9,000 EUR = 900 EUR; EUR→USD on 2025-03-03 = 1/0.90 (the March rate, not January's 0.92).
        var entry = Assert.Single(RewardEngine.Evaluate(Facts(revenue: Eur(9000)), rules, [], new HashSet<string>(), WonOn, Rates()).NewEntries);

        Assert.Equal(Usd(1000), entry.Amount);
        Assert.Contains("10% of 9,000.00 EUR = 900.00 EUR -> 1,000.00 USD", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_WonBeforeRateChange_UsesTheEarlierRate()
    {
        var rules = FlatRules() with { Advocate = new FlatReward(Eur(92)), PayoutCurrency = "USD" };

        var entry = Assert.Single(RewardEngine.Evaluate(Facts(D("2025-02-15")), rules, [], new HashSet<string>(), WonOn, Rates()).NewEntries);

        Assert.Equal(Usd(100), entry.Amount);
    }

    [Fact]
    public void Evaluate_NoPayoutCurrency_KeepsTheDealCurrency()
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m) };

        var entry = Assert.Single(RewardEngine.Evaluate(Facts(revenue: new Money(100000, "JPY")), rules, [], new HashSet<string>(), WonOn).NewEntries);

        Assert.Equal(new Money(10000, "JPY"), entry.Amount);
    }

    [Fact]
    public void Evaluate_CurrencyMismatchWithoutRate_EarnsNothingWithIssue()
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m), PayoutCurrency = "USD" };

        var result = RewardEngine.Evaluate(Facts(revenue: new Money(5000, "GBP")), rules, [], new HashSet<string>(), WonOn, Rates());

        Assert.Empty(result.NewEntries);
        Assert.Contains("no GBP->USD rate effective on 2025-03-03", Assert.Single(result.Issues).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_CapInOtherCurrencyThanDeal_ConvertsTheCap()
    {
        var rules = FlatRules() with { Advocate = new RevenueShareReward(10m, Cap: Usd(1000)) };

        var entry = Assert.Single(RewardEngine.Evaluate(Facts(revenue: Eur(48000)), rules, [], new HashSet<string>(), WonOn, Rates()).NewEntries);

        Assert.Equal(Eur(900), entry.Amount);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(2, 100)] // the 3rd successful referral is still in the first tier
    [InlineData(3, 500)] // the 4th is the first of the next
    [InlineData(10, 500)]
    public void Evaluate_Tiered_PaysByTheAdvocatesSuccessfulReferralCount(int prior, decimal expected)
    {
        var rules = FlatRules() with { Advocate = new TieredReward([new RewardTier(1, 3, Usd(100)), new RewardTier(4, null, Usd(500))]) };

        var entry = Assert.Single(RewardEngine.Evaluate(Facts() with { PriorSuccessfulReferrals = prior }, rules, [], new HashSet<string>(), WonOn).NewEntries);

        Assert.Equal(Usd(expected), entry.Amount);
    }

    [Fact]
    public void Evaluate_TieredFourth_ReasonNamesTierAndOrdinal()
    {
        var rules = FlatRules() with { Advocate = new TieredReward([new RewardTier(1, 3, Usd(100)), new RewardTier(4, null, Usd(500))]) };

        var entry = Assert.Single(RewardEngine.Evaluate(Facts() with { PriorSuccessfulReferrals = 3 }, rules, [], new HashSet<string>(), WonOn).NewEntries);

        Assert.EndsWith("tier 4+ for the 4th successful referral: 500.00 USD", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_MultiStageOnTheWin_EarnsFirstStageAndSchedulesTheRest()
    {
        var result = RewardEngine.Evaluate(Facts(), MultiStageRules(), [], new HashSet<string>(), WonOn);

        Assert.Collection(
            result.NewEntries,
            won =>
            {
                Assert.Equal((RewardEntryKind.Earned, Usd(25)), (won.Kind, won.Amount));
                Assert.Equal(WonOn.AddDays(90), won.RetentionEndsOn);
            },
            retained =>
            {
                Assert.Equal((RewardEntryKind.Scheduled, Usd(75)), (retained.Kind, retained.Amount));
                Assert.Equal(WonOn.AddDays(90), retained.MaturesOn);
                Assert.Equal("rw:ref-1:acme@v1:c0:advocate.retained:scheduled", retained.IdempotencyKey);
            });
    }

    [Fact]
    public void Evaluate_MultiStageDayBeforeRetentionEnds_DoesNotMature()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        Assert.Empty(ledger.Evaluate(Facts(), MultiStageRules(), WonOn.AddDays(89)).NewEntries);
    }

    [Fact]
    public void Evaluate_MultiStageOnTheDayRetentionEnds_Matures()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        var matured = Assert.Single(ledger.Evaluate(Facts(), MultiStageRules(), WonOn.AddDays(90)).NewEntries);

        Assert.Equal(RewardEntryKind.Matured, matured.Kind);
        Assert.Equal(Usd(75), matured.Amount);
        Assert.Equal(WonOn.AddDays(90), matured.EffectiveDate);
        Assert.Equal("rw:ref-1:acme@v1:c0:advocate.retained:scheduled", matured.RelatedEntryKey);
    }

    [Fact]
    public void Evaluate_MultiStageFirstSeenLongAfterTheWin_EarnsSchedulesAndMaturesAtOnce()
    {
        var result = RewardEngine.Evaluate(Facts(), MultiStageRules(), [], new HashSet<string>(), WonOn.AddDays(200));

        Assert.Equal([RewardEntryKind.Earned, RewardEntryKind.Scheduled, RewardEntryKind.Matured], result.NewEntries.Select(e => e.Kind));
    }

    [Fact]
    public void Evaluate_StagePercentagesThatDoNotDivideEvenly_AddUpToTheReward()
    {
        var rules = FlatRules(100.01m) with
        {
            Stages = [new RewardStage("a", 0, Percent: 33.33m), new RewardStage("b", 30, Percent: 33.33m), new RewardStage("c", 60, Percent: 33.34m)],
        };

        var result = RewardEngine.Evaluate(Facts(), rules, [], new HashSet<string>(), WonOn);

        Assert.Equal(100.01m, result.NewEntries.Sum(e => e.Amount.Amount));
    }

    [Fact]
    public void Evaluate_FixedAmountStages_PayThoseAmounts()
    {
        var rules = FlatRules() with { Stages = [new RewardStage("won", 0, Amount: Usd(25)), new RewardStage("retained", 90, Amount: Usd(75))] };

        var result = RewardEngine.Evaluate(Facts(), rules, [], new HashSet<string>(), WonOn);

        Assert.Equal([25m, 75m], result.NewEntries.Select(e => e.Amount.Amount));
    }

    [Fact]
    public void Evaluate_DoubleSided_EarnsTheRefereeRewardSeparatelyKeyed()
    {
        var rules = FlatRules() with { Referee = new FlatReward(Usd(50)) };

        var result = RewardEngine.Evaluate(Facts(), rules, [], new HashSet<string>(), WonOn);

        var referee = Assert.Single(result.NewEntries, e => e.Beneficiary == RewardBeneficiary.Referee);
        Assert.Equal(("lead-1", Usd(50), RewardEntryKind.Earned), (referee.BeneficiaryId, referee.Amount, referee.Kind));
        Assert.Equal("rw:ref-1:acme@v1:c0:referee.referee:earned", referee.IdempotencyKey);
        Assert.Single(result.NewEntries, e => e.Beneficiary == RewardBeneficiary.Advocate);
    }

    [Fact]
    public void Evaluate_DoubleSidedWithoutReferee_EarnsTheAdvocatesOnlyWithIssue()
    {
        var rules = FlatRules() with { Referee = new FlatReward(Usd(50)) };

        var result = RewardEngine.Evaluate(Facts() with { RefereeId = null }, rules, [], new HashSet<string>(), WonOn);

        Assert.Equal(RewardBeneficiary.Advocate, Assert.Single(result.NewEntries).Beneficiary);
        Assert.Equal(RewardIssueCode.RefereeMissing, Assert.Single(result.Issues).Code);
    }

    [Fact]
    public void Evaluate_RewardChoice_EmitsTheValueAndTheOptions()
    {
        var rules = MultiStageRules() with { ChoiceOptions = ["Gift card", "Bill credit", "Check"], Referee = new FlatReward(Usd(50)) };
        var ledger = new TestLedger();

        var atWin = ledger.Evaluate(Facts(), rules, WonOn);
        var matured = Assert.Single(ledger.Evaluate(Facts(), rules, WonOn.AddDays(90)).NewEntries);

        var earned = atWin.NewEntries.Single(e => e.Kind == RewardEntryKind.Earned && e.Beneficiary == RewardBeneficiary.Advocate);
        Assert.Equal(Usd(25), earned.Amount);
        Assert.Equal(["Gift card", "Bill credit", "Check"], earned.ChoiceOptions);
        Assert.Equal(["Gift card", "Bill credit", "Check"], matured.ChoiceOptions);
        Assert.Empty(atWin.NewEntries.Single(e => e.Beneficiary == RewardBeneficiary.Referee).ChoiceOptions);
    }

    [Fact]
    public void Evaluate_SalesforceOverride_ReplacesTheComputedWonReward()
    {
        var facts = Facts() with { RewardOverride = Usd(150) };

        var entry = Assert.Single(RewardEngine.Evaluate(facts, FlatRules(), [], new HashSet<string>(), WonOn).NewEntries);

        Assert.Equal(Usd(150), entry.Amount);
        Assert.Contains("Salesforce override Reward_Amount_Override__c 150.00 USD (replaces computed flat 100.00 USD)", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_SalesforceOverrideMultiStage_ReplacesOnlyTheWonStage()
    {
        var facts = Facts() with { RewardOverride = Usd(40) };

        var result = RewardEngine.Evaluate(facts, MultiStageRules(), [], new HashSet<string>(), WonOn);

        Assert.Equal([40m, 75m], result.NewEntries.Select(e => e.Amount.Amount));
    }

    [Fact]
    public void Evaluate_SalesforceOverrideInDealCurrency_ConvertedToPayoutCurrency()
    {
        var facts = Facts() with { RewardOverride = Eur(180) };

        var entry = Assert.Single(RewardEngine.Evaluate(facts, FlatRules() with { PayoutCurrency = "USD" }, [], new HashSet<string>(), WonOn, Rates()).NewEntries);

        Assert.Equal(Usd(200), entry.Amount);
    }

    [Fact]
    public void Evaluate_SalesforceOverrideDisabled_IsIgnored()
    {
        var facts = Facts() with { RewardOverride = Usd(150) };

        var entry = Assert.Single(RewardEngine.Evaluate(facts, FlatRules() with { UseSalesforceOverride = false }, [], new HashSet<string>(), WonOn).NewEntries);

        Assert.Equal(Usd(100), entry.Amount);
    }

    [Fact]
    public void Evaluate_NegativeOverride_IgnoredWithIssue()
    {
        var result = RewardEngine.Evaluate(Facts() with { RewardOverride = Usd(-5) }, FlatRules(), [], new HashSet<string>(), WonOn);

        Assert.Equal(Usd(100), Assert.Single(result.NewEntries).Amount);
        Assert.Equal(RewardIssueCode.OverrideIgnored, Assert.Single(result.Issues).Code);
    }

    [Fact]
    public void Evaluate_ZeroOverride_EarnsNothingForThatStage()
    {
        var result = RewardEngine.Evaluate(Facts() with { RewardOverride = Usd(0) }, FlatRules(), [], new HashSet<string>(), WonOn);

        Assert.Empty(result.NewEntries);
        Assert.Equal(RewardIssueCode.ZeroReward, Assert.Single(result.Issues).Code);
    }

    [Fact]
    public void Evaluate_EntriesOfAnotherReferralPassed_IgnoresThemAndSaysSo()
    {
        var other = RewardEngine.Evaluate(Facts() with { ReferralId = "ref-2" }, FlatRules(), [], new HashSet<string>(), WonOn).NewEntries;

        var result = RewardEngine.Evaluate(Facts(), FlatRules(), other, new HashSet<string>(), WonOn);

        Assert.Single(result.NewEntries);
        Assert.Contains(result.Issues, i => i.Code == RewardIssueCode.EntriesOfOtherReferral);
    }

    [Fact]
    public void Evaluate_RulesVersionChangedAfterTheWin_MaturesUnderTheOriginalVersion()
    {
        var ledger = new TestLedger();
        ledger.Evaluate(Facts(), MultiStageRules(), WonOn);

        var result = ledger.Evaluate(Facts(), MultiStageRules() with { Version = 2, Advocate = new FlatReward(Usd(1000)) }, WonOn.AddDays(90));

        var matured = Assert.Single(result.NewEntries);
        Assert.Equal(Usd(75), matured.Amount);
        Assert.Equal("rw:ref-1:acme@v1:c0:advocate.retained:matured", matured.IdempotencyKey);
    }
}
