namespace Connector.Referrals.Rewards;

/// <summary>
/// What the reward engine needs to know about one referral, as of the evaluation. <see cref="Won"/>,
/// <see cref="WonAt"/> and <see cref="WonDate"/> describe the latest win; <see cref="Reversed"/> says that win no
/// longer stands (the opportunity left Closed Won on <see cref="ReversalDate"/>). A reopened and re-won deal comes back
/// as Won with the new win time and Reversed false.
/// </summary>
public sealed record RewardFacts
{
    public required string ReferralId { get; init; }

    public required string AdvocateId { get; init; }

    /// <summary>The referee's id (contact/lead), for double-sided rewards.</summary>
    public string? RefereeId { get; init; }

    public bool Won { get; init; }

    /// <summary>The day of the win (UTC): effective dates, retention and maturity are counted from it.</summary>
    public DateOnly? WonDate { get; init; }

    /// <summary>
    /// The exact time of the win: what tells one win from another. A deal won, reversed and won again on the same day
    /// is two wins with one <see cref="WonDate"/>; only the instant tells the re-win from a replay of the first. Null
    /// when unknown: wins are then told apart by <see cref="WonDate"/> alone.
    /// </summary>
    public DateTimeOffset? WonAt { get; init; }

    /// <summary>The mapped revenue field (Opportunity.Amount by default) in the deal's currency; null when empty.</summary>
    public Money? Revenue { get; init; }

    /// <summary>Opportunity.Reward_Amount_Override__c, in the deal's currency; null when empty.</summary>
    public Money? RewardOverride { get; init; }

    /// <summary>The advocate's successful (won) referrals before this one, for escalating tiers.</summary>
    public int PriorSuccessfulReferrals { get; init; }

    public bool Reversed { get; init; }

    public DateOnly? ReversalDate { get; init; }

    /// <summary>The deal is won and that win still stands.</summary>
    public bool Stands => Won && !Reversed;
}
