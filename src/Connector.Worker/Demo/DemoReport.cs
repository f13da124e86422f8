using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Connector.Worker.Demo;

/// <summary>What the demo measured, as printed and as written with --report (JSON, camelCase).</summary>
public sealed record DemoReport
{
    public required int Referrals { get; init; }
    public required IReadOnlyDictionary<string, int> ReferralsByMethod { get; init; }
    public required IReadOnlyDictionary<string, int> ReferralsByState { get; init; }
    public required int BackfilledReferrals { get; init; }
    public required int Routed { get; init; }
    public required int RoutedToAdvocateRep { get; init; }
    public required int AssignmentRuleWouldHaveMissed { get; init; }
    public required IReadOnlyDictionary<string, int> RoutingDecisions { get; init; }
    public required int VerbalReferralsCredited { get; init; }
    public required int RewardsCount { get; init; }
    public required IReadOnlyDictionary<string, decimal> RewardsTotal { get; init; }
    public required IReadOnlyDictionary<string, decimal> RewardsByKind { get; init; }
    public required int WinsReversed { get; init; }
    public required int RetentionMatured { get; init; }
    public required int ProfilesWritten { get; init; }
    public required IReadOnlyDictionary<string, object> Benchmarks { get; init; }
    public required int ApiCalls { get; init; }
    public required IReadOnlyDictionary<string, long> ApiCallsByEndpoint { get; init; }
    public required double ApiCallsPer1000Routed { get; init; }

    /// <summary>Of <see cref="ApiCalls"/>, those made while referrals arrived and were worked (before the 91-day jump).</summary>
    public required int ApiCallsSalesPeriod { get; init; }
    public required double ApiCallsPer1000RoutedSalesPeriod { get; init; }

    /// <summary>The rest, by endpoint: what the 91-day jump costs (describes past their age, profile write-back, a catch-up when the jump outlasts the replay retention).</summary>
    public required IReadOnlyDictionary<string, long> ApiCallsAfterJumpByEndpoint { get; init; }
    public required double LatencyP50Ms { get; init; }
    public required double LatencyP99Ms { get; init; }
    public required int Quarantined { get; init; }
    public required Consistency Check { get; init; }
    public required double ElapsedSeconds { get; init; }

    /// <summary>The connector's own counters (as on /metrics) at the end of the run.</summary>
    public IReadOnlyDictionary<string, long> ConnectorCounters { get; init; } = new Dictionary<string, long>();

    public sealed record Consistency(int Lost, int DuplicateRewards, int StateMismatches, int NotRouted, IReadOnlyList<string> Examples)
    {
        public bool Holds => Lost == 0 && DuplicateRewards == 0 && StateMismatches == 0 && NotRouted == 0;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToText()
    {
        var text = new StringBuilder();
        void Line(string s) => text.Append(s).Append('\n');
        string Pairs<T>(IReadOnlyDictionary<string, T> d) => string.Join(", ", d.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value}")));
        Line("");
        Line("==== Referral program report ====");
        Line(string.Create(CultureInfo.InvariantCulture, $"Referrals this period: {Referrals} (plus {BackfilledReferrals} backfilled from the org's history)"));
        Line("  by method: " + Pairs(ReferralsByMethod));
        Line("  by state:  " + Pairs(ReferralsByState));
        Line(string.Create(CultureInfo.InvariantCulture, $"Routing: {Routed} referral leads routed, {RoutedToAdvocateRep} now owned by the advocate's rep ({AssignmentRuleWouldHaveMissed} of them the org's round-robin rule had given to someone else)"));
        Line("  decisions: " + Pairs(RoutingDecisions));
        Line(string.Create(CultureInfo.InvariantCulture, $"  verbal referrals credited to the rep who logged them: {VerbalReferralsCredited}"));
        Line(string.Create(CultureInfo.InvariantCulture, $"Rewards: {RewardsCount} entries; net total {Pairs(RewardsTotal)}"));
        Line("  by kind: " + Pairs(RewardsByKind));
        Line(string.Create(CultureInfo.InvariantCulture, $"  wins reversed (unpaid rewards cancelled): {WinsReversed}; retention stages matured after 90 days: {RetentionMatured}; advocate profiles written back: {ProfilesWritten}"));
        Line("Program benchmarks (seed report definitions): " + Pairs(Benchmarks));
        Line(string.Create(CultureInfo.InvariantCulture, $"Salesforce API calls during the period: {ApiCalls} ({ApiCallsPer1000Routed:0.0} per 1,000 routed leads)"));
        Line(string.Create(CultureInfo.InvariantCulture, $"  while referrals arrived and were worked: {ApiCallsSalesPeriod} ({ApiCallsPer1000RoutedSalesPeriod:0.0} per 1,000 routed); after the 91-day jump: {ApiCalls - ApiCallsSalesPeriod}"));
        Line("  after the jump, by endpoint: " + (ApiCallsAfterJumpByEndpoint.Count == 0 ? "none" : Pairs(ApiCallsAfterJumpByEndpoint)));
        Line("  by endpoint: " + Pairs(ApiCallsByEndpoint));
        Line(string.Create(CultureInfo.InvariantCulture, $"Lead created → routed to the advocate's rep: p50 {LatencyP50Ms:0} ms, p99 {LatencyP99Ms:0} ms"));
        Line(string.Create(CultureInfo.InvariantCulture, $"Quarantined events: {Quarantined}"));
        Line(string.Create(CultureInfo.InvariantCulture, $"Consistency with the org's ground truth: lost {Check.Lost}, duplicate rewards {Check.DuplicateRewards}, state mismatches {Check.StateMismatches}, not routed {Check.NotRouted} → {(Check.Holds ? "HOLDS" : "FAILS")}"));
        foreach (var example in Check.Examples)
        {
            Line("  " + example);
        }

        Line(string.Create(CultureInfo.InvariantCulture, $"Elapsed: {ElapsedSeconds:0.0} s"));
        return text.ToString();
    }
}
