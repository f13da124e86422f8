using Connector.Salesforce.Describe;
using Connector.Salesforce.Query;
using Connector.Salesforce.Tests.Support;

namespace Connector.Salesforce.Tests.Query;

public sealed class SoqlValidationTests
{
    [Fact]
    public async Task ValidateAsync_KnownFieldsAndRelationshipPaths_Pass()
    {
        await using var h = await ClientHarness.StartAsync();
        var query = Soql.From("Lead").Select("Id", "Name", "Owner.Name", "Advocate__r.Contact__r.Email", "advocate__r.status__c")
            .Where(Soql.Field("Advocate__r.Account__r.Name").Equal("Acme") & Soql.Field("Referral_Method__c").Equal("Email"))
            .OrderBy("SystemModstamp");

        await query.ValidateAsync(h.Get<DescribeCache>(), CancellationToken.None);
    }

    [Theory]
    [InlineData("Lead", "Emial", "No field 'Emial' on Lead (in 'Emial')")]
    [InlineData("Lead", "Advocate__c.Name", "'Advocate__c' is not a relationship of Lead (in 'Advocate__c.Name')")]
    [InlineData("Lead", "Advocate__r.Contact__r.Nope", "No field 'Nope' on Contact (in 'Advocate__r.Contact__r.Nope')")]
    [InlineData("Lead", "Owner.Nope", "No field 'Nope' on ")]
    [InlineData("Leed", "Id", "Unknown sObject 'Leed'.")]
    public async Task ValidateAsync_UnknownNames_FailNamingThem(string sobject, string field, string message)
    {
        await using var h = await ClientHarness.StartAsync();

        var e = await Assert.ThrowsAsync<SoqlValidationException>(() =>
            Soql.From(sobject).Select("Id").Where(Soql.Field(field).IsNotNull()).ValidateAsync(h.Get<DescribeCache>(), CancellationToken.None));

        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }
}
