using Connector.Metadata.Tests.Package;
using Connector.Metadata.Tests.Support;

namespace Connector.Metadata.Tests;

/// <summary>The repository's package passes every rule, and each rule finds the mistake it exists for in a broken copy.</summary>
public sealed class PackageRulesTests
{
    public static TheoryData<string> RuleNames => [.. PackageRules.All.Select(r => r.Name)];

    private static IReadOnlyList<string> Check(string rule, string root) =>
        PackageRules.All.Single(r => r.Name == rule).Check(SfdxPackage.Load(root));

    private static void AssertFinds(string rule, Action<PackageCopy> breakIt, string expected)
    {
        using var copy = new PackageCopy();
        Assert.Empty(Check(rule, copy.Root));

        breakIt(copy);

        var problems = Check(rule, copy.Root);
        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)),
            $"{rule} should report '{expected}'; it reported: {(problems.Count == 0 ? "nothing" : string.Join(" | ", problems))}");
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Rule_RepositoryPackage_FindsNoProblem(string rule)
    {
        var problems = Check(rule, PackageCopy.RealRoot);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Load_RepositoryPackage_IndexesWhatTheRulesCheck()
    {
        var package = SfdxPackage.Load(PackageCopy.RealRoot);

        Assert.Contains("Advocate__c", package.CustomObjects);
        Assert.True(package.HasField("Lead", "Referral_Method__c") && package.HasField("Lead", "Email"));
        Assert.Equal(["advocateProfile", "inviteToReferralProgram", "logVerbalReferral", "referralErrors"], package.LwcBundles());
        Assert.True(package.XmlFiles().Count() > 60);
        Assert.DoesNotContain(package.XmlFiles(), f => f.Contains("node_modules", StringComparison.Ordinal));
    }

    [Fact]
    public void WellFormedXml_MismatchedTag_IsFound() =>
        AssertFinds(nameof(PackageRules.WellFormedXml),
            c => c.Replace("objects/Advocate__c/fields/Status__c.field-meta.xml", "</label>", "</labl>"),
            "Status__c.field-meta.xml: malformed XML: The 'label' start tag");

    [Fact]
    public void WellFormedXml_BrokenConnectedApp_IsFound() =>
        AssertFinds(nameof(PackageRules.WellFormedXml),
            c => File.WriteAllText(Path.Combine(c.Root, "connected-app", "main", "default", "connectedApps", "Referral_Connector.connectedApp-meta.xml"), "this is { not xml"),
            "Referral_Connector.connectedApp-meta.xml: malformed XML");

    [Fact]
    public void FullNamesMatchFileNames_RenamedField_IsFound() =>
        AssertFinds(nameof(PackageRules.FullNamesMatchFileNames),
            c => c.Replace("objects/Advocate__c/fields/Referral_Code__c.field-meta.xml", "<fullName>Referral_Code__c</fullName>", "<fullName>Other_Name__c</fullName>"),
            "fullName 'Other_Name__c' does not match the file name 'Referral_Code__c'");

    [Fact]
    public void FieldDefinitions_UnknownType_IsFound() =>
        AssertFinds(nameof(PackageRules.FieldDefinitions),
            c => c.Replace("objects/Advocate__c/fields/Referral_Code__c.field-meta.xml", "<type>Text</type>", "<type>Strng</type>"),
            "objects/Advocate__c/fields/Referral_Code__c.field-meta.xml: unknown field type 'Strng'");

    [Fact]
    public void FieldDefinitions_TextWithoutLength_IsFound() =>
        AssertFinds(nameof(PackageRules.FieldDefinitions),
            c => c.Replace("objects/Lead/fields/Referral_Code__c.field-meta.xml", "<length>20</length>", string.Empty),
            "objects/Lead/fields/Referral_Code__c.field-meta.xml: a Text field needs <length>");

    [Fact]
    public void FieldDefinitions_MissingHelpText_IsFound() =>
        AssertFinds(nameof(PackageRules.FieldDefinitions),
            c => c.Replace("objects/Opportunity/fields/Referral_State__c.field-meta.xml",
                "<inlineHelpText>The state of the referral behind this opportunity, kept in step by the Referral Connector.</inlineHelpText>", string.Empty),
            "objects/Opportunity/fields/Referral_State__c.field-meta.xml: <inlineHelpText> is missing");

    [Fact]
    public void LookupTargets_MissingObject_IsFound() =>
        AssertFinds(nameof(PackageRules.LookupTargets),
            c => c.Replace("objects/Lead/fields/Advocate__c.field-meta.xml", "<referenceTo>Advocate__c</referenceTo>", "<referenceTo>Advocat__c</referenceTo>"),
            "referenceTo 'Advocat__c' is neither an object of this package nor a standard object");

    [Fact]
    public void LwcBundles_UnknownTarget_IsFound() =>
        AssertFinds(nameof(PackageRules.LwcBundles),
            c => c.Replace("lwc/advocateProfile/advocateProfile.js-meta.xml", "<target>lightning__RecordPage</target>", "<target>lightning__RecordPag</target>"),
            "unknown target 'lightning__RecordPag'");

    [Fact]
    public void LwcBundles_MissingMetaFile_IsFound() =>
        AssertFinds(nameof(PackageRules.LwcBundles),
            c => c.Delete("lwc/logVerbalReferral/logVerbalReferral.js-meta.xml"),
            "lwc/logVerbalReferral: logVerbalReferral.js-meta.xml is missing");

    [Fact]
    public void LwcBundles_MissingJavaScript_IsFound() =>
        AssertFinds(nameof(PackageRules.LwcBundles),
            c => c.Delete("lwc/advocateProfile/advocateProfile.js"),
            "lwc/advocateProfile: advocateProfile.js is missing");

    [Fact]
    public void LwcBundles_ActionTypeOnARecordPage_IsFound() =>
        AssertFinds(nameof(PackageRules.LwcBundles),
            c => c.Replace("lwc/advocateProfile/advocateProfile.js-meta.xml", "<objects>", "<actionType>ScreenAction</actionType><objects>"),
            "actionType is only valid for lightning__RecordAction");

    [Fact]
    public void LwcReferences_RenamedField_IsFound() =>
        AssertFinds(nameof(PackageRules.LwcReferences),
            c => c.Replace("lwc/advocateProfile/advocateProfile.js", "@salesforce/schema/Advocate__c.Rewards_Paid__c", "@salesforce/schema/Advocate__c.Rewards_Payed__c"),
            "imports schema 'Advocate__c.Rewards_Payed__c', but Advocate__c has no field Rewards_Payed__c");

    [Fact]
    public void LwcReferences_MissingApexMethod_IsFound() =>
        AssertFinds(nameof(PackageRules.LwcReferences),
            c => c.Replace("classes/ReferralLeadService.cls", "findLikelyDuplicates(", "findDuplicates("),
            "imports Apex 'ReferralLeadService.findLikelyDuplicates', but ReferralLeadService has no @AuraEnabled method findLikelyDuplicates");

    [Fact]
    public void ApexClasses_MissingMetaFile_IsFound() =>
        AssertFinds(nameof(PackageRules.ApexClasses),
            c => c.Delete("classes/ReferralLeadService.cls-meta.xml"),
            "ReferralLeadService.cls: ReferralLeadService.cls-meta.xml is missing");

    [Fact]
    public void ApexClasses_ClassNameNotTheFileName_IsFound() =>
        AssertFinds(nameof(PackageRules.ApexClasses),
            c => c.Replace("classes/ReferralLeadService.cls", "class ReferralLeadService", "class ReferralLeads"),
            "declares 'ReferralLeads', expected class ReferralLeadService");

    [Fact]
    public void PermissionSets_MissingField_IsFound() =>
        AssertFinds(nameof(PackageRules.PermissionSets),
            c => c.Replace("permissionsets/Referral_Sales_Rep.permissionset-meta.xml", "<field>Lead.Referral_Code__c</field>", "<field>Lead.Missing__c</field>"),
            "fieldPermissions for 'Lead.Missing__c', which does not exist");

    [Fact]
    public void PermissionSets_MissingApexClass_IsFound() =>
        AssertFinds(nameof(PackageRules.PermissionSets),
            c => c.Replace("permissionsets/Referral_Admin.permissionset-meta.xml", "<apexClass>ReferralLeadService</apexClass>", "<apexClass>ReferralLeadSvc</apexClass>"),
            "classAccesses for Apex class 'ReferralLeadSvc', which does not exist");

    [Fact]
    public void PermissionSets_EditWithoutRead_IsFound() =>
        AssertFinds(nameof(PackageRules.PermissionSets),
            c => c.Replace("permissionsets/Referral_Sales_Rep.permissionset-meta.xml", "<allowRead>true</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n        <object>Lead</object>",
                "<allowRead>false</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n        <object>Lead</object>"),
            "'Lead' grants create, edit, delete or view all without read");

    [Fact]
    public void QuickActions_MissingComponent_IsFound() =>
        AssertFinds(nameof(PackageRules.QuickActions),
            c => c.Replace("quickActions/Contact.Log_Verbal_Referral.quickAction-meta.xml", "<lightningWebComponent>logVerbalReferral<", "<lightningWebComponent>noSuchLwc<"),
            "lightningWebComponent 'noSuchLwc' is not a component of this package");

    [Fact]
    public void QuickActions_SubtypeDifferentFromTheComponent_IsFound() =>
        AssertFinds(nameof(PackageRules.QuickActions),
            c => c.Replace("quickActions/Contact.Invite_To_Referral_Program.quickAction-meta.xml", "<actionSubtype>Action<", "<actionSubtype>ScreenAction<"),
            "actionSubtype 'ScreenAction' but component 'inviteToReferralProgram' is a Action");

    [Fact]
    public void Layouts_MissingField_IsFound() =>
        AssertFinds(nameof(PackageRules.Layouts),
            c => c.Replace("layouts/Opportunity-Referral Program Opportunity Layout.layout-meta.xml", "<field>Referral_State__c</field>", "<field>Referral_Stat__c</field>"),
            "field 'Referral_Stat__c' does not exist on Opportunity");

    [Fact]
    public void Layouts_EditableSystemField_IsFound() =>
        AssertFinds(nameof(PackageRules.Layouts),
            c => c.Replace("layouts/Referral__c-Referral Layout.layout-meta.xml", "<behavior>Readonly</behavior>\n                <field>CreatedById</field>",
                "<behavior>Edit</behavior>\n                <field>CreatedById</field>"),
            "system field 'CreatedById' must be Readonly, not Edit");

    [Fact]
    public void Layouts_MissingQuickAction_IsFound() =>
        AssertFinds(nameof(PackageRules.Layouts),
            c => c.Delete("quickActions/Contact.Invite_To_Referral_Program.quickAction-meta.xml"),
            "quick action 'Contact.Invite_To_Referral_Program' does not exist");

    [Fact]
    public void Layouts_RelatedListFromAnotherParent_IsFound() =>
        AssertFinds(nameof(PackageRules.Layouts),
            c => c.Replace("layouts/Opportunity-Referral Program Opportunity Layout.layout-meta.xml", "<relatedList>Referral__c.Opportunity__c<", "<relatedList>Referral__c.Lead__c<"),
            "related list 'Referral__c.Lead__c' is not a lookup from Referral__c to Opportunity");

    [Fact]
    public void FlexiPages_ComponentNotForRecordPages_IsFound() =>
        AssertFinds(nameof(PackageRules.FlexiPages),
            c => c.Replace("flexipages/Lead_Referral_Record_Page.flexipage-meta.xml", "<componentName>advocateProfile<", "<componentName>logVerbalReferral<"),
            "component 'logVerbalReferral' is not exposed for lightning__RecordPage");

    [Fact]
    public void FlexiPages_ObjectTheComponentDoesNotSupport_IsFound() =>
        AssertFinds(nameof(PackageRules.FlexiPages),
            c => c.Replace("lwc/advocateProfile/advocateProfile.js-meta.xml", "<object>Lead</object>", string.Empty),
            "component 'advocateProfile' is not available for Lead record pages");

    [Fact]
    public void ChangeDataCapture_UnknownEntity_IsFound() =>
        AssertFinds(nameof(PackageRules.ChangeDataCapture),
            c => c.Replace("platformEventChannelMembers/ChangeEvents_LeadChangeEvent.platformEventChannelMember-meta.xml", "LeadChangeEvent<", "LeedChangeEvent<"),
            "selectedEntity 'LeedChangeEvent' is not the change event of an object that exists");

    [Fact]
    public void ConnectedApps_MissingPermissionSet_IsFound() =>
        AssertFinds(nameof(PackageRules.ConnectedApps),
            c => c.Delete("permissionsets/Referral_Connector_Integration.permissionset-meta.xml"),
            "permissionSetName 'Referral_Connector_Integration' is not a permission set of this package");
}
