using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Connector.Metadata.Tests.Support;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.Metadata.Tests;

/// <summary>
/// The org emulator reads its custom objects and fields from the package, so the two cannot drift: a field added
/// to a copy of the package shows up in the emulator's describe, and only there.
/// </summary>
public sealed class EmulatorDriftTests
{
    private const string ProbeField =
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
            <fullName>Drift_Probe__c</fullName>
            <inlineHelpText>Added by a test to prove the emulator reads the package.</inlineHelpText>
            <label>Drift Probe</label>
            <length>42</length>
            <required>false</required>
            <type>Text</type>
        </CustomField>
        """;

    private static async Task<JsonElement?> DescribeFieldAsync(string metadataPath, string sobject, string field)
    {
        await using var server = await EmulatorServer.StartAsync(new Dictionary<string, string?> { ["Emulator:MetadataPath"] = metadataPath });
        var options = server.Get<IOptions<EmulatorOptions>>().Value;
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        using var login = await http.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = options.ClientId, ["client_secret"] = options.ClientSecret,
            ["username"] = options.Username, ["password"] = options.Password,
        }));
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var describe = await http.GetFromJsonAsync<JsonElement>($"/services/data/v62.0/sobjects/{sobject}/describe");
        return describe.GetProperty("fields").EnumerateArray().Where(f => f.GetProperty("name").GetString() == field).Select(f => (JsonElement?)f).SingleOrDefault();
    }

    [Fact]
    public async Task Describe_FieldAddedToThePackage_AppearsWithItsDefinition()
    {
        using var copy = new PackageCopy();
        copy.Write("objects/Advocate__c/fields/Drift_Probe__c.field-meta.xml", ProbeField);

        var field = await DescribeFieldAsync(copy.Root, "Advocate__c", "Drift_Probe__c");

        Assert.NotNull(field);
        Assert.Equal(("string", 42, true), (field.Value.GetProperty("type").GetString(), field.Value.GetProperty("length").GetInt32(), field.Value.GetProperty("custom").GetBoolean()));
        Assert.Equal("Added by a test to prove the emulator reads the package.", field.Value.GetProperty("inlineHelpText").GetString());
    }

    [Fact]
    public async Task Describe_RepositoryPackage_HasNoProbeButHasThePackagesNewFields()
    {
        Assert.Null(await DescribeFieldAsync(PackageCopy.RealRoot, "Advocate__c", "Drift_Probe__c"));
        Assert.NotNull(await DescribeFieldAsync(PackageCopy.RealRoot, "Advocate__c", "Reward_Currency__c"));
    }

    [Fact]
    public async Task Describe_FieldRemovedFromThePackage_Disappears()
    {
        using var copy = new PackageCopy();
        copy.Delete("objects/Lead/fields/Referral_Notes__c.field-meta.xml");

        Assert.Null(await DescribeFieldAsync(copy.Root, "Lead", "Referral_Notes__c"));
    }
}
