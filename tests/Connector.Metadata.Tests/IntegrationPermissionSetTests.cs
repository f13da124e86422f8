using System.Xml.Linq;
using Connector.Ledger.Reading;
using Connector.Metadata.Tests.Package;
using Connector.Metadata.Tests.Support;
using Connector.Referrals.Processing;

namespace Connector.Metadata.Tests;

/// <summary>
/// The integration user's permission set is least privilege: it grants what the connector reads and writes (the
/// field names come from the connector's own constants, so a new field the code uses without access fails here)
/// and nothing a connector never needs.
/// </summary>
public sealed class IntegrationPermissionSetTests
{
    private static readonly XNamespace Md = SfdxPackage.Md;
    private static readonly XElement Set = XDocument.Load(Path.Combine(PackageCopy.RealRoot, "force-app", "main", "default", "permissionsets",
        "Referral_Connector_Integration.permissionset-meta.xml")).Root!;

    private static Dictionary<string, (bool Read, bool Edit)> FieldAccess() =>
        Set.Elements(Md + "fieldPermissions").ToDictionary(
            f => SfdxPackage.Text(f, "field")!,
            f => (SfdxPackage.Text(f, "readable") == "true", SfdxPackage.Text(f, "editable") == "true"),
            StringComparer.Ordinal);

    private static Dictionary<string, XElement> Objects() =>
        Set.Elements(Md + "objectPermissions").ToDictionary(o => SfdxPackage.Text(o, "object")!, StringComparer.Ordinal);

    private static bool Flag(XElement permission, string name) => SfdxPackage.Text(permission, name) == "true";

    public static TheoryData<string> ReadFields => new()
    {
        $"Lead.{LeadFields.Advocate}", $"Lead.{LeadFields.ReferralMethod}", $"Lead.{LeadFields.LoggedBy}", $"Lead.{LeadFields.ReferralCode}",
        $"Lead.{LeadFields.Email}", $"Lead.{LeadFields.Phone}",
        $"Opportunity.{OpportunityFields.Advocate}", $"Opportunity.{OpportunityFields.Amount}", "Opportunity.Reward_Amount_Override__c",
        $"Contact.{ContactFields.Advocate}", $"Contact.{ContactFields.InviteToProgram}",
    };

    // What the outbox writes: the invitation's Advocate__c upsert and the contact link (ReferralLedger), the profile
    // figures (AdvocateProfile.Fields), and Referral__c upserts by External_Key__c.
    public static TheoryData<string> WrittenFields
    {
        get
        {
            var data = new TheoryData<string>
            {
                "Advocate__c.External_Key__c", $"Advocate__c.{AdvocateFields.Contact}", $"Advocate__c.{AdvocateFields.Account}",
                $"Advocate__c.{AdvocateFields.Status}", $"Advocate__c.{AdvocateFields.ReferralCode}", $"Advocate__c.{AdvocateFields.EnrolledDate}",
                $"Contact.{ContactFields.Advocate}", "Referral__c.External_Key__c", "Referral__c.State__c",
            };
            foreach (var name in ProfileFields)
            {
                data.Add($"Advocate__c.{name}");
            }

            return data;
        }
    }

    // The fields the profile write-back sets, as the ledger names them.
    private static IEnumerable<string> ProfileFields =>
        new AdvocateProfile("a00000000000001AAA", 0, 0, 0, 0, 0m, "USD", 0m, 0m, 0m, null).ToFields().Keys;

    [Theory]
    [MemberData(nameof(ReadFields))]
    public void IntegrationSet_FieldTheConnectorReads_IsReadable(string field) =>
        Assert.True(FieldAccess().TryGetValue(field, out var access) && access.Read, $"{field} is not readable");

    [Theory]
    [MemberData(nameof(WrittenFields))]
    public void IntegrationSet_FieldTheConnectorWrites_IsEditable(string field) =>
        Assert.True(FieldAccess().TryGetValue(field, out var access) && access.Edit, $"{field} is not editable");

    [Fact]
    public void IntegrationSet_ChangeDataCaptureObjects_HaveViewAll()
    {
        // CDC delivers an object's events only to users with View All on it.
        var objects = Objects();
        Assert.All(new[] { "Lead", "Opportunity", "Contact", "Advocate__c" }, o => Assert.True(Flag(objects[o], "viewAllRecords"), $"{o} lacks View All"));
    }

    [Fact]
    public void IntegrationSet_OwnerRouting_CanEditAndTransferLeads()
    {
        Assert.True(Flag(Objects()["Lead"], "allowEdit"));
        Assert.Contains(Set.Elements(Md + "userPermissions"), p => SfdxPackage.Text(p, "name") == "TransferAnyLead" && Flag(p, "enabled"));
    }

    [Fact]
    public void IntegrationSet_GrantsNothingTheConnectorNeverDoes()
    {
        var objects = Objects();

        Assert.All(objects.Values, o => Assert.False(Flag(o, "allowDelete") || Flag(o, "modifyAllRecords"), $"{SfdxPackage.Text(o, "object")} grants delete or modify all"));
        Assert.All(new[] { "Opportunity", "Account" }, o => Assert.False(Flag(objects[o], "allowEdit") || Flag(objects[o], "allowCreate"), $"{o} is writable"));
        // Contact is edited only to link it to its advocate: no other Contact field is editable.
        Assert.False(Flag(objects["Contact"], "allowCreate"));
        Assert.Equal(["Contact.Advocate__c"], FieldAccess().Where(f => f.Key.StartsWith("Contact.", StringComparison.Ordinal) && f.Value.Edit).Select(f => f.Key));
        Assert.Empty(Set.Elements(Md + "classAccesses"));
        Assert.Empty(Set.Elements(Md + "tabSettings"));
        Assert.DoesNotContain("Lead.Referral_Notes__c", FieldAccess().Keys);
        Assert.Equal(["ApiEnabled", "TransferAnyLead"], Set.Elements(Md + "userPermissions").Select(p => SfdxPackage.Text(p, "name")!).Order(StringComparer.Ordinal));
    }
}
