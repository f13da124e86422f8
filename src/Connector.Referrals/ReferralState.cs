namespace Connector.Referrals;

/// <summary>Where a referral stands. Won and Lost can be left again (a reopened loss, a reversed win).</summary>
public enum ReferralState
{
    Submitted,
    Working,
    Qualified,
    Opportunity,
    Won,
    Lost,
    Disqualified,
    Duplicate,
}

/// <summary>How the referee reached the program (Lead.Referral_Method__c picklist values in Salesforce).</summary>
public enum ReferralMethod
{
    Verbal,
    Email,
    LeadForm,
    Social,
    ShareableUrl,
    PrintCard,
}

public enum AdvocateStatus
{
    Invited,
    Active,
    Inactive,
    OptedOut,
}

/// <summary>Salesforce picklist values ⇄ domain enums (the values in salesforce-metadata/).</summary>
public static class Picklists
{
    public static string ToPicklist(this ReferralMethod method) => method switch
    {
        ReferralMethod.LeadForm => "Lead Form",
        ReferralMethod.ShareableUrl => "Shareable URL",
        ReferralMethod.PrintCard => "Print Card",
        _ => method.ToString(),
    };

    public static ReferralMethod? ParseMethod(string? value) => value switch
    {
        "Verbal" => ReferralMethod.Verbal,
        "Email" => ReferralMethod.Email,
        "Lead Form" => ReferralMethod.LeadForm,
        "Social" => ReferralMethod.Social,
        "Shareable URL" => ReferralMethod.ShareableUrl,
        "Print Card" => ReferralMethod.PrintCard,
        _ => null,
    };

    public static string ToPicklist(this AdvocateStatus status) => status == AdvocateStatus.OptedOut ? "Opted Out" : status.ToString();

    public static AdvocateStatus? ParseAdvocateStatus(string? value) => value switch
    {
        "Invited" => AdvocateStatus.Invited,
        "Active" => AdvocateStatus.Active,
        "Inactive" => AdvocateStatus.Inactive,
        "Opted Out" => AdvocateStatus.OptedOut,
        _ => null,
    };
}
