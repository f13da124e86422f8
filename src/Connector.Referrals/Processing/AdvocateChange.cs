namespace Connector.Referrals.Processing;

/// <summary>Advocate__c changes keep the ledger's advocates (owner, status, code) current.</summary>
internal static class AdvocateChange
{
    public static ProcessingResult Process(SalesforceChange change, LedgerView view)
    {
        var known = view.Advocates.FirstOrDefault(a => a.Id == change.RecordId);
        if (known?.Watermark is { } watermark && change.CommitTimestamp < watermark)
        {
            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.Stale,
                $"stale: Advocate__c {change.RecordId} change committed {ReferralProcessor.Stamp(change.CommitTimestamp)} is older than the last applied {ReferralProcessor.Stamp(watermark)}"));
        }

        if (change.Kind == ChangeKind.Delete)
        {
            return known is null
                ? ReferralProcessor.Result(change, new Ignored(IgnoreCode.NoEffect, $"deleted advocate {change.RecordId} was never in the ledger"))
                : ReferralProcessor.Quarantine(change, QuarantineCode.RecordDeleted,
                    $"advocate {change.RecordId} was deleted in Salesforce; its referrals and rewards stay until reviewed");
        }

        if (known is null && !change.IsSnapshot)
        {
            return ReferralProcessor.Result(change, new ResyncRequested(ChangeEntity.Advocate, change.RecordId,
                $"advocate {change.RecordId} is not in the ledger and the change is partial; the whole record is needed"));
        }

        // Most updates of a known advocate are its profile figures, which the connector writes itself and Salesforce then
        // announces: nothing the ledger keeps moved, so nothing is written (not even an audit entry per write-back).
        if (known is not null && !change.IsSnapshot && !Kept.Any(change.Has))
        {
            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.NoEffect,
                $"advocate {change.RecordId}: only fields the ledger does not keep changed ({string.Join(", ", change.Fields.Keys.Order(StringComparer.Ordinal))})"));
        }

        var status = known?.Status ?? AdvocateStatus.Invited;
        if (change.Has(AdvocateFields.Status))
        {
            var text = change.Text(AdvocateFields.Status);
            if (Picklists.ParseAdvocateStatus(text) is not { } parsed)
            {
                return ReferralProcessor.Quarantine(change, QuarantineCode.BadValue, $"unknown advocate Status__c '{text}' on {change.RecordId}");
            }

            status = parsed;
        }

        string? Text(string field, string? current) => change.Has(field) ? change.Text(field) : current;
        var advocate = new Advocate(
            change.RecordId,
            Text(AdvocateFields.Contact, known?.ContactId),
            Text(AdvocateFields.Account, known?.AccountId),
            Text(AdvocateFields.OwnerId, known?.OwnerUserId),
            status,
            Text(AdvocateFields.ReferralCode, known?.ReferralCode),
            change.Has(AdvocateFields.EnrolledDate) ? change.Date(AdvocateFields.EnrolledDate) : known?.EnrolledDate)
        {
            // The related owners come with snapshot reads (the worker selects them through the relationships); a change of
            // the contact or account itself makes the known owner someone else's until the next read.
            ContactOwnerUserId = change.Has(AdvocateFields.ContactOwner) ? change.Text(AdvocateFields.ContactOwner)
                : change.Has(AdvocateFields.Contact) && change.Text(AdvocateFields.Contact) != known?.ContactId ? null : known?.ContactOwnerUserId,
            AccountOwnerUserId = change.Has(AdvocateFields.AccountOwner) ? change.Text(AdvocateFields.AccountOwner)
                : change.Has(AdvocateFields.Account) && change.Text(AdvocateFields.Account) != known?.AccountId ? null : known?.AccountOwnerUserId,
            Watermark = change.CommitTimestamp,
        };

        // An org whose advocates predate the connector has their contacts linked already: a first backfill would otherwise
        // write every one of them again (an update each, and a change event each coming back).
        var contactLinked = advocate.ContactId is not null && change.Text(AdvocateFields.ContactAdvocate) is { } linked && RecordIds.Same(linked, advocate.Id);
        var reason = known is null
            ? $"A-ENROL: advocate {advocate.Id} added ({advocate.Status}){(contactLinked ? $"; contact {advocate.ContactId} already links to it" : string.Empty)}"
            : $"A-UPDATE: advocate {advocate.Id} updated ({string.Join(", ", change.Fields.Keys.Order(StringComparer.Ordinal))})";
        return new ProcessingResult(change.EventKey, [new AdvocateUpdated(advocate, known is null, reason, contactLinked)], Advocate: advocate);
    }

    // The fields an advocate's ledger row is made of (the ones Process reads into it).
    private static readonly string[] Kept =
    [
        AdvocateFields.Contact, AdvocateFields.Account, AdvocateFields.OwnerId, AdvocateFields.Status, AdvocateFields.ReferralCode,
        AdvocateFields.EnrolledDate, AdvocateFields.ContactOwner, AdvocateFields.AccountOwner,
    ];
}

/// <summary>Contact changes matter for the one-click invitation, and keep an advocate's contact (and account) owner current for routing.</summary>
internal static class ContactChange
{
    public static ProcessingResult Process(SalesforceChange change, LedgerView view)
    {
        if (change.Kind != ChangeKind.Delete && OwnersChanged(change, view) is { } owners)
        {
            return new ProcessingResult(change.EventKey, [owners], Advocate: owners.Advocate);
        }

        var ticked = change.Flag(ContactFields.InviteToProgram) == true &&
            (change.IsSnapshot || change.ChangedFields.Contains(ContactFields.InviteToProgram));
        if (!ticked || change.Kind == ChangeKind.Delete)
        {
            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.NoEffect, $"contact {change.RecordId}: no program invitation in this change"));
        }

        var existing = view.Advocates.FirstOrDefault(a => a.ContactId == change.RecordId)
            ?? (change.Text(ContactFields.Advocate) is { } id ? view.Advocates.FirstOrDefault(a => a.Id == id) : null);
        if (existing is not null)
        {
            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.NoEffect,
                $"contact {change.RecordId} is already advocate {existing.Id} ({existing.Status})"));
        }

        return ReferralProcessor.Result(change, new AdvocateInvitationRequested(change.RecordId, change.Text(ContactFields.AccountId),
            change.Text(ContactFields.OwnerId), $"A-INVITE: contact {change.RecordId} was ticked for the referral program"));
    }

    /// <summary>
    /// The advocate of this contact with the owners the change carries (Contact.OwnerId; Account.OwnerId when a snapshot
    /// read selected it and the account is the advocate's), when either differs from what the ledger knows. The
    /// advocate's watermark is its Advocate__c commit time and stays: a contact's changes do not order Advocate__c's.
    /// </summary>
    private static AdvocateUpdated? OwnersChanged(SalesforceChange change, LedgerView view)
    {
        var advocate = view.Advocates.FirstOrDefault(a => a.ContactId == change.RecordId);
        if (advocate is null)
        {
            return null;
        }

        var contactOwner = change.Has(ContactFields.OwnerId) ? change.Text(ContactFields.OwnerId) : advocate.ContactOwnerUserId;
        var sameAccount = advocate.AccountId is not null && change.Text(ContactFields.AccountId) == advocate.AccountId;
        var accountOwner = sameAccount && change.Has(ContactFields.AccountOwner) ? change.Text(ContactFields.AccountOwner) : advocate.AccountOwnerUserId;
        if (contactOwner == advocate.ContactOwnerUserId && accountOwner == advocate.AccountOwnerUserId)
        {
            return null;
        }

        var updated = advocate with { ContactOwnerUserId = contactOwner, AccountOwnerUserId = accountOwner };
        return new AdvocateUpdated(updated, false,
            $"A-OWNERS: advocate {advocate.Id}'s contact {change.RecordId} is owned by {contactOwner ?? "(unknown)"}, its account {advocate.AccountId ?? "(none)"} by {accountOwner ?? "(unknown)"}");
    }
}
