using System.Collections.Immutable;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;

namespace Connector.Referrals.Tests.Support;

/// <summary>The emulator's out-of-the-box org (OrgBootstrap) as describe rows, and change builders for tests.</summary>
internal static class Org
{
    public static readonly LeadStatusRow[] LeadStatuses =
    [
        new("Open - Not Contacted", IsConverted: false, IsDefault: true),
        new("Working - Contacted", IsConverted: false, IsDefault: false),
        new("Closed - Converted", IsConverted: true, IsDefault: false),
        new("Closed - Not Converted", IsConverted: false, IsDefault: false),
    ];

    public static readonly OpportunityStageRow[] Stages =
    [
        new("Prospecting", false, false),
        new("Qualification", false, false),
        new("Needs Analysis", false, false),
        new("Value Proposition", false, false),
        new("Id. Decision Makers", false, false),
        new("Perception Analysis", false, false),
        new("Proposal/Price Quote", false, false),
        new("Negotiation/Review", false, false),
        new("Closed Won", true, true),
        new("Closed Lost", true, false),
    ];

    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public const string Rep = "005000000000001AAA";
    public const string InactiveRep = "005000000000002AAA";
    public const string Queue = "00G000000000001AAA";
    public const string AdvocateId = "a00000000000001AAA";
    public const string Lead1 = "00Q000000000001AAA";
    public const string Lead2 = "00Q000000000002AAA";
    public const string Opp1 = "006000000000001AAA";

    public static StateMapping Mapping(string version = "v1") => DefaultStateMapping.FromOrg(version, LeadStatuses, Stages).Mapping;

    public static ProgramConfig Config(string version = "v1") => new() { ProgramId = "P1", Mapping = Mapping(version) };

    public static Advocate Advocate(string id = AdvocateId, string? owner = Rep, string? code = "ACME10") =>
        new(id, "003000000000001AAA", "001000000000001AAA", owner, AdvocateStatus.Active, code, new DateOnly(2025, 1, 1));

    public static LedgerView View(params Referral[] referrals) => new()
    {
        Referrals = [.. referrals],
        Advocates = [Advocate()],
        Reps = [new SalesRep(Rep, true), new SalesRep(InactiveRep, false)],
    };

    public static SalesforceChange LeadCreated(
        string leadId = Lead1, DateTimeOffset? at = null, string? advocate = AdvocateId, string status = "Open - Not Contacted",
        string? email = "pat@example.com", string? code = null, string owner = Queue, string? key = null) =>
        new()
        {
            EventKey = key ?? $"cdc:{leadId}:create",
            Entity = ChangeEntity.Lead,
            RecordId = leadId,
            Kind = ChangeKind.Create,
            CommitTimestamp = at ?? T0,
            IsSnapshot = true,
            Fields = SalesforceChange.FieldsOf(
                ("FirstName", "Pat"), ("LastName", "Lee"), ("Company", "Initech"), ("Email", email), ("Phone", "+1 555 0100"),
                ("Status", status), ("IsConverted", false), ("ConvertedOpportunityId", null), ("OwnerId", owner),
                ("Advocate__c", advocate), ("Referral_Method__c", "Verbal"), ("Logged_By__c", Rep), ("Referral_Code__c", code),
                ("CreatedDate", at ?? T0)),
        };

    public static SalesforceChange Updated(
        ChangeEntity entity, string recordId, DateTimeOffset at, string key, params (string Name, object? Value)[] fields) =>
        new()
        {
            EventKey = key,
            Entity = entity,
            RecordId = recordId,
            Kind = ChangeKind.Update,
            CommitTimestamp = at,
            Fields = SalesforceChange.FieldsOf(fields),
            ChangedFields = fields.Select(f => f.Name).ToImmutableHashSet(StringComparer.OrdinalIgnoreCase),
        };

    public static SalesforceChange LeadStatus(string status, DateTimeOffset at, string key, string leadId = Lead1) =>
        Updated(ChangeEntity.Lead, leadId, at, key, ("Status", status));

    public static SalesforceChange Converted(DateTimeOffset at, string key, string leadId = Lead1, string opportunityId = Opp1) =>
        Updated(ChangeEntity.Lead, leadId, at, key, ("Status", "Closed - Converted"), ("IsConverted", true), ("ConvertedOpportunityId", opportunityId));

    public static SalesforceChange Stage(string stage, DateTimeOffset at, string key, string opportunityId = Opp1) =>
        Updated(ChangeEntity.Opportunity, opportunityId, at, key, ("StageName", stage));

    /// <summary>Applies changes one after the other to a single referral, as the ledger would, returning every result.</summary>
    public static (Referral? Referral, List<ProcessingResult> Results) Run(ProgramConfig config, LedgerView view, params SalesforceChange[] changes)
    {
        var referral = view.Referrals.FirstOrDefault();
        var results = new List<ProcessingResult>();
        foreach (var change in changes)
        {
            var result = ReferralProcessor.Process(change, view with { Referrals = referral is null ? view.Referrals : [referral] }, config);
            referral = result.Referral ?? referral;
            results.Add(result);
        }

        return (referral, results);
    }
}
