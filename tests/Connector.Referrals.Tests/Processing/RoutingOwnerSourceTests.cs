using Connector.Referrals.Processing;
using static Connector.Referrals.Tests.Support.Org;

namespace Connector.Referrals.Tests.Processing;

/// <summary>Routing by the program's owner source: the advocate record's owner, its Contact's owner or its Account's owner.</summary>
public sealed class RoutingOwnerSourceTests
{
    private const string ContactRep = "005000000000003AAA";
    private const string AccountRep = "005000000000004AAA";
    private const string ContactId = "003000000000001AAA";
    private const string AccountId = "001000000000001AAA";

    private static readonly SalesRep[] Reps = [new(Rep, true), new(ContactRep, true), new(AccountRep, true), new(InactiveRep, false)];

    private static Advocate Known(string? contactOwner = ContactRep, string? accountOwner = AccountRep) =>
        Advocate() with { ContactOwnerUserId = contactOwner, AccountOwnerUserId = accountOwner };

    private static RoutingDecision Route(OwnerSource source, Advocate advocate) =>
        ReferralProcessor.Process(LeadCreated(), new LedgerView { Advocates = [advocate], Reps = [.. Reps] },
            Config() with { Routing = new RoutingSettings(OwnerSource: source) }).OfType<RoutingDecision>().Single();

    [Theory]
    [InlineData(OwnerSource.AdvocateOwner, Rep)]
    [InlineData(OwnerSource.ContactOwner, ContactRep)]
    [InlineData(OwnerSource.AccountOwner, AccountRep)]
    public void Route_EachOwnerSource_AssignsThatRecordsOwner(OwnerSource source, string expected)
    {
        var routing = Route(source, Known());

        Assert.Equal((RoutingAction.AssignToRep, expected, "RT-OWNER"), (routing.Action, routing.OwnerId, routing.RuleId));
    }

    [Fact]
    public void Route_ContactOwner_ReasonNamesTheContact()
    {
        Assert.Contains($"the owner of contact {ContactId}", Route(OwnerSource.ContactOwner, Known()).Reason, StringComparison.Ordinal);
        Assert.Contains($"the owner of account {AccountId}", Route(OwnerSource.AccountOwner, Known()).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_RelatedOwnerNotKnown_AdvocateRecordOwnerAndSaysSo()
    {
        var routing = Route(OwnerSource.AccountOwner, Known(accountOwner: null));

        Assert.Equal((RoutingAction.AssignToRep, Rep), (routing.Action, routing.OwnerId));
        Assert.Contains($"the owner of its account {AccountId} is not known", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_ContactOwnerInactive_FallsBackLikeAnyOwner()
    {
        var routing = Route(OwnerSource.ContactOwner, Known(contactOwner: InactiveRep));

        Assert.Equal((RoutingAction.LeaveToOrgRules, "RT-FALLBACK-ORG"), (routing.Action, routing.RuleId));
        Assert.Contains($"{InactiveRep} (the owner of contact {ContactId}", routing.Reason, StringComparison.Ordinal);
        Assert.Contains("is inactive", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AdvocateSnapshot_WithRelatedOwners_Remembered()
    {
        var change = Updated(ChangeEntity.Advocate, AdvocateId, T0.AddDays(1), "sync:a1",
            ("Contact__c", ContactId), ("Account__c", AccountId), (AdvocateFields.ContactOwner, ContactRep), (AdvocateFields.AccountOwner, AccountRep)) with { IsSnapshot = true };

        var advocate = ReferralProcessor.Process(change, new LedgerView { Advocates = [Advocate()] }, Config()).Advocate!;

        Assert.Equal((ContactRep, AccountRep), (advocate.ContactOwnerUserId, advocate.AccountOwnerUserId));
    }

    [Fact]
    public void AdvocateChange_ContactReplacedWithoutItsOwner_ContactOwnerForgotten()
    {
        var change = Updated(ChangeEntity.Advocate, AdvocateId, T0.AddDays(1), "cdc:a2", ("Contact__c", "003000000000009AAA"));

        var advocate = ReferralProcessor.Process(change, new LedgerView { Advocates = [Known()] }, Config()).Advocate!;

        Assert.Equal((null, AccountRep), (advocate.ContactOwnerUserId, advocate.AccountOwnerUserId));
    }

    [Fact]
    public void ContactOwnerChange_UpdatesTheAdvocatesContactOwnerKeepingItsWatermark()
    {
        var known = Known() with { Watermark = T0 };
        var change = Updated(ChangeEntity.Contact, ContactId, T0.AddDays(2), "cdc:c1", ("OwnerId", InactiveRep));

        var result = ReferralProcessor.Process(change, new LedgerView { Advocates = [known] }, Config());

        var updated = result.OfType<AdvocateUpdated>().Single();
        Assert.Equal((InactiveRep, AccountRep, (DateTimeOffset?)T0), (result.Advocate!.ContactOwnerUserId, result.Advocate.AccountOwnerUserId, result.Advocate.Watermark));
        Assert.False(updated.Created);
        Assert.StartsWith("A-OWNERS", updated.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ContactSnapshot_AccountOwnerOfTheAdvocatesAccount_Updated_OtherAccountIgnored()
    {
        SalesforceChange Snapshot(string account) => Updated(ChangeEntity.Contact, ContactId, T0.AddDays(2), "sync:c1",
            ("OwnerId", ContactRep), ("AccountId", account), (ContactFields.AccountOwner, Rep)) with { IsSnapshot = true };

        var same = ReferralProcessor.Process(Snapshot(AccountId), new LedgerView { Advocates = [Known()] }, Config());
        var other = ReferralProcessor.Process(Snapshot("001000000000009AAA"), new LedgerView { Advocates = [Known()] }, Config());

        Assert.Equal(Rep, same.Advocate!.AccountOwnerUserId);
        Assert.Null(other.Advocate);
        Assert.Equal(IgnoreCode.NoEffect, other.OfType<Ignored>().Single().Code);
    }
}
