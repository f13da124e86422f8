using Connector.Referrals.Mapping;

namespace Connector.Referrals.Processing;

/// <summary>Lead changes: registering referral leads, routing them, duplicates, lead-status states, conversion.</summary>
internal static class LeadChange
{
    public static ProcessingResult Process(SalesforceChange change, LedgerView view, ProgramConfig config)
    {
        var referral = view.Referrals.FirstOrDefault(r => r.LeadId == change.RecordId);
        if (referral is null)
        {
            return change.Kind == ChangeKind.Delete
                ? ReferralProcessor.Result(change, new Ignored(IgnoreCode.NotAReferral, $"deleted lead {change.RecordId} was not a referral"))
                : Register(change, view, config);
        }

        if (referral.State == ReferralState.Duplicate)
        {
            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.DuplicateReferral,
                $"referral {referral.Id} is a duplicate of {referral.DuplicateOfReferralId}; its lead's changes are not tracked"));
        }

        if (referral.LeadWatermark is { } watermark && change.CommitTimestamp < watermark)
        {
            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.Stale,
                $"stale: Lead {change.RecordId} change committed {ReferralProcessor.Stamp(change.CommitTimestamp)} is older than the last applied " +
                $"{ReferralProcessor.Stamp(watermark)}; referral {referral.Id} stays {referral.State}"));
        }

        if (change.Kind == ChangeKind.Delete)
        {
            // A deleted lead (often the losing side of a merge) must not silently end a referral: someone decides.
            return ReferralProcessor.Quarantine(change, QuarantineCode.RecordDeleted,
                $"referral lead {change.RecordId} was deleted in Salesforce; referral {referral.Id} stays {referral.State} until reviewed");
        }

        return Update(referral, change, config);
    }

    private static ProcessingResult Update(Referral referral, SalesforceChange change, ProgramConfig config)
    {
        var decisions = new List<ReferralDecision>();
        var updated = MergeDetails(referral, change) with { LeadWatermark = change.CommitTimestamp };

        if (change.ChangedFields.Contains(LeadFields.Advocate) && change.Text(LeadFields.Advocate) is { } claimant && claimant != referral.AdvocateId)
        {
            decisions.Add(new DuplicateDetected(referral.Id, null, claimant, DuplicateMatch.LeadId,
                $"D-LEAD: lead {referral.LeadId} was already referred by advocate {referral.AdvocateId} (referral {referral.Id}); " +
                $"the later claim by advocate {claimant} is a duplicate and the referral keeps its advocate"));
        }

        var linkedBefore = referral.Deal is not null;
        if (!linkedBefore && (change.Has(LeadFields.Status) || change.Has(LeadFields.IsConverted)))
        {
            var mapped = config.Mapping.MapLeadStatus(change.Text(LeadFields.Status));
            if (!mapped.IsMapped)
            {
                return ReferralProcessor.Quarantine(change, QuarantineCode.UnmappedStatus, mapped.Explanation);
            }

            var (moved, stateChanged, illegal) = ReferralProcessor.Transition(updated, mapped, change, config.Mapping.Version);
            if (illegal is not null)
            {
                return ReferralProcessor.Quarantine(change, QuarantineCode.IllegalTransition, illegal);
            }

            updated = moved;
            if (stateChanged is not null)
            {
                decisions.Add(stateChanged);
            }
        }

        if (!linkedBefore && change.Text(LeadFields.ConvertedOpportunityId) is { } opportunityId)
        {
            updated = updated with { Deal = new Deal(opportunityId) };
            decisions.Add(new OpportunityLinked(referral.Id, referral.LeadId, opportunityId,
                $"L-CONVERTED: lead {referral.LeadId} converted to opportunity {opportunityId}"));
            decisions.Add(new ResyncRequested(ChangeEntity.Opportunity, opportunityId,
                $"opportunity {opportunityId} was just linked to referral {referral.Id}: its changes before the link were not applied"));
        }

        return new ProcessingResult(change.EventKey, [.. decisions], updated);
    }

    private static ProcessingResult Register(SalesforceChange change, LedgerView view, ProgramConfig config)
    {
        var advocateId = change.Text(LeadFields.Advocate);
        var code = change.Text(LeadFields.ReferralCode);
        if (advocateId is null && code is null)
        {
            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.NotAReferral, change.IsSnapshot
                ? $"lead {change.RecordId} is not a referral: no Advocate__c and no Referral_Code__c"
                : $"lead {change.RecordId} is not a known referral and the change names no advocate"));
        }

        if (!change.IsSnapshot)
        {
            return ReferralProcessor.Result(change, new ResyncRequested(ChangeEntity.Lead, change.RecordId,
                $"lead {change.RecordId} became a referral in a partial update; the whole lead is needed to register it"));
        }

        var advocate = (advocateId is null ? null : view.Advocates.FirstOrDefault(a => a.Id == advocateId))
            ?? (code is null ? null : view.Advocates.FirstOrDefault(a => a.HasCode(code)));
        if (advocate is null)
        {
            return ReferralProcessor.Quarantine(change, QuarantineCode.UnknownAdvocate,
                $"referral lead {change.RecordId}: " +
                (advocateId is null ? "no Advocate__c" : $"Advocate__c '{advocateId}' is not a known advocate") +
                (code is null ? " and no referral code" : $" and referral code '{code}' matches no advocate"));
        }

        var mapped = config.Mapping.MapLeadStatus(change.Text(LeadFields.Status));
        if (!mapped.IsMapped)
        {
            return ReferralProcessor.Quarantine(change, QuarantineCode.UnmappedStatus, mapped.Explanation);
        }

        var id = Referral.IdForLead(change.RecordId);
        var submittedAt = change.Value(LeadFields.CreatedDate) is FieldValue.TimestampValue created ? created.Value : change.CommitTimestamp;
        var fresh = MergeDetails(new Referral
        {
            Id = id,
            AdvocateId = advocate.Id,
            Referee = new Referee(null, null, null, null),
            LeadId = change.RecordId,
            State = mapped.State!.Value,
            SubmittedAt = submittedAt,
            LeadWatermark = change.CommitTimestamp,
        }, change);

        var matchedBy = advocateId == advocate.Id ? $"Advocate__c {advocate.Id}" : $"referral code '{code}' of advocate {advocate.Id}";
        var original = FindOriginal(fresh, view, config);
        var decisions = new List<ReferralDecision>();
        if (original is not null)
        {
            var reason = $"D-EMAIL: referee already referred in {original.Id} (lead {original.LeadId}, advocate {original.AdvocateId}, " +
                $"submitted {ReferralProcessor.Stamp(original.SubmittedAt)}, {original.State})";
            fresh = fresh with
            {
                State = ReferralState.Duplicate,
                DuplicateOfReferralId = original.Id,
                History = [new StateChange(null, ReferralState.Duplicate, change.CommitTimestamp, "R-DUPLICATE", reason, config.Mapping.Version, change.EventKey)],
            };
            decisions.Add(new ReferralRegistered(id, advocate.Id, fresh.LeadId, fresh.Method, fresh.State, $"R-REGISTER: referral lead via {matchedBy}"));
            decisions.Add(new DuplicateDetected(original.Id, id, advocate.Id, DuplicateMatch.RefereeEmail, reason));
            decisions.Add(new RoutingDecision(id, fresh.LeadId, RoutingAction.LeaveToOrgRules, null, "RT-DUPLICATE",
                $"RT-DUPLICATE: duplicate of {original.Id}; routing left to the org's rules"));
            return new ProcessingResult(change.EventKey, [.. decisions], fresh);
        }

        var registered = $"R-REGISTER: referral lead via {matchedBy} — {mapped.Explanation}";
        fresh = fresh with
        {
            History = [new StateChange(null, fresh.State, change.CommitTimestamp, "R-REGISTER", registered, config.Mapping.Version, change.EventKey)],
        };
        decisions.Add(new ReferralRegistered(id, advocate.Id, fresh.LeadId, fresh.Method, fresh.State, registered));

        if (change.Text(LeadFields.ConvertedOpportunityId) is { } opportunityId)
        {
            // Backfill of an already converted lead: link now, and read the opportunity for its current stage.
            fresh = fresh with { Deal = new Deal(opportunityId) };
            decisions.Add(new OpportunityLinked(id, fresh.LeadId, opportunityId, $"L-CONVERTED: lead {fresh.LeadId} converted to opportunity {opportunityId}"));
            decisions.Add(new ResyncRequested(ChangeEntity.Opportunity, opportunityId,
                $"opportunity {opportunityId} was just linked to referral {id}: its changes before the link were not applied"));
        }

        if (Routing.Decide(fresh, advocate, change, view, config) is { } routing)
        {
            decisions.Add(routing);
        }

        return new ProcessingResult(change.EventKey, [.. decisions], fresh);
    }

    private static Referral? FindOriginal(Referral fresh, LedgerView view, ProgramConfig config)
    {
        if (fresh.Referee.NormalizedEmail is not { } email)
        {
            return null;
        }

        // The earliest (then lowest id) of the others on the same email: a loop, as every lead of a backfill asks.
        var since = config.DuplicateWindow is { } window ? fresh.SubmittedAt - window : DateTimeOffset.MinValue;
        Referral? original = null;
        foreach (var r in view.Referrals)
        {
            if (r.Id != fresh.Id && r.State != ReferralState.Duplicate && r.SubmittedAt >= since && r.Referee.NormalizedEmail == email &&
                (original is null || r.SubmittedAt < original.SubmittedAt ||
                 (r.SubmittedAt == original.SubmittedAt && string.CompareOrdinal(r.Id, original.Id) < 0)))
            {
                original = r;
            }
        }

        return original;
    }

    /// <summary>Referee details and method from the fields the change carries; absent fields keep what is known.</summary>
    private static Referral MergeDetails(Referral referral, SalesforceChange change)
    {
        var referee = referral.Referee;
        if (change.Has(LeadFields.FirstName) || change.Has(LeadFields.LastName) || change.Has(LeadFields.Name))
        {
            var (first, last) = (change.Text(LeadFields.FirstName), change.Text(LeadFields.LastName));
            var name = change.Text(LeadFields.Name) ?? (first is null ? last ?? string.Empty : last is null ? first : $"{first} {last}");
            referee = referee with { Name = string.IsNullOrWhiteSpace(name) ? referee.Name : name };
        }

        referee = referee with
        {
            Company = change.Has(LeadFields.Company) ? change.Text(LeadFields.Company) : referee.Company,
            Email = change.Has(LeadFields.Email) ? change.Text(LeadFields.Email) : referee.Email,
            Phone = change.Has(LeadFields.Phone) ? change.Text(LeadFields.Phone) : referee.Phone,
        };

        return referral with
        {
            Referee = referee,
            Method = change.Has(LeadFields.ReferralMethod) ? Picklists.ParseMethod(change.Text(LeadFields.ReferralMethod)) : referral.Method,
            LoggedByUserId = change.Has(LeadFields.LoggedBy) ? change.Text(LeadFields.LoggedBy) : referral.LoggedByUserId,
        };
    }
}
