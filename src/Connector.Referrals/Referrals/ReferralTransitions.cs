using System.Collections.Frozen;

namespace Connector.Referrals;

/// <summary>What a transition means for the program (and, for wins and reversals, for rewards).</summary>
public enum TransitionKind
{
    /// <summary>Forward along Submitted → Working → Qualified → Opportunity.</summary>
    Advance,

    /// <summary>A rep moved the lead status back before conversion (e.g. Working → Open): a correction, no consequences.</summary>
    Correction,

    /// <summary>The deal closed: Opportunity → Won or Lost.</summary>
    Close,

    /// <summary>Open → Disqualified or Duplicate.</summary>
    Disqualify,

    /// <summary>A lost deal or disqualified lead worked again.</summary>
    Reopen,

    /// <summary>A win undone (Won → Opportunity or Lost): the reward engine decides what is cancelled or clawed back.</summary>
    Reversal,
}

/// <summary>An allowed transition with the rule id recorded in the referral's history and audit.</summary>
public sealed record TransitionRule(ReferralState From, ReferralState To, TransitionKind Kind, string RuleId, string Description);

/// <summary>The outcome of asking for a transition: allowed (with its rule) or illegal (with the reason to quarantine).</summary>
public readonly record struct TransitionCheck(TransitionRule? Rule, string? IllegalReason)
{
    public bool IsAllowed => Rule is not null;
}

public static class ReferralStateExtensions
{
    public static bool IsOpen(this ReferralState state) =>
        state is ReferralState.Submitted or ReferralState.Working or ReferralState.Qualified or ReferralState.Opportunity;
}

/// <summary>
/// The referral state machine as one table. Anything not in the table is illegal: the event that asks for it is
/// quarantined with the reason, never applied and never thrown. Duplicate is terminal: a duplicate is not tracked further
/// (its lead's later changes are ignored by the processor, not quarantined).
/// </summary>
public static class ReferralTransitions
{
    private static readonly TransitionRule[] Table =
    [
        Rule(ReferralState.Submitted, ReferralState.Working, TransitionKind.Advance, "T-ADVANCE", "work started"),
        Rule(ReferralState.Submitted, ReferralState.Qualified, TransitionKind.Advance, "T-ADVANCE", "qualified"),
        Rule(ReferralState.Submitted, ReferralState.Opportunity, TransitionKind.Advance, "T-ADVANCE", "converted to an opportunity"),
        Rule(ReferralState.Working, ReferralState.Qualified, TransitionKind.Advance, "T-ADVANCE", "qualified"),
        Rule(ReferralState.Working, ReferralState.Opportunity, TransitionKind.Advance, "T-ADVANCE", "converted to an opportunity"),
        Rule(ReferralState.Qualified, ReferralState.Opportunity, TransitionKind.Advance, "T-ADVANCE", "converted to an opportunity"),

        Rule(ReferralState.Working, ReferralState.Submitted, TransitionKind.Correction, "T-CORRECT", "lead status moved back before conversion"),
        Rule(ReferralState.Qualified, ReferralState.Submitted, TransitionKind.Correction, "T-CORRECT", "lead status moved back before conversion"),
        Rule(ReferralState.Qualified, ReferralState.Working, TransitionKind.Correction, "T-CORRECT", "lead status moved back before conversion"),

        Rule(ReferralState.Opportunity, ReferralState.Won, TransitionKind.Close, "T-WIN", "deal won"),
        Rule(ReferralState.Opportunity, ReferralState.Lost, TransitionKind.Close, "T-LOSE", "deal lost"),

        Rule(ReferralState.Submitted, ReferralState.Disqualified, TransitionKind.Disqualify, "T-DISQUALIFY", "disqualified"),
        Rule(ReferralState.Working, ReferralState.Disqualified, TransitionKind.Disqualify, "T-DISQUALIFY", "disqualified"),
        Rule(ReferralState.Qualified, ReferralState.Disqualified, TransitionKind.Disqualify, "T-DISQUALIFY", "disqualified"),
        Rule(ReferralState.Opportunity, ReferralState.Disqualified, TransitionKind.Disqualify, "T-DISQUALIFY", "disqualified"),
        Rule(ReferralState.Submitted, ReferralState.Duplicate, TransitionKind.Disqualify, "T-DUPLICATE", "duplicate of an earlier referral"),
        Rule(ReferralState.Working, ReferralState.Duplicate, TransitionKind.Disqualify, "T-DUPLICATE", "duplicate of an earlier referral"),
        Rule(ReferralState.Qualified, ReferralState.Duplicate, TransitionKind.Disqualify, "T-DUPLICATE", "duplicate of an earlier referral"),
        Rule(ReferralState.Opportunity, ReferralState.Duplicate, TransitionKind.Disqualify, "T-DUPLICATE", "duplicate of an earlier referral"),

        Rule(ReferralState.Lost, ReferralState.Opportunity, TransitionKind.Reopen, "T-REOPEN", "lost deal reopened"),
        Rule(ReferralState.Lost, ReferralState.Working, TransitionKind.Reopen, "T-REOPEN", "lost deal reopened"),
        // A deal closed lost by mistake and then closed won: Salesforce allows the stage change, so do we.
        Rule(ReferralState.Lost, ReferralState.Won, TransitionKind.Reopen, "T-REOPEN-WIN", "lost deal reopened and won"),
        Rule(ReferralState.Disqualified, ReferralState.Submitted, TransitionKind.Reopen, "T-REQUALIFY", "disqualified lead reopened"),
        Rule(ReferralState.Disqualified, ReferralState.Working, TransitionKind.Reopen, "T-REQUALIFY", "disqualified lead reopened"),
        Rule(ReferralState.Disqualified, ReferralState.Qualified, TransitionKind.Reopen, "T-REQUALIFY", "disqualified lead reopened"),
        Rule(ReferralState.Disqualified, ReferralState.Opportunity, TransitionKind.Reopen, "T-REQUALIFY", "disqualified lead converted"),

        Rule(ReferralState.Won, ReferralState.Opportunity, TransitionKind.Reversal, "T-REVERSE", "win reversed: deal reopened"),
        Rule(ReferralState.Won, ReferralState.Lost, TransitionKind.Reversal, "T-REVERSE", "win reversed: deal lost"),
    ];

    private static readonly FrozenDictionary<(ReferralState, ReferralState), TransitionRule> ByPair =
        Table.ToFrozenDictionary(r => (r.From, r.To));

    public static IReadOnlyList<TransitionRule> All => Table;

    /// <summary>Whether <paramref name="from"/> → <paramref name="to"/> is allowed. Staying in a state is not a transition.</summary>
    public static TransitionCheck Check(ReferralState from, ReferralState to)
    {
        if (ByPair.TryGetValue((from, to), out var rule))
        {
            return new TransitionCheck(rule, null);
        }

        var why = from == to
            ? $"{from} → {to} is not a transition"
            : from == ReferralState.Duplicate
                ? $"illegal transition {from} → {to}: Duplicate is terminal"
                : $"illegal transition {from} → {to}: allowed from {from} are {Allowed(from)}";
        return new TransitionCheck(null, why);
    }

    private static string Allowed(ReferralState from)
    {
        var targets = Table.Where(r => r.From == from).Select(r => r.To.ToString()).ToArray();
        return targets.Length == 0 ? "none" : string.Join(", ", targets);
    }

    private static TransitionRule Rule(ReferralState from, ReferralState to, TransitionKind kind, string id, string description) =>
        new(from, to, kind, id, description);
}
