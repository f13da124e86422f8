using Connector.Referrals.Mapping;

namespace Connector.Referrals.Processing;

/// <summary>
/// Lead routing for a program: referral leads go to the rep who owns the advocate ("break the lead assignment rules",
/// seed report) — the owner of the record <see cref="OwnerSource"/> names. When that rep is missing or inactive, the lead
/// goes to <see cref="FallbackQueueId"/> if set, else it stays where the org's assignment rule put it.
/// </summary>
public sealed record RoutingSettings(bool Enabled = true, string? FallbackQueueId = null, OwnerSource OwnerSource = OwnerSource.AdvocateOwner)
{
    /// <summary>
    /// Leads submitted before this instant are registered but not re-owned: a connector's first start on an org must not
    /// reassign years of history its reps already work. Null: every referral lead is routed.
    /// </summary>
    public DateTimeOffset? OnlySubmittedFrom { get; init; }
}

/// <summary>Whose owner a referral lead goes to: the rep who owns the advocate, as the org records that relationship.</summary>
public enum OwnerSource
{
    /// <summary>The owner of the advocate's Contact (Contact.OwnerId).</summary>
    ContactOwner,

    /// <summary>The owner of the advocate's Account (Account.OwnerId).</summary>
    AccountOwner,

    /// <summary>The owner of the Advocate__c record itself (the default).</summary>
    AdvocateOwner,
}

/// <summary>Everything program-specific the processor reads. Immutable; a changed mapping is a new mapping version.</summary>
public sealed record ProgramConfig
{
    public required string ProgramId { get; init; }
    public required StateMapping Mapping { get; init; }
    public RoutingSettings Routing { get; init; } = new();

    /// <summary>The Opportunity field rewards are computed from (revenue share); Amount unless the program says otherwise.</summary>
    public string RevenueField { get; init; } = "Amount";

    /// <summary>The Opportunity field holding a reward amount set in Salesforce, picked up at completion.</summary>
    public string RewardOverrideField { get; init; } = "Reward_Amount_Override__c";

    /// <summary>The org's corporate currency: amounts in a single-currency org (no CurrencyIsoCode field) are in it.</summary>
    public string DefaultCurrency { get; init; } = "USD";

    /// <summary>
    /// The org has multi-currency on, so every amount comes with its record's CurrencyIsoCode. An amount whose currency
    /// has not been seen yet (a partial change event) is then not revenue yet — never assumed to be in the corporate currency.
    /// </summary>
    public bool MultiCurrency { get; init; } = true;

    /// <summary>The currency an amount is in when the record names none: only a single-currency org has one.</summary>
    public string? CurrencyWhenUnstated => MultiCurrency ? null : DefaultCurrency;

    /// <summary>
    /// How long a referee stays "already referred": a second referral of the same email inside the window is a duplicate.
    /// Null: forever.
    /// </summary>
    public TimeSpan? DuplicateWindow { get; init; }
}
