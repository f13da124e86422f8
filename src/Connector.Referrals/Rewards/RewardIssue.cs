namespace Connector.Referrals.Rewards;

/// <summary>An expected business outcome the engine reports instead of throwing (for audit and the console).</summary>
public sealed record RewardIssue(RewardIssueCode Code, string Message);

public enum RewardIssueCode
{
    RulesInvalid,
    FactsInvalid,
    WonDateInFuture,
    RevenueMissing,
    RevenueNotPositive,
    FloorApplied,
    CapApplied,
    ExchangeRateMissing,
    ZeroReward,
    OverrideIgnored,
    OverrideApplied,
    RefereeMissing,
    AmountChangedAfterEarning,
    StaleFacts,
    ReversalDateMissing,
    ReversalBeforeWin,
    ReversalAfterRetention,
    ReversalDateUnknown,
    PaidAfterCancellation,
    EntriesOfOtherReferral,
}
