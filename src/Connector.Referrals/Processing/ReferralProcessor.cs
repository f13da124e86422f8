using System.Collections.Immutable;
using System.Globalization;
using Connector.Referrals.Mapping;

namespace Connector.Referrals.Processing;

/// <summary>
/// Decides what one Salesforce change means for the referral ledger. Pure: the change, the relevant ledger rows and the
/// program config in; the new ledger values and decisions out. Never throws for business outcomes: an event that cannot
/// be applied is quarantined with its reason, an event that must not be applied (stale, already applied, not a
/// referral) is ignored with its reason.
/// <para>Ordering: Salesforce delivers one record's changes in commit order but nothing is promised across records,
/// and catch-up queries replay older snapshots. So each referral keeps the commit time of the last applied change per
/// record (lead, opportunity); an older change is stale and ignored, never regressing the state. Once the lead is
/// converted the opportunity drives the state and lead changes only update the referee's details. Opportunity changes
/// that arrive before the conversion links the opportunity are ignored; the link asks for a re-read of the
/// opportunity (<see cref="ResyncRequested"/>), which brings its latest stage whatever was missed.</para>
/// </summary>
public static class ReferralProcessor
{
    /// <summary>Which ledger rows <see cref="Process"/> needs for <paramref name="change"/>.</summary>
    public static LedgerLookup LookupFor(SalesforceChange change) => change.Entity switch
    {
        ChangeEntity.Lead => new LedgerLookup(
            change.EventKey, change.RecordId, change.Text(LeadFields.ConvertedOpportunityId), change.Text(LeadFields.Advocate),
            change.Text(LeadFields.ReferralCode), change.Text(LeadFields.Email), null),
        ChangeEntity.Opportunity => new LedgerLookup(change.EventKey, null, change.RecordId, null, null, null, null),
        ChangeEntity.Advocate => new LedgerLookup(change.EventKey, null, null, change.RecordId, null, null, null),
        _ => new LedgerLookup(change.EventKey, null, null, change.Text(ContactFields.Advocate), null, null, change.RecordId),
    };

    public static ProcessingResult Process(SalesforceChange change, LedgerView view, ProgramConfig config)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(config);

        if (view.EventAlreadyApplied)
        {
            return Result(change, new Ignored(IgnoreCode.AlreadyApplied, $"event {change.EventKey} was already applied"));
        }

        if (change.Kind == ChangeKind.Gap)
        {
            return Result(change, new ResyncRequested(change.Entity, change.RecordId,
                $"gap event for {change.Entity} {change.RecordId}: the event does not say what changed, so the record is re-read"));
        }

        return change.Entity switch
        {
            ChangeEntity.Lead => LeadChange.Process(change, view, config),
            ChangeEntity.Opportunity => OpportunityChange.Process(change, view, config),
            ChangeEntity.Advocate => AdvocateChange.Process(change, view),
            _ => ContactChange.Process(change, view),
        };
    }

    /// <summary>
    /// The retention check for multi-stage rewards, run by a scheduled job with the time passed in: a referral still Won
    /// <paramref name="retention"/> after its win asks the reward engine to evaluate the retention stage. Keyed by the win
    /// instance, so running the job again (or after a reversal and a new win) never repeats or skips one.
    /// </summary>
    public static RewardEvaluationRequested? RetentionDue(Referral referral, DateTimeOffset asOf, TimeSpan retention)
    {
        ArgumentNullException.ThrowIfNull(referral);
        if (referral.State != ReferralState.Won || referral.WonAt is not { } wonAt || wonAt + retention > asOf)
        {
            return null;
        }

        var days = retention.TotalDays.ToString("0.##", CultureInfo.InvariantCulture);
        return RewardRequest(referral, RewardTrigger.RetentionElapsed, wonAt, null,
            $"R-RETENTION: still won {days} days after the win at {wonAt.ToString("O", CultureInfo.InvariantCulture)}");
    }

    internal static RewardEvaluationRequested RewardRequest(
        Referral referral, RewardTrigger trigger, DateTimeOffset wonAt, ReferralState? reversedTo, string reason)
    {
        var deal = referral.Deal;
        var key = $"reward:{referral.Id}:{trigger switch
        {
            RewardTrigger.Won => "won",
            RewardTrigger.WinReversed => "reversed",
            _ => "retention",
        }}:{wonAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}";
        return new RewardEvaluationRequested(
            referral.Id,
            referral.AdvocateId,
            trigger,
            key,
            deal?.OpportunityId,
            referral.Method,
            wonAt,
            deal?.CloseDate,
            deal?.RevenueMoney,
            deal?.OverrideMoney,
            reversedTo,
            reversedTo is null ? null : referral.History.LastOrDefault()?.At,
            reason);
    }

    internal static ProcessingResult Result(SalesforceChange change, params ReferralDecision[] decisions) =>
        new(change.EventKey, [.. decisions]);

    internal static ProcessingResult Quarantine(SalesforceChange change, QuarantineCode code, string reason) =>
        Result(change, new Quarantined(code, reason, change.Summary()));

    internal static string Stamp(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Applies a mapped state to a referral: no-op, allowed transition, or the reason it is illegal.</summary>
    internal static (Referral Referral, StateChanged? Change, string? Illegal) Transition(
        Referral referral, MappedState mapped, SalesforceChange change, string mappingVersion)
    {
        var to = mapped.State!.Value;
        if (to == referral.State)
        {
            return (referral, null, null);
        }

        var check = ReferralTransitions.Check(referral.State, to);
        if (check.Rule is not { } rule)
        {
            return (referral, null, $"{check.IllegalReason} ({mapped.Explanation}; referral {referral.Id})");
        }

        var reason = $"{rule.RuleId}: {rule.Description} — {mapped.Explanation}";
        var moved = referral.MoveTo(to, change.CommitTimestamp, rule.RuleId, reason, mappingVersion, change.EventKey);
        return (moved, new StateChanged(referral.Id, referral.State, to, rule.Kind, rule.RuleId, mappingVersion, change.CommitTimestamp, reason), null);
    }
}

/// <summary>Salesforce field API names on Lead the processor reads.</summary>
public static class LeadFields
{
    public const string Status = "Status";
    public const string IsConverted = "IsConverted";
    public const string ConvertedOpportunityId = "ConvertedOpportunityId";
    public const string OwnerId = "OwnerId";
    public const string Email = "Email";
    public const string Phone = "Phone";
    public const string Company = "Company";
    public const string FirstName = "FirstName";
    public const string LastName = "LastName";
    public const string Name = "Name";
    public const string CreatedDate = "CreatedDate";
    public const string Advocate = "Advocate__c";
    public const string ReferralMethod = "Referral_Method__c";
    public const string LoggedBy = "Logged_By__c";
    public const string ReferralCode = "Referral_Code__c";
}

public static class OpportunityFields
{
    public const string StageName = "StageName";
    public const string Amount = "Amount";
    public const string CurrencyIsoCode = "CurrencyIsoCode";
    public const string CloseDate = "CloseDate";
    public const string Advocate = "Advocate__c";
}

public static class AdvocateFields
{
    public const string Contact = "Contact__c";
    public const string Account = "Account__c";
    public const string OwnerId = "OwnerId";
    public const string Status = "Status__c";
    public const string ReferralCode = "Referral_Code__c";
    public const string EnrolledDate = "Enrolled_Date__c";

    /// <summary>The advocate's Contact owner, as a snapshot read selects it through the relationship (the worker adds it).</summary>
    public const string ContactOwner = "Contact__r.OwnerId";

    /// <summary>The advocate's Account owner, as a snapshot read selects it through the relationship (the worker adds it).</summary>
    public const string AccountOwner = "Account__r.OwnerId";

    /// <summary>
    /// The advocate's Contact's own advocate lookup, as a snapshot read selects it through the relationship (the worker
    /// adds it when the org's Contact has the field): whether the contact already links to this advocate.
    /// </summary>
    public const string ContactAdvocate = "Contact__r.Advocate__c";
}

public static class ContactFields
{
    public const string Advocate = "Advocate__c";
    public const string AccountId = "AccountId";
    public const string OwnerId = "OwnerId";
    public const string InviteToProgram = "Invite_To_Referral_Program__c";

    /// <summary>The contact's Account owner, as a snapshot read selects it through the relationship (the worker adds it).</summary>
    public const string AccountOwner = "Account.OwnerId";
}
