using Connector.Referrals.Rewards;
using static Connector.Referrals.Tests.Rewards.RewardTestData;

namespace Connector.Referrals.Tests.Rewards;

public sealed class RewardRulesTests
{
    [Fact]
    public void Validate_DefaultFlatRules_HasNoErrors() => Assert.Empty(FlatRules().Validate());

    [Fact]
    public void Validate_MultiStageTieredDoubleSidedWithChoice_HasNoErrors()
    {
        var rules = MultiStageRules() with
        {
            Advocate = new TieredReward([new RewardTier(1, 3, Usd(100)), new RewardTier(4, null, Usd(500))]),
            Referee = new FlatReward(Usd(50)),
            ChoiceOptions = ["Gift card", "Bill credit"],
            RetentionDays = 120,
        };

        Assert.Empty(rules.Validate());
        Assert.Equal("acme@v1", rules.VersionId);
        Assert.Equal(120, rules.EffectiveRetentionDays);
    }

    [Fact]
    public void EffectiveRetentionDays_NotSet_IsTheLongestStageDelay() => Assert.Equal(90, MultiStageRules().EffectiveRetentionDays);

    public static TheoryData<RewardRules, string> BadRules => new()
    {
        { FlatRules() with { RuleId = " " }, "RuleId is required" },
        { FlatRules() with { Version = 0 }, "Version must be 1 or more (was 0)" },
        { FlatRules() with { PayoutCurrency = "usd" }, "PayoutCurrency 'usd'" },
        { FlatRules() with { Advocate = new FlatReward(Usd(0)) }, "Advocate.Amount must be positive" },
        { FlatRules() with { Advocate = new RevenueShareReward(120m) }, "Advocate.Percent must be in (0, 100] (was 120)" },
        { FlatRules() with { Advocate = new RevenueShareReward(10m, Floor: Eur(500), Cap: Eur(100)) }, "Advocate.Floor (500.00 EUR) must not exceed Advocate.Cap (100.00 EUR)" },
        { FlatRules() with { Advocate = new RevenueShareReward(10m, Cap: Eur(0)) }, "Advocate.Cap must be positive" },
        { FlatRules() with { Referee = new RevenueShareReward(0m) }, "Referee.Percent must be in (0, 100] (was 0)" },
        { FlatRules() with { Advocate = new TieredReward([new RewardTier(1, 3, Usd(100)), new RewardTier(5, null, Usd(500))]) }, "Advocate.Tiers[1].From must be 4 (was 5)" },
        { FlatRules() with { Advocate = new TieredReward([new RewardTier(1, 3, Usd(100)), new RewardTier(3, null, Usd(500))]) }, "Advocate.Tiers[1].From must be 4 (was 3)" },
        { FlatRules() with { Advocate = new TieredReward([new RewardTier(1, 3, Usd(100))]) }, "Advocate.Tiers[0].To must be empty" },
        { FlatRules() with { Advocate = new TieredReward([]) }, "Advocate.Tiers must contain at least one tier" },
        { FlatRules() with { Stages = [] }, "Stages must contain at least one stage" },
        { FlatRules() with { Stages = [new RewardStage("won", -1, Percent: 100m)] }, "Stages[0].DelayDays must not be negative (was -1)" },
        { FlatRules() with { Stages = [new RewardStage("won", 0)] }, "Stages[0] needs exactly one of Percent or Amount" },
        { FlatRules() with { Stages = [new RewardStage("won", 0, Percent: 60m), new RewardStage("later", 90, Percent: 60m)] }, "Stages percentages add up to 120%" },
        { FlatRules() with { Stages = [new RewardStage("won", 0, Percent: 50m), new RewardStage("won", 90, Percent: 50m)] }, "Stages keys must be distinct" },
        { FlatRules() with { Stages = [new RewardStage("a b", 0, Percent: 100m)] }, "Stages[0].Key 'a b'" },
        { FlatRules() with { Stages = [new RewardStage("later", 90, Percent: 50m), new RewardStage("won", 0, Percent: 50m)] }, "Stages[1].DelayDays (0) must not be shorter" },
        { MultiStageRules() with { RetentionDays = 30 }, "RetentionDays (30) must be at least the longest stage delay (90)" },
        { FlatRules() with { ChoiceOptions = ["Gift card"] }, "ChoiceOptions needs at least two options" },
        { FlatRules() with { ChoiceOptions = ["Gift card", "gift card"] }, "ChoiceOptions must be distinct" },
        { FlatRules() with { TaxFormThreshold = Usd(0) }, "TaxFormThreshold must be positive" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public void Validate_BadParameter_NamesIt(RewardRules rules, string expected)
    {
        var errors = rules.Validate();

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_InvalidRules_ReportsThemAndEmitsNothing()
    {
        var result = RewardEngine.Evaluate(Facts(), FlatRules() with { Version = 0 }, [], new HashSet<string>(), WonOn);

        Assert.Empty(result.NewEntries);
        var issue = Assert.Single(result.Issues);
        Assert.Equal(RewardIssueCode.RulesInvalid, issue.Code);
        Assert.Contains("Version must be 1 or more", issue.Message, StringComparison.Ordinal);
    }
}
