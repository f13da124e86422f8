using System.Collections.Immutable;

namespace Connector.Referrals;

/// <summary>The person (and company) an advocate referred.</summary>
public sealed record Referee(string? Name, string? Company, string? Email, string? Phone)
{
    /// <summary>The email as duplicates are matched: trimmed, case-insensitive (mail providers ignore case in practice).</summary>
    public string? NormalizedEmail => string.IsNullOrWhiteSpace(Email) ? null : Email.Trim().ToUpperInvariant();
}

/// <summary>One entry of a referral's history: why it moved, under which rule and mapping version, caused by which event.</summary>
public sealed record StateChange(
    ReferralState? From,
    ReferralState To,
    DateTimeOffset At,
    string RuleId,
    string Reason,
    string? MappingVersion,
    string EventKey);

/// <summary>
/// What the ledger knows of the referral's opportunity. Change events carry only the fields that changed, so the
/// last known values are kept here and merged with each event.
/// </summary>
public sealed record Deal(
    string OpportunityId,
    string? StageName = null,
    decimal? Revenue = null,
    string? Currency = null,
    decimal? RewardOverride = null,
    DateOnly? CloseDate = null)
{
    /// <summary>The revenue as money, once both the amount and its currency are known.</summary>
    public Money? RevenueMoney => Revenue is { } amount && Currency is { } currency ? new Money(amount, currency) : null;

    /// <summary>The Salesforce reward override as money, once both the amount and its currency are known.</summary>
    public Money? OverrideMoney => RewardOverride is { } amount && Currency is { } currency ? new Money(amount, currency) : null;
}

/// <summary>
/// A referral: who referred whom, how, and where it stands. Immutable: processing a change yields a new value.
/// <see cref="Id"/> is derived from the Lead id (<see cref="IdForLead"/>) so that replaying the lead's creation can never
/// create a second referral.
/// </summary>
public sealed record Referral
{
    public required string Id { get; init; }
    public required string AdvocateId { get; init; }
    public required Referee Referee { get; init; }
    public ReferralMethod? Method { get; init; }

    /// <summary>The rep who logged a verbal referral (Lead.Logged_By__c).</summary>
    public string? LoggedByUserId { get; init; }

    public required string LeadId { get; init; }
    public Deal? Deal { get; init; }
    public required ReferralState State { get; init; }

    /// <summary>When the referral was submitted: the commit time of the lead's creation as first seen.</summary>
    public required DateTimeOffset SubmittedAt { get; init; }

    /// <summary>Set when <see cref="State"/> is <see cref="ReferralState.Duplicate"/>: the referral this one repeats.</summary>
    public string? DuplicateOfReferralId { get; init; }

    /// <summary>When the current win happened (commit time); null unless Won. Keys retention and reward evaluations.</summary>
    public DateTimeOffset? WonAt { get; init; }

    /// <summary>Commit time of the last applied change per Salesforce record: older changes are stale and never applied.</summary>
    public DateTimeOffset? LeadWatermark { get; init; }

    public DateTimeOffset? OpportunityWatermark { get; init; }

    public ImmutableList<StateChange> History { get; init; } = [];

    public string? OpportunityId => Deal?.OpportunityId;

    public bool IsOpen => State.IsOpen();

    public static string IdForLead(string leadId) => "ref-" + leadId;

    /// <summary>The referral after a transition, with the history entry that records why.</summary>
    public Referral MoveTo(ReferralState to, DateTimeOffset at, string ruleId, string reason, string? mappingVersion, string eventKey) => this with
    {
        State = to,
        WonAt = to == ReferralState.Won ? at : null,
        History = History.Add(new StateChange(State, to, at, ruleId, reason, mappingVersion, eventKey)),
    };
}
