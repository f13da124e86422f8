using System.Collections.Immutable;

namespace Connector.Referrals.Benchmarks;

/// <summary>A closed date range, both ends included.</summary>
public readonly record struct Period(DateOnly From, DateOnly To)
{
    public bool Contains(DateTimeOffset at) => Contains(DateOnly.FromDateTime(at.UtcDateTime));

    public bool Contains(DateOnly day) => day >= From && day <= To;
}

/// <summary>A reward the program paid (or earned) in the period, as the reward ledger reports it.</summary>
public sealed record RewardTotal(string AdvocateId, string ReferralId, Money Amount);

/// <summary>Referrals per active advocate in three bands, as the seed report counts them (61% / 34% / 5%).</summary>
public sealed record ActivityDistribution(int OneReferral, int TwoToTen, int ElevenPlus, decimal OneShare, decimal TwoToTenShare, decimal ElevenPlusShare);

public sealed record ConversionRate(int Referrals, int Won, decimal Rate);

/// <summary>What the busiest advocates produced: their share of all referrals and of all won deals (seed report: 22% / 1%, 54% / 6%).</summary>
public sealed record TopAdvocates(decimal Percentile, int Advocates, int Referrals, int Won, decimal ReferralShare, decimal WonShare);

/// <summary>
/// The program benchmarks of the seed report ("The State of Business Customer Referral Programs"), computed for one
/// period. Rates and shares are fractions (0.36 = 36%); a rate with an empty denominator is 0.
/// </summary>
public sealed record ProgramBenchmarks(
    Period Period,
    int EnrolledAdvocates,
    int ActiveAdvocates,
    decimal ActiveAdvocateRate,
    int Referrals,
    decimal ReferralsPerActiveAdvocate,
    decimal ReferralsPerEnrolledAdvocate,
    ActivityDistribution Distribution,
    ConversionRate Conversion,
    ImmutableDictionary<ReferralMethod, ConversionRate> ConversionByMethod,
    TopAdvocates Top1Percent,
    TopAdvocates Top10Percent,
    ImmutableDictionary<string, Money> AverageRewardByCurrency)
{
    /// <summary>
    /// Computes the benchmarks. Definitions (seed report, made precise):
    /// <list type="bullet">
    /// <item>Referrals of the period: referrals submitted in it; Duplicate referrals are not referrals of their own and
    /// are left out everywhere.</item>
    /// <item>Enrolled: advocates enrolled on or before the period's end and past the invitation (not Invited), plus any
    /// advocate who referred in the period (so active ⊆ enrolled). Active: enrolled advocates with at least one referral in
    /// the period (benchmark 1: 36%).</item>
    /// <item>Distribution over active advocates: 1, 2–10, 11+ referrals (benchmark 2). Referrals per enrolled advocate is
    /// the report's "0.87 referral leads per customer" (benchmark 3); per active advocate as well.</item>
    /// <item>Conversion: referrals of the period that are Won now, over the referrals of the period (benchmark 5: 13%),
    /// overall and by method (referrals without a method count overall only).</item>
    /// <item>Top p% of advocates by volume: the ⌈p% × active⌉ advocates (at least one) with the most referrals, ties broken
    /// by advocate id; their share of the period's referrals and of its won deals (benchmarks 7 and 8).</item>
    /// <item>Average reward: the mean of the reward amounts given, per currency, rounded to the currency's minor unit
    /// (the report's $111).</item>
    /// </list>
    /// </summary>
    public static ProgramBenchmarks Compute(
        Period period, IEnumerable<Advocate> advocates, IEnumerable<Referral> referrals, IEnumerable<RewardTotal> rewards)
    {
        ArgumentNullException.ThrowIfNull(advocates);
        ArgumentNullException.ThrowIfNull(referrals);
        ArgumentNullException.ThrowIfNull(rewards);

        var inPeriod = referrals.Where(r => r.State != ReferralState.Duplicate && period.Contains(r.SubmittedAt)).ToList();
        var byAdvocate = inPeriod.GroupBy(r => r.AdvocateId, StringComparer.Ordinal)
            .Select(g => (AdvocateId: g.Key, Referrals: g.Count(), Won: g.Count(r => r.State == ReferralState.Won)))
            .ToList();

        var enrolled = advocates
            .Where(a => a.Status != AdvocateStatus.Invited && a.EnrolledDate is { } d && d <= period.To)
            .Select(a => a.Id)
            .Union(byAdvocate.Select(a => a.AdvocateId), StringComparer.Ordinal)
            .Count();
        var active = byAdvocate.Count;
        var total = inPeriod.Count;
        var won = inPeriod.Count(r => r.State == ReferralState.Won);

        var one = byAdvocate.Count(a => a.Referrals == 1);
        var upToTen = byAdvocate.Count(a => a.Referrals is >= 2 and <= 10);
        var more = byAdvocate.Count(a => a.Referrals >= 11);
        var distribution = new ActivityDistribution(one, upToTen, more, Ratio(one, active), Ratio(upToTen, active), Ratio(more, active));

        var byMethod = inPeriod.Where(r => r.Method is not null)
            .GroupBy(r => r.Method!.Value)
            .ToImmutableDictionary(g => g.Key, g => RateOf(g.Count(), g.Count(r => r.State == ReferralState.Won)));

        var ranked = byAdvocate.OrderByDescending(a => a.Referrals).ThenBy(a => a.AdvocateId, StringComparer.Ordinal).ToList();
        TopAdvocates Top(decimal percentile)
        {
            var count = active == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(active * percentile));
            var top = ranked.Take(count).ToList();
            var topReferrals = top.Sum(a => a.Referrals);
            var topWon = top.Sum(a => a.Won);
            return new TopAdvocates(percentile, count, topReferrals, topWon, Ratio(topReferrals, total), Ratio(topWon, won));
        }

        var averages = rewards.GroupBy(r => r.Amount.Currency, StringComparer.Ordinal)
            .ToImmutableDictionary(
                g => g.Key,
                g => new Money(g.Sum(r => r.Amount.Amount) / g.Count(), g.Key).Round(),
                StringComparer.Ordinal);

        return new ProgramBenchmarks(
            period,
            enrolled,
            active,
            Ratio(active, enrolled),
            total,
            Ratio(total, active),
            Ratio(total, enrolled),
            distribution,
            RateOf(total, won),
            byMethod,
            Top(0.01m),
            Top(0.10m),
            averages);
    }

    private static ConversionRate RateOf(int referrals, int won) => new(referrals, won, Ratio(won, referrals));

    private static decimal Ratio(int part, int whole) => whole == 0 ? 0m : (decimal)part / whole;
}
