namespace Connector.Referrals.Processing;

/// <summary>
/// Where a new referral lead goes. The seed report's advice, "break the lead assignment rules": the lead goes to the rep
/// who owns the advocate, which is what gets sales to recruit advocates. Fallbacks, in order: routing off for the program
/// → the org's rules; owner missing or inactive → the program's fallback queue, else the org's rules. Converted or closed
/// leads are not re-routed (Salesforce does not let a converted lead change owner).
/// </summary>
internal static class Routing
{
    public static RoutingDecision? Decide(Referral referral, Advocate advocate, SalesforceChange change, LedgerView view, ProgramConfig config)
    {
        if (referral.State is not (ReferralState.Submitted or ReferralState.Working or ReferralState.Qualified) ||
            change.Flag(LeadFields.IsConverted) == true)
        {
            return null;
        }

        RoutingDecision Decision(RoutingAction action, string? owner, string rule, string why) =>
            new(referral.Id, referral.LeadId, action, owner, rule, $"{rule}: {why}");

        if (!config.Routing.Enabled)
        {
            return Decision(RoutingAction.LeaveToOrgRules, null, "RT-OFF", $"lead routing is switched off for program {config.ProgramId}");
        }

        if (config.Routing.OnlySubmittedFrom is { } from && referral.SubmittedAt < from)
        {
            return Decision(RoutingAction.LeaveToOrgRules, null, "RT-HISTORY",
                $"lead submitted {ReferralProcessor.Stamp(referral.SubmittedAt)}, before routing started {ReferralProcessor.Stamp(from)}: its owner stands");
        }

        var (owner, whose) = Owner(advocate, config.Routing.OwnerSource);
        var rep = owner is null ? null : view.Reps.FirstOrDefault(r => r.UserId == owner);
        if (rep is { IsActive: true })
        {
            return change.Text(LeadFields.OwnerId) == rep.UserId
                ? Decision(RoutingAction.AlreadyOwned, rep.UserId, "RT-OWNER", $"lead already owned by {rep.UserId}, {whose}")
                : Decision(RoutingAction.AssignToRep, rep.UserId, "RT-OWNER", $"lead goes to {rep.UserId}, {whose}");
        }

        var why = owner is null
            ? $"advocate {advocate.Id} has no owning rep"
            : rep is null
                ? $"{owner} ({whose}) is not a known user"
                : $"{owner} ({whose}) is inactive";
        return config.Routing.FallbackQueueId is { } queue
            ? Decision(RoutingAction.AssignToQueue, queue, "RT-FALLBACK-QUEUE", $"{why}; lead goes to the program's queue {queue}")
            : Decision(RoutingAction.LeaveToOrgRules, null, "RT-FALLBACK-ORG", $"{why}; the org's assignment rule stands");
    }

    /// <summary>
    /// The rep the program's owner source names, and who that is in words. An advocate without that relationship (a
    /// partner advocate with no contact) or whose related owner is not known yet goes to the Advocate__c record's owner,
    /// and the reason says so.
    /// </summary>
    private static (string? Owner, string Whose) Owner(Advocate advocate, OwnerSource source)
    {
        var recordOwner = $"the rep who owns advocate {advocate.Id}";
        return source switch
        {
            OwnerSource.ContactOwner when advocate.ContactOwnerUserId is { } contactOwner =>
                (contactOwner, $"the owner of contact {advocate.ContactId}, advocate {advocate.Id}'s contact"),
            OwnerSource.AccountOwner when advocate.AccountOwnerUserId is { } accountOwner =>
                (accountOwner, $"the owner of account {advocate.AccountId}, advocate {advocate.Id}'s account"),
            OwnerSource.ContactOwner =>
                (advocate.OwnerUserId, $"{recordOwner} (the owner of its contact {advocate.ContactId ?? "(none)"} is not known)"),
            OwnerSource.AccountOwner =>
                (advocate.OwnerUserId, $"{recordOwner} (the owner of its account {advocate.AccountId ?? "(none)"} is not known)"),
            _ => (advocate.OwnerUserId, recordOwner),
        };
    }
}
