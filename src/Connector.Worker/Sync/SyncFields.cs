using Connector.Referrals.Processing;
using Connector.Salesforce.Describe;

namespace Connector.Worker.Sync;

/// <summary>
/// The fields a snapshot read (catch-up, resync, reconciliation) selects per object: what the domain reads, plus Id
/// and SystemModstamp (the change's key and order). Only fields the org's describe knows are selected, so an org
/// without multi-currency (no CurrencyIsoCode) or a renamed custom field does not fail every query.
/// </summary>
public static class SyncFields
{
    private static readonly string[] Lead =
    [
        "Id", "SystemModstamp", LeadFields.CreatedDate, LeadFields.FirstName, LeadFields.LastName, LeadFields.Company, LeadFields.Email,
        LeadFields.Phone, LeadFields.Status, LeadFields.IsConverted, LeadFields.ConvertedOpportunityId, LeadFields.OwnerId,
        LeadFields.Advocate, LeadFields.ReferralMethod, LeadFields.LoggedBy, LeadFields.ReferralCode,
    ];

    private static readonly string[] Opportunity =
    [
        "Id", "SystemModstamp", OpportunityFields.StageName, OpportunityFields.Amount, OpportunityFields.CurrencyIsoCode,
        OpportunityFields.CloseDate, OpportunityFields.Advocate, "Reward_Amount_Override__c", "OwnerId",
    ];

    private static readonly string[] Contact =
    [
        "Id", "SystemModstamp", ContactFields.AccountId, ContactFields.OwnerId, ContactFields.Advocate, ContactFields.InviteToProgram,
    ];

    private static readonly string[] Advocate =
    [
        "Id", "SystemModstamp", "Name", AdvocateFields.Contact, AdvocateFields.Account, AdvocateFields.OwnerId, AdvocateFields.Status,
        AdvocateFields.ReferralCode, AdvocateFields.EnrolledDate,
    ];

    /// <summary>The fields to select for <paramref name="entity"/>, limited to those <paramref name="describe"/> has; extra fields (e.g. the program's revenue field) are added.</summary>
    public static IReadOnlyList<string> For(ChangeEntity entity, SObjectDescription describe, IEnumerable<string>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(describe);
        var wanted = entity switch
        {
            ChangeEntity.Lead => Lead,
            ChangeEntity.Opportunity => Opportunity,
            ChangeEntity.Contact => Contact,
            ChangeEntity.Advocate => Advocate,
            _ => throw new ArgumentOutOfRangeException(nameof(entity), entity, null),
        };
        return [.. wanted.Concat(extra ?? []).Where(f => describe.FindField(f) is not null).Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// Only referral leads interest the connector: a catch-up over every lead of a large org would cost calls for nothing.
    /// Opportunities are not filtered: a converted referral lead's opportunity need not carry the advocate.
    /// </summary>
    public static Connector.Salesforce.Query.SoqlCondition? Filter(ChangeEntity entity, SObjectDescription describe) => entity switch
    {
        ChangeEntity.Lead when describe.FindField(LeadFields.ReferralCode) is not null =>
            Connector.Salesforce.Query.Soql.Field(LeadFields.Advocate).IsNotNull() | Connector.Salesforce.Query.Soql.Field(LeadFields.ReferralCode).IsNotNull(),
        ChangeEntity.Lead => Connector.Salesforce.Query.Soql.Field(LeadFields.Advocate).IsNotNull(),
        ChangeEntity.Contact => Connector.Salesforce.Query.Soql.Field(ContactFields.Advocate).IsNotNull() | Connector.Salesforce.Query.Soql.Field(ContactFields.InviteToProgram).Equal(true),
        _ => null,
    };
}
