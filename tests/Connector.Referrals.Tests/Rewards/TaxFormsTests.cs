using Connector.Referrals.Rewards;
using static Connector.Referrals.Tests.Rewards.RewardTestData;

namespace Connector.Referrals.Tests.Rewards;

public sealed class TaxFormsTests
{
    private static readonly Money DefaultThreshold = FlatRules().TaxFormThreshold;

    /// <summary>Flat rewards of <paramref name="amount"/> on referrals won on each date, all paid.</summary>
    private static (List<RewardEntry> Entries, HashSet<string> Paid) PaidRewards(decimal amount, params string[] wonDates)
    {
        var entries = new List<RewardEntry>();
        for (var i = 0; i < wonDates.Length; i++)
        {
            var facts = Facts(D(wonDates[i])) with { ReferralId = $"ref-{i}" };
            entries.AddRange(RewardEngine.Evaluate(facts, FlatRules(amount), [], new HashSet<string>(), D(wonDates[i])).NewEntries);
        }

        return (entries, entries.Select(e => e.IdempotencyKey).ToHashSet());
    }

    [Fact]
    public void TaxFormThreshold_Default_Is600Usd() => Assert.Equal(Usd(600), DefaultThreshold);

    [Fact]
    public void Evaluate_PaidReachesThresholdExactly_RequiresForm()
    {
        var (entries, paid) = PaidRewards(200, "2025-01-10", "2025-05-10", "2025-09-10");

        var status = TaxForms.Evaluate("adv-1", 2025, entries, paid, DefaultThreshold);

        Assert.True(status.FormRequired);
        Assert.Equal(Usd(600), status.PaidTotal);
    }

    [Fact]
    public void Evaluate_PaidBelowThreshold_NoForm()
    {
        var (entries, paid) = PaidRewards(199.99m, "2025-01-10", "2025-05-10", "2025-09-10");

        Assert.False(TaxForms.Evaluate("adv-1", 2025, entries, paid, DefaultThreshold).FormRequired);
    }

    [Fact]
    public void Evaluate_OtherYearsUnpaidAndOtherPayees_NotCounted()
    {
        var (entries, paid) = PaidRewards(300, "2024-12-31", "2025-01-01", "2025-06-01", "2026-01-01");
        paid.Remove(entries[2].IdempotencyKey);
        entries.Add(entries[1] with { IdempotencyKey = "other", BeneficiaryId = "adv-2" });
        paid.Add("other");

        var status = TaxForms.Evaluate("adv-1", 2025, entries, paid, DefaultThreshold);

        Assert.Equal(Usd(300), status.PaidTotal);
        Assert.False(status.FormRequired);
    }

    [Fact]
    public void Evaluate_ConfiguredThreshold_IsUsed()
    {
        var (entries, paid) = PaidRewards(300, "2025-01-10");

        Assert.True(TaxForms.Evaluate("adv-1", 2025, entries, paid, Usd(250)).FormRequired);
    }

    [Fact]
    public void Evaluate_ClawbacksDoNotLowerTheGrossTotal()
    {
        var ledger = new TestLedger();
        var rules = FlatRules(700) with { RetentionDays = 30 };
        ledger.Evaluate(Facts(), rules, WonOn);
        ledger.PayOutstanding();
        ledger.Evaluate(Facts() with { Reversed = true, ReversalDate = WonOn.AddDays(5) }, rules, WonOn.AddDays(5));

        var status = TaxForms.Evaluate("adv-1", 2025, ledger.Entries, ledger.Paid, DefaultThreshold);

        Assert.Equal(Usd(700), status.PaidTotal);
        Assert.True(status.FormRequired);
    }

    [Fact]
    public void Evaluate_OtherCurrencyWithRate_Converted()
    {
        var entries = RewardEngine.Evaluate(Facts(), FlatRules() with { Advocate = new FlatReward(Eur(540)) }, [], new HashSet<string>(), WonOn).NewEntries;

        var status = TaxForms.Evaluate("adv-1", 2025, entries, entries.Select(e => e.IdempotencyKey).ToHashSet(), DefaultThreshold, Rates());

        Assert.Equal(Usd(600), status.PaidTotal);
        Assert.True(status.FormRequired);
    }

    [Fact]
    public void Evaluate_OtherCurrencyWithoutRate_LeftOutWithIssue()
    {
        var entries = RewardEngine.Evaluate(Facts(), FlatRules() with { Advocate = new FlatReward(new Money(900, "GBP")) }, [], new HashSet<string>(), WonOn).NewEntries;

        var status = TaxForms.Evaluate("adv-1", 2025, entries, entries.Select(e => e.IdempotencyKey).ToHashSet(), DefaultThreshold, Rates());

        Assert.Equal(Usd(0), status.PaidTotal);
        Assert.Equal(RewardIssueCode.ExchangeRateMissing, Assert.Single(status.Issues).Code);
    }
}

public sealed class ExchangeRatesTests
{
    [Fact]
    public void RateOn_BetweenTwoNonCorporateCurrencies_CrossesThroughCorporate()
    {
        var rates = new ExchangeRates("USD", [new DatedExchangeRate("EUR", 0.9m, D("2025-01-01")), new DatedExchangeRate("GBP", 0.75m, D("2025-01-01"))]);

        Assert.Equal(0.75m / 0.9m, rates.RateOn("EUR", "GBP", D("2025-02-01")));
    }

    [Fact]
    public void RateOn_BeforeFirstRate_IsMissing() => Assert.Null(Rates().RateOn("EUR", "USD", D("2024-12-31")));

    [Fact]
    public void RateOn_OnTheStartDay_UsesTheNewRate() => Assert.Equal(0.90m, Rates().RateOn("USD", "EUR", D("2025-03-01")));

    [Fact]
    public void Create_NonPositiveRate_Throws() =>
        Assert.Throws<ArgumentException>(() => new ExchangeRates("USD", [new DatedExchangeRate("EUR", 0m, D("2025-01-01"))]));
}
