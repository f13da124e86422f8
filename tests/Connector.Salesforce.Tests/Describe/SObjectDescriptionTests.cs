using Connector.Salesforce.Describe;
using Connector.Salesforce.Tests.Support;

namespace Connector.Salesforce.Tests.Describe;

public sealed class SObjectDescriptionTests
{
    [Fact]
    public void Parse_RealLeadDescribe_ReadsFieldsTypesAndRelationships()
    {
        var lead = SObjectDescription.Parse(Fixtures.Json("rest-describe/sobject_describe_lead_cumulusci.json"));

        Assert.Equal("Lead", lead.Name);
        Assert.Equal("00Q", lead.KeyPrefix);
        Assert.False(lead.Custom);
        Assert.Equal(54, lead.Fields.Count);

        var company = lead.FindField("company")!;
        Assert.Equal("string", company.Type);
        Assert.Equal(255, company.Length);
        Assert.True(company.Createable && company.Updateable);
        Assert.False(company.Nillable);

        var owner = lead.FindRelationship("Owner")!;
        Assert.Equal("OwnerId", owner.Name);
        Assert.Equal(["Group", "User"], owner.ReferenceTo);

        var status = lead.FindField("Status")!;
        Assert.Equal("picklist", status.Type);
        Assert.Equal(4, status.PicklistValues.Count);
        Assert.Contains(status.PicklistValues, p => p.DefaultValue);

        var revenue = lead.FindField("AnnualRevenue")!;
        Assert.Equal("currency", revenue.Type);
        Assert.Equal(18, revenue.Precision);
        Assert.Equal(0, revenue.Scale);
        Assert.False(lead.FindField("Id")!.Createable);
    }

    [Fact]
    public void Parse_RealAccountDescribe_ReadsAllFields()
    {
        var account = SObjectDescription.Parse(Fixtures.Json("rest-describe/sobject_describe_account_cumulusci.json"));

        Assert.Equal("Account", account.Name);
        Assert.Equal(67, account.Fields.Count);
        Assert.Equal("Parent", account.FindField("ParentId")!.RelationshipName);
        Assert.Equal(["Account"], account.FindRelationship("Parent")!.ReferenceTo);
        Assert.Equal("picklist", account.FindField("Industry")!.Type);
    }

    [Fact]
    public void Parse_OldKeySetCustomObject_ToleratesMissingKeys()
    {
        var whizbang = SObjectDescription.Parse(Fixtures.Json("rest-describe/sobject_describe_custom_object_whizbang_restforce.json"));

        Assert.Equal("Whizbang", whizbang.Name);
        Assert.True(whizbang.Custom);
        Assert.Equal(30, whizbang.Fields.Count);
        var picklist = whizbang.FindField("Picklist_Field")!;
        Assert.True(picklist.Custom);
        Assert.Equal(10, picklist.PicklistValues.Count);
        Assert.Equal(18, whizbang.FindField("Currency_Field")!.Precision);
        Assert.Equal(["Group", "User"], whizbang.FindRelationship("Owner")!.ReferenceTo);
        Assert.All(whizbang.Fields, f => Assert.False(string.IsNullOrEmpty(f.Type)));
    }

    [Fact]
    public void ParseGlobal_RealGlobalDescribe_ListsEveryObject()
    {
        var objects = SObjectSummary.ParseGlobal(Fixtures.Json("rest-describe/global_describe_sobjects_cumulusci.json"));

        Assert.Equal(108, objects.Count);
        var account = Assert.Single(objects, o => o.Name == "Account");
        Assert.Equal("001", account.KeyPrefix);
        Assert.True(account.Queryable);
        Assert.False(account.Custom);
    }
}
