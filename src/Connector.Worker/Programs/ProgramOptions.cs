using System.ComponentModel.DataAnnotations;

namespace Connector.Worker.Programs;

/// <summary>Which program the worker runs and how it reads the org (section "Worker:Program").</summary>
public sealed class ProgramOptions
{
    public const string SectionName = "Worker:Program";

    [Required(AllowEmptyStrings = false, ErrorMessage = SectionName + ":ProgramId is required.")]
    public string ProgramId { get; set; } = "default";

    /// <summary>The Opportunity currency or number field rewards are computed from.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = SectionName + ":RevenueField is required.")]
    public string RevenueField { get; set; } = "Amount";

    /// <summary>Lead routing to the advocate's rep (the per-program switch).</summary>
    public bool RoutingEnabled { get; set; } = true;

    /// <summary>
    /// Whose owner a referral lead goes to: AdvocateOwner (the Advocate__c record's owner, default), ContactOwner or
    /// AccountOwner (the advocate's Contact's / Account's owner). A version saved in the admin console overrides it.
    /// </summary>
    [EnumDataType(typeof(Connector.Referrals.Processing.OwnerSource), ErrorMessage = SectionName + ":OwnerSource must be AdvocateOwner, ContactOwner or AccountOwner.")]
    public Connector.Referrals.Processing.OwnerSource OwnerSource { get; set; } = Connector.Referrals.Processing.OwnerSource.AdvocateOwner;

    /// <summary>Queue (00G…) or user (005…) taking referral leads whose advocate's rep is missing or inactive; empty: leave the org's rules.</summary>
    [RegularExpression("^$|^(00G|005)[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$", ErrorMessage = SectionName + ":FallbackOwnerId must be a queue (00G…) or user (005…) id.")]
    public string? FallbackOwnerId { get; set; }

    /// <summary>
    /// Re-own referral leads submitted before the connector first started too. Off: the first start's backfill registers
    /// the org's referral history without reassigning leads reps already work.
    /// </summary>
    public bool RouteHistoricalLeads { get; set; }

    /// <summary>The org's corporate currency (single-currency orgs).</summary>
    public string DefaultCurrency { get; set; } = "USD";
}
