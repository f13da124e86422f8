using Connector.Ledger.Programs;
using Connector.Referrals.Processing;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Query;

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

    /// <summary>
    /// The fields to select for <paramref name="entity"/>, limited to those <paramref name="describe"/> has; extra fields
    /// (the program's revenue field, mapped fields, related owners such as <c>Contact__r.OwnerId</c>) are added. A related
    /// field is kept when the describe has its relationship.
    /// </summary>
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
        return [.. wanted.Concat(extra ?? []).Where(f => Known(describe, f)).Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// Only referral leads interest the connector: a catch-up over every lead of a large org would cost calls for nothing.
    /// Opportunities are not filtered: a converted referral lead's opportunity need not carry the advocate. The advocate
    /// and code fields are the ones <paramref name="mapping"/> names (canonical when null).
    /// </summary>
    public static SoqlCondition? Filter(ChangeEntity entity, SObjectDescription describe, FieldMapping? mapping = null)
    {
        ArgumentNullException.ThrowIfNull(describe);
        mapping ??= new FieldMapping();
        var advocate = Soql.Field(MappedFields.SourceOf(entity, entity == ChangeEntity.Contact ? ContactFields.Advocate : LeadFields.Advocate, mapping));
        var code = MappedFields.SourceOf(ChangeEntity.Lead, LeadFields.ReferralCode, mapping);
        return entity switch
        {
            ChangeEntity.Lead when describe.FindField(code) is not null => advocate.IsNotNull() | Soql.Field(code).IsNotNull(),
            ChangeEntity.Lead => advocate.IsNotNull(),
            ChangeEntity.Contact => advocate.IsNotNull() | Soql.Field(ContactFields.InviteToProgram).Equal(true),
            _ => null,
        };
    }

    private static bool Known(SObjectDescription describe, string field)
    {
        var dot = field.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? describe.FindField(field) is not null : describe.FindRelationship(field[..dot]) is not null;
    }
}
