using System.Collections.Immutable;
using Connector.Ledger.Programs;
using Connector.Referrals.Processing;
using Connector.Salesforce.Describe;
using Connector.Worker.Sync;

namespace Connector.Worker.Tests.Sync;

/// <summary>The program's field mapping applied to changes (names the domain reads) and to snapshot reads (fields selected, records filtered).</summary>
public sealed class MappedFieldsTests
{
    private static readonly FieldMapping Referrer = new() { LeadAdvocateField = "Referrer__c", LeadReferralCodeField = "Promo_Code__c" };

    private static SalesforceChange Lead(IEnumerable<(string Name, object? Value)> fields, IEnumerable<string>? changed = null) => new()
    {
        EventKey = "cdc:1",
        Entity = ChangeEntity.Lead,
        RecordId = "00Q000000000001AAA",
        Kind = ChangeKind.Update,
        CommitTimestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        Fields = SalesforceChange.FieldsOf([.. fields]),
        ChangedFields = (changed ?? []).ToImmutableHashSet(StringComparer.OrdinalIgnoreCase),
    };

    [Fact]
    public void Canonical_MappedAdvocateField_PresentedAsAdvocateAndTheOrgsOwnAdvocateFieldDropped()
    {
        var change = Lead([("Referrer__c", "a00000000000001AAA"), ("Advocate__c", "a00000000000009AAA"), ("Status", "Open")], ["Referrer__c", "Advocate__c"]);

        var canonical = MappedFields.Canonical(change, Referrer);

        Assert.Equal("a00000000000001AAA", canonical.Text(LeadFields.Advocate));
        Assert.Equal("Open", canonical.Text(LeadFields.Status));
        Assert.Contains(LeadFields.Advocate, canonical.ChangedFields);
    }

    [Fact]
    public void Canonical_MappedFieldUnchanged_CanonicalNeitherPresentNorChanged()
    {
        var change = Lead([("Advocate__c", "a00000000000009AAA"), ("Promo_Code__c", "R-1")], ["Advocate__c"]);

        var canonical = MappedFields.Canonical(change, Referrer);

        Assert.False(canonical.Has(LeadFields.Advocate));
        Assert.DoesNotContain(LeadFields.Advocate, canonical.ChangedFields);
        Assert.Equal("R-1", canonical.Text(LeadFields.ReferralCode));
    }

    [Fact]
    public void Canonical_SwappedFields_EachReadFromTheOriginal()
    {
        var swap = new FieldMapping { LeadAdvocateField = "Referral_Code__c", LeadReferralCodeField = "Advocate__c" };

        var canonical = MappedFields.Canonical(Lead([("Advocate__c", "CODE"), ("Referral_Code__c", "a00000000000001AAA")]), swap);

        Assert.Equal(("a00000000000001AAA", "CODE"), (canonical.Text(LeadFields.Advocate), canonical.Text(LeadFields.ReferralCode)));
    }

    [Fact]
    public void Canonical_DefaultMappingOrOtherObjects_SameInstance()
    {
        var lead = Lead([("Advocate__c", "a00000000000001AAA")]);
        var opportunity = lead with { Entity = ChangeEntity.Opportunity };

        Assert.Same(lead, MappedFields.Canonical(lead, new FieldMapping()));
        Assert.Same(opportunity, MappedFields.Canonical(opportunity, Referrer));
    }

    [Fact]
    public void Filter_LeadsWithTheMappedAdvocateOrCode()
    {
        var describe = new SObjectDescription("Lead",
        [
            new FieldDescription { Name = "Id", Type = "id" }, new FieldDescription { Name = "Referrer__c", Type = "reference" },
            new FieldDescription { Name = "Promo_Code__c", Type = "string" },
        ]);

        Assert.Equal("Referrer__c != null OR Promo_Code__c != null", SyncFields.Filter(ChangeEntity.Lead, describe, Referrer)!.ToString());
        Assert.Equal("Advocate__c != null", SyncFields.Filter(ChangeEntity.Lead, describe)!.ToString());
    }

    [Fact]
    public void For_RelatedOwner_SelectedWhenTheRelationshipExists()
    {
        var describe = new SObjectDescription("Advocate__c",
        [
            new FieldDescription { Name = "Id", Type = "id" }, new FieldDescription { Name = "SystemModstamp", Type = "datetime" },
            new FieldDescription { Name = "Contact__c", Type = "reference", RelationshipName = "Contact__r" },
        ]);

        var fields = SyncFields.For(ChangeEntity.Advocate, describe, [AdvocateFields.ContactOwner, AdvocateFields.AccountOwner]);

        Assert.Contains(AdvocateFields.ContactOwner, fields);
        Assert.DoesNotContain(AdvocateFields.AccountOwner, fields);
    }
}
