using System.Collections.Immutable;
using System.Globalization;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;
using Connector.Referrals.Tests.Support;

namespace Connector.Referrals.Tests.Processing;

/// <summary>
/// Issue 4's proof at domain level: thousands of generated referral histories, delivered the way Salesforce may deliver
/// them (interleaved across records but in commit order per record, duplicated, replayed from an older replay id, mixed
/// with catch-up snapshots of older states), applied through the processor to an in-memory ledger, and compared with an
/// oracle that only looks at each record's last state. Reproduce a failure with REFERRAL_FUZZ_SEED=&lt;seed&gt;.
/// </summary>
public sealed class RandomizedSequenceTests
{
    private const int Runs = 40;
    private const int LeadsPerRun = 80;

    [Fact]
    public void Process_GeneratedSequencesWithDuplicatesReorderingAndReplays_MatchOracle()
    {
        var seeds = Environment.GetEnvironmentVariable("REFERRAL_FUZZ_SEED") is { } one
            ? [int.Parse(one, CultureInfo.InvariantCulture)]
            : Enumerable.Range(1, Runs).Select(i => i * 7919).ToArray();
        var sequences = 0;
        foreach (var seed in seeds)
        {
            var failures = RunOnce(seed, out var referrals);
            Assert.True(failures.Count == 0, $"seed {seed} (rerun with REFERRAL_FUZZ_SEED={seed}):\n" + string.Join("\n", failures.Take(15)));
            sequences += referrals;
        }

        Assert.True(sequences >= 2_000 || seeds.Length == 1, $"only {sequences} referral sequences generated");
    }

    private static List<string> RunOnce(int seed, out int referralCount)
    {
        var random = new Random(seed);
        var org = SimulatedOrg.Generate(random, LeadsPerRun);
        referralCount = org.Leads.Count(l => l.IsReferral);

        var config = SimulatedOrg.Config();
        var ledger = new InMemoryLedger(config, org.Advocates, org.Reps, org.Reread);

        var stream = SimulatedOrg.Deliveries(random, org);
        foreach (var change in stream)
        {
            ledger.Apply(change);
        }

        var failures = Compare(org, ledger);

        // Redelivering everything once more must change nothing.
        var before = ledger.Decisions.Count;
        foreach (var change in stream)
        {
            ledger.Apply(change);
        }

        failures.AddRange(ledger.Decisions.Skip(before)
            .Where(d => d.Decision is not Ignored)
            .Select(d => $"full replay produced {d.Decision.GetType().Name} for {d.EventKey}: {d.Decision.Reason}"));
        return failures;
    }

    private static List<string> Compare(SimulatedOrg org, InMemoryLedger ledger)
    {
        var failures = ledger.Quarantine.Select(q => $"quarantined: {q.Reason}").ToList();
        var requests = ledger.Decisions.Select(d => d.Decision).OfType<RewardEvaluationRequested>().ToLookup(r => r.ReferralId);
        var registrations = ledger.Decisions.Select(d => d.Decision).OfType<ReferralRegistered>().ToLookup(r => r.ReferralId);
        var routings = ledger.Decisions.Select(d => d.Decision).OfType<RoutingDecision>().ToLookup(r => r.ReferralId);

        foreach (var lead in org.Leads)
        {
            var id = Referral.IdForLead(lead.Id);
            var expected = Oracle.FinalState(lead, org.OpportunityOf(lead));
            if (!ledger.Referrals.TryGetValue(id, out var referral))
            {
                if (expected is not null)
                {
                    failures.Add($"{lead.Id}: no referral, oracle says {expected}");
                }

                continue;
            }

            if (expected is null)
            {
                failures.Add($"{lead.Id}: not a referral lead but registered as {referral.State}");
                continue;
            }

            if (referral.State != expected)
            {
                failures.Add($"{lead.Id}: ledger {referral.State}, oracle {expected}; history: " +
                    string.Join(" → ", referral.History.Select(h => $"{h.To}@{h.EventKey}")));
            }

            if (registrations[id].Count() != 1 || routings[id].Count() > 1)
            {
                failures.Add($"{lead.Id}: registered {registrations[id].Count()} times, routed {routings[id].Count()} times");
            }

            failures.AddRange(CheckRewards(lead.Id, [.. requests[id]], expected.Value, org.OpportunityOf(lead)));
        }

        return failures;
    }

    /// <summary>
    /// Net reward facts against the oracle: requests alternate win, reversal, win…; a reversal names the win it undoes;
    /// keys never repeat; a referral Won at the end has exactly one standing win carrying the deal's final revenue.
    /// </summary>
    private static IEnumerable<string> CheckRewards(string leadId, List<RewardEvaluationRequested> requests, ReferralState expected, SimRecord? opportunity)
    {
        var standing = (RewardEvaluationRequested?)null;
        foreach (var request in requests)
        {
            // A win first evaluated without revenue is evaluated again (same key) once the revenue is known.
            if (!request.IsReversal && standing is not null && request.IdempotencyKey == standing.IdempotencyKey && standing.Revenue is null)
            {
                standing = request;
                continue;
            }

            if (request.IsReversal != (standing is not null) || (request.IsReversal && request.WonAt != standing!.WonAt))
            {
                yield return $"{leadId}: reward requests out of order: {string.Join(", ", requests.Select(r => r.IdempotencyKey))}";
                yield break;
            }

            standing = request.IsReversal ? null : request;
        }

        if (requests.Where(r => r.Revenue is not null || r.IsReversal).Select(r => r.IdempotencyKey).Distinct(StringComparer.Ordinal).Count() !=
            requests.Count(r => r.Revenue is not null || r.IsReversal))
        {
            yield return $"{leadId}: repeated reward idempotency keys";
        }

        if ((standing is not null) != (expected == ReferralState.Won))
        {
            yield return $"{leadId}: standing win {standing?.IdempotencyKey ?? "none"} but oracle state {expected}";
        }
        else if (standing is not null && Oracle.Revenue(opportunity!) is var revenue && standing.Revenue != revenue)
        {
            yield return $"{leadId}: won with revenue {standing.Revenue}, oracle {revenue}";
        }
    }
}
