using Connector.Referrals.Processing;
using static Connector.Referrals.Tests.Support.Org;

namespace Connector.Referrals.Tests.Processing;

public sealed class AdvocateChangeTests
{
    private static readonly ProgramConfig Config = Support.Org.Config();

    private static SalesforceChange Created() => new()
    {
        EventKey = "cdc:a1",
        Entity = ChangeEntity.Advocate,
        RecordId = "a00000000000005AAA",
        Kind = ChangeKind.Create,
        CommitTimestamp = T0,
        IsSnapshot = true,
        Fields = SalesforceChange.FieldsOf(("Contact__c", "003000000000005AAA"), ("Account__c", null), ("OwnerId", Rep),
            ("Status__c", "Active"), ("Referral_Code__c", "ZED5"), ("Enrolled_Date__c", new DateOnly(2025, 2, 1))),
    };

    [Fact]
    public void Process_AdvocateCreated_AddsIt()
    {
        var result = ReferralProcessor.Process(Created(), LedgerView.Empty, Config);

        Assert.Equal(new Advocate("a00000000000005AAA", "003000000000005AAA", null, Rep, AdvocateStatus.Active, "ZED5", new DateOnly(2025, 2, 1)) { Watermark = T0 },
            result.Advocate);
        Assert.True(result.OfType<AdvocateUpdated>().Single().Created);
    }

    [Theory]
    [InlineData("a00000000000005AAA", true)] // the same advocate, 18 characters
    [InlineData("a00000000000005", true)] // the same advocate, 15 characters
    [InlineData("a00000000000006AAA", false)] // another advocate
    [InlineData("A00000000000005AAA", false)] // ids are case-sensitive: another record
    [InlineData(null, false)] // the contact names no advocate
    public void Process_AdvocateCreatedWhoseContactLinksToIt_NoLinkToWriteBack(string? contactsAdvocate, bool linked)
    {
        var snapshot = Created() with { Fields = Created().Fields.SetItem(AdvocateFields.ContactAdvocate, FieldValue.FromObject(contactsAdvocate)) };

        var created = ReferralProcessor.Process(snapshot, LedgerView.Empty, Config).OfType<AdvocateUpdated>().Single();

        Assert.Equal(linked, created.ContactLinked);
        Assert.Equal(linked, created.Reason.Contains("already links to it", StringComparison.Ordinal));
    }

    [Fact]
    public void Process_AdvocateReadWithoutItsContactsLookup_ContactLinkUnknownSoWrittenBack() =>
        // The worker selects the related field only where the org's Contact has it: without it, the link is written back.
        Assert.False(ReferralProcessor.Process(Created(), LedgerView.Empty, Config).OfType<AdvocateUpdated>().Single().ContactLinked);

    [Fact]
    public void Process_UpdateOfProfileFiguresOnly_NothingToWrite()
    {
        var known = ReferralProcessor.Process(Created(), LedgerView.Empty, Config).Advocate!;
        var view = new LedgerView { Advocates = [known] };

        // The connector's own profile write-back, announced by Salesforce.
        var figures = ReferralProcessor.Process(Updated(ChangeEntity.Advocate, known.Id, T0.AddDays(1), "cdc:a3", ("Total_Referrals__c", 4m), ("Conversion_Rate__c", 25m)), view, Config);
        var withStatus = ReferralProcessor.Process(
            Updated(ChangeEntity.Advocate, known.Id, T0.AddDays(1), "cdc:a4", ("Total_Referrals__c", 4m), ("Status__c", "Opted Out")), view, Config);

        Assert.Equal(IgnoreCode.NoEffect, figures.OfType<Ignored>().Single().Code);
        Assert.Null(figures.Advocate);
        Assert.False(figures.MarksEventApplied);
        Assert.Equal(AdvocateStatus.OptedOut, withStatus.Advocate!.Status);
    }

    [Fact]
    public void Process_PartialUpdate_MergesAndStaleIgnored()
    {
        var known = ReferralProcessor.Process(Created(), LedgerView.Empty, Config).Advocate!;
        var view = new LedgerView { Advocates = [known] };

        var moved = ReferralProcessor.Process(Updated(ChangeEntity.Advocate, known.Id, T0.AddDays(1), "cdc:a2", ("OwnerId", InactiveRep), ("Status__c", "Opted Out")), view, Config);
        var stale = ReferralProcessor.Process(Updated(ChangeEntity.Advocate, known.Id, T0.AddHours(-1), "sync:a", ("Status__c", "Invited")),
            new LedgerView { Advocates = [moved.Advocate!] }, Config);

        Assert.Equal((InactiveRep, AdvocateStatus.OptedOut, "ZED5"), (moved.Advocate!.OwnerUserId, moved.Advocate.Status, moved.Advocate.ReferralCode));
        Assert.Equal(IgnoreCode.Stale, stale.OfType<Ignored>().Single().Code);
    }

    [Fact]
    public void Process_UnknownStatus_Quarantined() =>
        Assert.Equal(QuarantineCode.BadValue, ReferralProcessor.Process(Created() with
        {
            Fields = Created().Fields.SetItem("Status__c", FieldValue.Of("Paused")),
        }, LedgerView.Empty, Config).OfType<Quarantined>().Single().Code);

    [Fact]
    public void Process_ContactTickedForProgram_InvitationRequestedOnce()
    {
        var tick = Updated(ChangeEntity.Contact, "003000000000007AAA", T0, "cdc:c1", ("Invite_To_Referral_Program__c", true));

        Assert.Single(ReferralProcessor.Process(tick, LedgerView.Empty, Config).OfType<AdvocateInvitationRequested>());
        var already = new LedgerView { Advocates = [Advocate() with { ContactId = "003000000000007AAA" }] };
        Assert.Equal(IgnoreCode.NoEffect, ReferralProcessor.Process(tick, already, Config).OfType<Ignored>().Single().Code);
    }
}
