namespace Connector.Referrals;

/// <summary>
/// A customer or partner enrolled to refer (an <c>Advocate__c</c> record in Salesforce). <see cref="Id"/> is the
/// Advocate__c record id, which is what Lead.Advocate__c and Opportunity.Advocate__c point at.
/// </summary>
public sealed record Advocate(
    string Id,
    string? ContactId,
    string? AccountId,
    string? OwnerUserId,
    AdvocateStatus Status,
    string? ReferralCode,
    DateOnly? EnrolledDate)
{
    /// <summary>The owner of the advocate's Contact, as last read (routing by <c>OwnerSource.ContactOwner</c>); null: unknown.</summary>
    public string? ContactOwnerUserId { get; init; }

    /// <summary>The owner of the advocate's Account, as last read (routing by <c>OwnerSource.AccountOwner</c>); null: unknown.</summary>
    public string? AccountOwnerUserId { get; init; }

    /// <summary>Commit time of the last applied Advocate__c change: older changes are stale.</summary>
    public DateTimeOffset? Watermark { get; init; }

    /// <summary>Referral codes are typed by people (print cards, URLs): compare without case or surrounding spaces.</summary>
    public bool HasCode(string? code) =>
        ReferralCode is not null && code is not null &&
        string.Equals(ReferralCode.Trim(), code.Trim(), StringComparison.OrdinalIgnoreCase);
}

/// <summary>A Salesforce user who can own leads; inactive users cannot (Salesforce rejects the owner change).</summary>
public sealed record SalesRep(string UserId, bool IsActive, string? Name = null);
