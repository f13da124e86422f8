using System.Collections.Immutable;

namespace Connector.Referrals.Processing;

/// <summary>
/// What the processor decided about one change. Every decision says why (<see cref="Reason"/>, naming the rule and,
/// for states, the mapping version), so the ledger's audit trail is the list of decisions it recorded.
/// </summary>
public abstract record ReferralDecision
{
    public abstract string Reason { get; init; }
}

public sealed record ReferralRegistered(
    string ReferralId, string AdvocateId, string LeadId, ReferralMethod? Method, ReferralState State, string Reason) : ReferralDecision;

public sealed record StateChanged(
    string ReferralId, ReferralState From, ReferralState To, TransitionKind Kind, string RuleId, string? MappingVersion,
    DateTimeOffset At, string Reason) : ReferralDecision;

public sealed record OpportunityLinked(string ReferralId, string LeadId, string OpportunityId, string Reason) : ReferralDecision;

public enum DuplicateMatch
{
    /// <summary>Another lead with the same referee email was referred first.</summary>
    RefereeEmail,

    /// <summary>The lead is already a referral and a second advocate was set on it.</summary>
    LeadId,
}

/// <summary>
/// A referral repeats an earlier one. For an email match the new referral is registered in state Duplicate
/// (<see cref="DuplicateReferralId"/>); for a second advocate claiming an already referred lead there is no new referral
/// (null) and the original keeps its advocate.
/// </summary>
public sealed record DuplicateDetected(
    string OriginalReferralId, string? DuplicateReferralId, string ClaimingAdvocateId, DuplicateMatch MatchedOn, string Reason) : ReferralDecision;

public enum RoutingAction
{
    /// <summary>Set the lead owner to <see cref="RoutingDecision.OwnerId"/>, the rep who owns the advocate.</summary>
    AssignToRep,

    /// <summary>Set the lead owner to the program's fallback queue.</summary>
    AssignToQueue,

    /// <summary>Leave the owner the org's assignment rule chose.</summary>
    LeaveToOrgRules,

    /// <summary>The lead already belongs to the advocate's rep: nothing to write.</summary>
    AlreadyOwned,
}

public sealed record RoutingDecision(
    string ReferralId, string LeadId, RoutingAction Action, string? OwnerId, string RuleId, string Reason) : ReferralDecision
{
    /// <summary>Whether the worker must write Lead.OwnerId.</summary>
    public bool ChangesOwner => Action is RoutingAction.AssignToRep or RoutingAction.AssignToQueue;
}

public enum RewardTrigger
{
    /// <summary>The referral reached Won.</summary>
    Won,

    /// <summary>A win was undone (Won → Opportunity or Lost): cancel what is unpaid, claw back what was paid.</summary>
    WinReversed,

    /// <summary>The retention period after a win passed with the deal still won (multi-stage rewards).</summary>
    RetentionElapsed,
}

/// <summary>
/// The seam to the reward engine: the facts it needs, not a reward. <see cref="IdempotencyKey"/> names the win instance
/// (referral + the time it was won), so one win is evaluated once and one reversal cancels that win only, however often
/// the events are replayed.
/// </summary>
public sealed record RewardEvaluationRequested(
    string ReferralId,
    string AdvocateId,
    RewardTrigger Trigger,
    string IdempotencyKey,
    string? OpportunityId,
    ReferralMethod? Method,
    DateTimeOffset WonAt,
    DateOnly? WonDate,
    Money? Revenue,
    Money? RewardOverride,
    ReferralState? ReversedTo,
    DateTimeOffset? ReversedAt,
    string Reason) : ReferralDecision
{
    public bool IsReversal => Trigger == RewardTrigger.WinReversed;

    /// <summary>
    /// The reward engine's input. The win is the commit time of the win (not CloseDate, which reps edit and which
    /// does not move on a re-win); the ledger supplies the advocate's earlier successful referrals and the referee id.
    /// </summary>
    public Rewards.RewardFacts ToRewardFacts(int priorSuccessfulReferrals, string? refereeId = null) => new()
    {
        ReferralId = ReferralId,
        AdvocateId = AdvocateId,
        RefereeId = refereeId,
        Won = true,
        WonDate = DateOnly.FromDateTime(WonAt.UtcDateTime),
        WonAt = WonAt,
        Revenue = Revenue,
        RewardOverride = RewardOverride,
        PriorSuccessfulReferrals = priorSuccessfulReferrals,
        Reversed = IsReversal,
        ReversalDate = ReversedAt is { } at ? DateOnly.FromDateTime(at.UtcDateTime) : null,
    };
}

/// <summary>The worker re-reads the record and applies it as a snapshot change ("sync:{Id}:{SystemModstamp}").</summary>
public sealed record ResyncRequested(ChangeEntity Entity, string RecordId, string Reason) : ReferralDecision;

/// <summary>
/// The ledger's advocate was added or changed. A new advocate's contact is linked to it in Salesforce (the
/// one-click invitation's last step) unless <paramref name="ContactLinked"/>: the read showed the contact already names it.
/// </summary>
public sealed record AdvocateUpdated(Advocate Advocate, bool Created, string Reason, bool ContactLinked = false) : ReferralDecision;

/// <summary>A contact was ticked for the program (one-click invitation) and is not an advocate yet.</summary>
public sealed record AdvocateInvitationRequested(string ContactId, string? AccountId, string? OwnerUserId, string Reason) : ReferralDecision;

public enum QuarantineCode
{
    UnmappedStatus,
    UnmappedStage,
    IllegalTransition,
    UnknownAdvocate,
    BadValue,
    RecordDeleted,
}

/// <summary>
/// The change cannot be applied as it stands. The ledger stores it with the payload and does not mark the event applied,
/// so re-applying it (after the mapping is fixed, the advocate arrives…) goes through the processor again.
/// </summary>
public sealed record Quarantined(QuarantineCode Code, string Reason, string PayloadSummary) : ReferralDecision;

public enum IgnoreCode
{
    AlreadyApplied,
    Stale,
    NotAReferral,
    DuplicateReferral,
    NoEffect,
}

public sealed record Ignored(IgnoreCode Code, string Reason) : ReferralDecision;

/// <summary>
/// The outcome of one change: the decisions, plus the new ledger values to store (null: unchanged). The store writes
/// them, the decisions and — when <see cref="MarksEventApplied"/> — the event key in one transaction.
/// </summary>
public sealed record ProcessingResult(
    string EventKey,
    ImmutableArray<ReferralDecision> Decisions,
    Referral? Referral = null,
    Advocate? Advocate = null)
{
    /// <summary>
    /// Whether the store records <see cref="EventKey"/> as applied: only when the change had an effect. Quarantined
    /// changes stay re-appliable; ignored ones too, because what made them no-ops can change — an opportunity row ignored
    /// while no referral was linked to it must apply when the link's re-read fetches the very same
    /// "sync:{Id}:{SystemModstamp}" row (found by the randomized test). Re-processing an ignored change is harmless:
    /// stale stays stale, and a change that had no effect still has none.
    /// </summary>
    public bool MarksEventApplied =>
        Referral is not null || Advocate is not null || Decisions.Any(d => d is not (Ignored or Quarantined));

    public IEnumerable<T> OfType<T>() where T : ReferralDecision => Decisions.OfType<T>();
}
