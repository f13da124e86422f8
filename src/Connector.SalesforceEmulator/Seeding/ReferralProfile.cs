namespace Connector.SalesforceEmulator.Seeding;

/// <summary>
/// The shape of a B2B customer referral program, from Amplifinity's "State of Business Customer Referral
/// Programs" benchmarks (../shared/docs/seeds): how referrals arrive, how often each method converts, how
/// skewed advocates are. The seeded org reproduces these proportions so dashboards, sync volumes and
/// reward figures look like a real program's.
/// </summary>
internal static class ReferralProfile
{
    /// <summary>Referral methods, as Lead.Referral_Method__c spells them.</summary>
    public static readonly string[] Methods = ["Verbal", "Email", "Lead Form", "Social", "Shareable URL", "Print Card"];

    public const int Verbal = 0;
    public const int Email = 1;
    public const int LeadForm = 2;
    public const int Social = 3;
    public const int ShareableUrl = 4;
    public const int PrintCard = 5;

    /// <summary>
    /// Method mix of the top 1% of advocates: "social blasts", which is why the top 1% made 22% of referrals
    /// but won only 1% of deals.
    /// </summary>
    public static readonly double[] TopAdvocateMethodMix = [0, 0, 0, 0.80, 0.20, 0];

    /// <summary>
    /// Overall usage: Social 29%, Email 24%, Lead form 23%, Verbal 13%, Shareable URL 12%, Print cards &lt;1%.
    /// </summary>
    public static readonly double[] MethodUsage = [0.13, 0.24, 0.23, 0.29, 0.12, 0.01];

    /// <summary>
    /// The mix for everyone but the top 1%, given the top 1%'s share of referrals, so the overall mix still lands on
    /// <see cref="MethodUsage"/>.
    /// </summary>
    public static double[] MethodMixForRest(double topShare)
    {
        var mix = new double[MethodUsage.Length];
        for (var i = 0; i < mix.Length; i++)
        {
            mix[i] = Math.Max(0.002, (MethodUsage[i] - (topShare * TopAdvocateMethodMix[i])) / Math.Max(0.01, 1 - topShare));
        }

        return mix;
    }

    /// <summary>Lead-to-customer conversion by method: Verbal 32%, Lead form 19%, Email 17%, Print 12%, URL 4%, Social 1%.</summary>
    public static readonly double[] WinRate = [0.32, 0.17, 0.19, 0.01, 0.04, 0.12];

    /// <summary>
    /// Conversion multipliers by advocate volume tier (top 1%, next 9%, the rest): with the method mix above they
    /// give ~13% overall, ~32% for verbal, and the top 10% of advocates winning ~6% of deals on ~54% of referrals.
    /// </summary>
    public const double TopOnePercentFactor = 0.5;
    public const double TopTenPercentFactor = 0.1;
    public const double RestFactor = 1.6;

    /// <summary>Methods whose leads carry the advocate's referral code (a tracked link or printed card).</summary>
    public static bool CarriesCode(int method) => method is Social or ShareableUrl or PrintCard;

    /// <summary>Share of leads that came through the referral program; the rest are ordinary marketing leads.</summary>
    public const double ReferralShare = 0.85;

    /// <summary>Marketing leads convert far less (industry 3.6%, marketing leads 0.6%).</summary>
    public const double NonReferralWinRate = 0.02;

    /// <summary>Leads that became opportunities but were not (yet) won, as a share of the remaining leads.</summary>
    public const double OpenOrLostOpportunityRate = 0.09;

    /// <summary>Contacts enrolled as advocates, and the share of enrolled advocates who ever referred.</summary>
    public const double AdvocateShareOfContacts = 0.45;
    public const double ActiveAdvocateShare = 0.40;

    /// <summary>
    /// Referrals per active advocate: 61% make one, 34% make 2-10, 5% make 11+ with a heavy tail (Pareto,
    /// alpha 1.4), which puts ~22% of referrals on the top 1% and ~50% on the top 10%.
    /// </summary>
    public static double ReferralWeight(Random random)
    {
        var u = random.NextDouble();
        if (u < 0.61)
        {
            return 1;
        }

        if (u < 0.95)
        {
            return random.Next(2, 11);
        }

        return Math.Min(2000, 11 * Math.Pow(1 - random.NextDouble(), -1 / 1.4));
    }

    /// <summary>Advocate record status: mostly Active.</summary>
    public static string AdvocateStatus(Random random) => random.NextDouble() switch
    {
        < 0.80 => "Active",
        < 0.88 => "Invited",
        < 0.96 => "Inactive",
        _ => "Opted Out",
    };

    /// <summary>Reward per won referral: the average customer reward was $111, most were $100, range $20-$2,500.</summary>
    public static decimal Reward(Random random) => random.NextDouble() switch
    {
        < 0.10 => 50m,
        < 0.75 => 100m,
        < 0.90 => 150m,
        < 0.98 => 250m,
        _ => 1000m,
    };

    /// <summary>Currencies the org sells in, weighted; amounts scale by a rough rate so JPY deals look like JPY.</summary>
    public static readonly (string Iso, double Weight, decimal PerUsd, decimal Rounding)[] Currencies =
    [
        ("USD", 0.55, 1m, 100m), ("EUR", 0.15, 0.9m, 100m), ("GBP", 0.10, 0.77m, 100m), ("CAD", 0.08, 1.37m, 100m),
        ("AUD", 0.07, 1.5m, 100m), ("JPY", 0.05, 150m, 10_000m),
    ];

    public static readonly double[] CurrencyWeights = [.. Currencies.Select(c => c.Weight)];

    /// <summary>Picks an index with probability proportional to <paramref name="weights"/>.</summary>
    public static int Pick(Random random, IReadOnlyList<double> weights)
    {
        var total = 0d;
        foreach (var w in weights)
        {
            total += w;
        }

        var x = random.NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            x -= weights[i];
            if (x < 0)
            {
                return i;
            }
        }

        return weights.Count - 1;
    }
}
