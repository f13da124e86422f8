using Connector.Referrals.Processing;

namespace Connector.Referrals.Tests.Support;

/// <summary>
/// The ledger as the worker will drive it, in memory: build the view the processor asks for, apply the result (new
/// values, decisions, the event key unless quarantined), and answer re-read requests from the org.
/// </summary>
internal sealed class InMemoryLedger(ProgramConfig config, IEnumerable<Advocate> advocates, IEnumerable<SalesRep> reps, Func<ResyncRequested, SalesforceChange?> reread)
{
    private readonly Dictionary<string, Referral> _referrals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Advocate> _advocates = advocates.ToDictionary(a => a.Id, StringComparer.Ordinal);
    private readonly List<SalesRep> _reps = [.. reps];
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Referral> Referrals => _referrals;

    public IReadOnlySet<string> AppliedEventKeys => _applied;

    public List<(string EventKey, ReferralDecision Decision)> Decisions { get; } = [];

    public List<Quarantined> Quarantine { get; } = [];

    public void Apply(SalesforceChange change)
    {
        var pending = new Queue<SalesforceChange>([change]);
        while (pending.TryDequeue(out var next))
        {
            var result = ReferralProcessor.Process(next, ViewFor(ReferralProcessor.LookupFor(next)), config);
            if (result.Referral is { } referral)
            {
                _referrals[referral.Id] = referral;
            }

            if (result.Advocate is { } advocate)
            {
                _advocates[advocate.Id] = advocate;
            }

            if (result.MarksEventApplied)
            {
                _applied.Add(result.EventKey);
            }

            foreach (var decision in result.Decisions)
            {
                Decisions.Add((result.EventKey, decision));
                if (decision is Quarantined q)
                {
                    Quarantine.Add(q);
                }
                else if (decision is ResyncRequested resync && reread(resync) is { } snapshot)
                {
                    pending.Enqueue(snapshot);
                }
            }
        }
    }

    private LedgerView ViewFor(LedgerLookup lookup)
    {
        var email = lookup.RefereeEmail?.Trim().ToUpperInvariant();
        return new LedgerView
        {
            Referrals = [.. _referrals.Values.Where(r =>
                r.LeadId == lookup.LeadId || (lookup.OpportunityId is not null && r.OpportunityId == lookup.OpportunityId) ||
                (email is not null && r.Referee.NormalizedEmail == email))],
            Advocates = [.. _advocates.Values.Where(a =>
                a.Id == lookup.AdvocateId || (lookup.ContactId is not null && a.ContactId == lookup.ContactId) || a.HasCode(lookup.ReferralCode))],
            Reps = [.. _reps],
            EventAlreadyApplied = _applied.Contains(lookup.EventKey),
        };
    }
}
