using System.Globalization;
using Connector.Referrals.Rewards;

namespace Connector.Referrals.Tests.Rewards;

internal static class RewardTestData
{
    public static readonly DateOnly WonOn = D("2025-03-03");

    public static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static Money Usd(decimal amount) => new(amount, "USD");

    public static Money Eur(decimal amount) => new(amount, "EUR");

    public static RewardRules FlatRules(decimal amount = 100m) => new()
    {
        RuleId = "acme",
        Version = 1,
        Advocate = new FlatReward(Usd(amount)),
    };

    /// <summary>$100: $25 when won, $75 after a 90-day retention period.</summary>
    public static RewardRules MultiStageRules() => FlatRules() with
    {
        Stages = [new RewardStage("won", 0, Percent: 25m), new RewardStage("retained", 90, Percent: 75m)],
    };

    public static RewardFacts Facts(DateOnly? wonOn = null, Money? revenue = null) => new()
    {
        ReferralId = "ref-1",
        AdvocateId = "adv-1",
        RefereeId = "lead-1",
        Won = true,
        WonDate = wonOn ?? WonOn,
        Revenue = revenue,
    };

    public static RewardFacts NotWon() => new() { ReferralId = "ref-1", AdvocateId = "adv-1", RefereeId = "lead-1" };

    /// <summary>EUR/USD as the org's DatedConversionRate: corporate USD, 1 USD = 0.92 EUR from Jan, 0.90 EUR from Mar.</summary>
    public static ExchangeRates Rates() => new("USD",
    [
        new DatedExchangeRate("EUR", 0.92m, D("2025-01-01")),
        new DatedExchangeRate("EUR", 0.90m, D("2025-03-01")),
    ]);
}

/// <summary>A ledger as the store keeps it: appends what each evaluation emits, and a payout system marking entries paid.</summary>
internal sealed class TestLedger
{
    public List<RewardEntry> Entries { get; } = [];

    public HashSet<string> Paid { get; } = new(StringComparer.Ordinal);

    public RewardEvaluation Evaluate(RewardFacts facts, RewardRules rules, DateOnly today, ExchangeRates? rates = null)
    {
        var result = RewardEngine.Evaluate(facts, rules, Entries, Paid, today, rates);
        foreach (var entry in result.NewEntries)
        {
            Assert.DoesNotContain(Entries, e => e.IdempotencyKey == entry.IdempotencyKey);
            Entries.Add(entry);
        }

        return result;
    }

    /// <summary>Pays every payable entry that is neither paid nor voided (what a payout run would do).</summary>
    public void PayOutstanding()
    {
        foreach (var entry in Outstanding())
        {
            Paid.Add(entry.IdempotencyKey);
        }
    }

    public IEnumerable<RewardEntry> Outstanding() =>
        Entries.Where(e => e.IsPayable && !Paid.Contains(e.IdempotencyKey) && !Entries.Any(v => v.IsVoid && v.RelatedEntryKey == e.IdempotencyKey)).ToList();

    public RewardBalance Balance(string currency = "USD") =>
        RewardBalances.Summarize(Entries, Paid).SingleOrDefault(b => b.Currency == currency) ?? new RewardBalance(currency, 0, 0, 0, 0);

    public RewardBalance BalanceOf(RewardBeneficiary beneficiary, string currency = "USD") =>
        RewardBalances.Summarize(Entries.Where(e => e.Beneficiary == beneficiary), Paid).SingleOrDefault(b => b.Currency == currency) ?? new RewardBalance(currency, 0, 0, 0, 0);
}
