using System.Net;
using System.Text.Json;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Schema;

[Collection(EmulatorCollection.Name)]
public sealed class DescribeEndpointsTests(EmulatorFixture fixture)
{
    private const string V = EmulatorFixture.V;

    private static JsonElement Fixture(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rest-describe", name)));
        return doc.RootElement.Clone();
    }

    private static string[] Keys(JsonElement o) => [.. o.EnumerateObject().Select(p => p.Name)];

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await fixture.Http.GetAsync(V + path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.ReadAsync();
    }

    [Fact]
    public async Task GlobalDescribe_EveryObject_HasTheRealItemKeysInOrder()
    {
        var real = Fixture("global_describe_sobjects_cumulusci.json");

        var body = await GetJsonAsync("/sobjects");

        Assert.Equal(Keys(real), Keys(body));
        Assert.Equal(("UTF-8", 200), (body.Str("encoding"), body.GetProperty("maxBatchSize").GetInt32()));
        var expected = Keys(real.GetProperty("sobjects")[0]);
        Assert.All(body.GetProperty("sobjects").EnumerateArray(), o => Assert.Equal(expected, Keys(o)));
    }

    [Fact]
    public async Task GlobalDescribe_CustomSchema_ListsCustomObjectsAndPlatformEvent()
    {
        var body = await GetJsonAsync("/sobjects");
        var byName = body.GetProperty("sobjects").EnumerateArray().ToDictionary(o => o.Str("name"));

        Assert.Equal("a00", byName["Advocate__c"].Str("keyPrefix"));
        Assert.Equal("a01", byName["Referral__c"].Str("keyPrefix"));
        Assert.True(byName["Advocate__c"].GetProperty("custom").GetBoolean());
        var e = byName["Referral_Logged__e"];
        Assert.Equal(("e00", true, false, false), (e.Str("keyPrefix"), e.GetProperty("createable").GetBoolean(), e.GetProperty("queryable").GetBoolean(), e.GetProperty("updateable").GetBoolean()));
        Assert.Equal($"{V}/sobjects/Referral_Logged__e/eventSchema", e.GetProperty("urls").Str("eventSchema"));
        Assert.Equal($"{V}/sobjects/Lead/describe", byName["Lead"].GetProperty("urls").Str("describe"));
    }

    [Fact]
    public async Task Describe_Lead_HasTheRealKeysInOrderAtEveryLevel()
    {
        var real = Fixture("sobject_describe_lead_cumulusci.json");

        var body = await GetJsonAsync("/sobjects/Lead/describe");

        Assert.Equal(Keys(real), Keys(body));
        var fieldKeys = Keys(real.GetProperty("fields")[0]);
        Assert.All(body.GetProperty("fields").EnumerateArray(), f => Assert.Equal(fieldKeys, Keys(f)));
        var picklistKeys = Keys(real.GetProperty("fields").EnumerateArray().First(f => f.Str("name") == "Status").GetProperty("picklistValues")[0]);
        Assert.All(body.GetProperty("fields").EnumerateArray().SelectMany(f => f.GetProperty("picklistValues").EnumerateArray()), v => Assert.Equal(picklistKeys, Keys(v)));
        var childKeys = Keys(real.GetProperty("childRelationships")[0]);
        Assert.NotEmpty(body.GetProperty("childRelationships").EnumerateArray());
        Assert.All(body.GetProperty("childRelationships").EnumerateArray(), c => Assert.Equal(childKeys, Keys(c)));
        Assert.Equal(Keys(real.GetProperty("recordTypeInfos")[0]), Keys(body.GetProperty("recordTypeInfos")[0]));
        Assert.Equal(Keys(real.GetProperty("urls")), Keys(body.GetProperty("urls")));
    }

    [Fact]
    public async Task Describe_Lead_StandardFieldsMatchTheRealOrgWhereTypesAgree()
    {
        // Flags the writer derives (byteLength, aggregatable, groupable ...) checked against the real Lead.
        // compoundFieldName is left out: the emulator has no Address compound, so Street/City... report none.
        string[] derived = ["aggregatable", "byteLength", "digits", "filterable", "groupable", "length", "precision", "scale", "soapType", "sortable", "nillable", "idLookup", "namePointing", "polymorphicForeignKey", "relationshipName", "extraTypeInfo", "permissionable", "searchPrefilterable", "calculated"];
        var real = Fixture("sobject_describe_lead_cumulusci.json").GetProperty("fields").EnumerateArray().ToDictionary(f => f.Str("name"));

        var body = await GetJsonAsync("/sobjects/Lead/describe");

        var compared = 0;
        foreach (var field in body.GetProperty("fields").EnumerateArray())
        {
            if (!real.TryGetValue(field.Str("name"), out var r) || r.Str("type") != field.Str("type"))
            {
                continue;
            }

            compared++;
            Assert.All(derived, key => Assert.True(
                JsonElement.DeepEquals(r.GetProperty(key), field.GetProperty(key)),
                $"Lead.{field.Str("name")}.{key}: real {r.GetProperty(key)}, emulator {field.GetProperty(key)}"));
        }

        Assert.True(compared >= 30, $"only {compared} fields compared");
    }

    [Fact]
    public async Task Describe_Lead_HasCustomFieldsWithHelpTextAndPicklistValues()
    {
        var body = await GetJsonAsync("/sobjects/Lead/describe");
        var fields = body.GetProperty("fields").EnumerateArray().ToDictionary(f => f.Str("name"));

        var method = fields["Referral_Method__c"];
        Assert.Equal(("picklist", true), (method.Str("type"), method.GetProperty("custom").GetBoolean()));
        Assert.Equal("How the advocate passed on the referral.", method.Str("inlineHelpText"));
        Assert.Equal(["Verbal", "Email", "Lead Form", "Social", "Shareable URL", "Print Card"],
            method.GetProperty("picklistValues").EnumerateArray().Select(v => v.Str("value")));
        var advocate = fields["Advocate__c"];
        Assert.Equal(("reference", "Advocate__r", 18), (advocate.Str("type"), advocate.Str("relationshipName"), advocate.GetProperty("byteLength").GetInt32()));
        Assert.Equal(["Advocate__c"], advocate.GetProperty("referenceTo").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Open - Not Contacted", fields["Status"].Str("defaultValue"));
        var notes = fields["Referral_Notes__c"];
        Assert.Equal(("textarea", 32000, 96000, "plaintextarea", false), (notes.Str("type"), notes.GetProperty("length").GetInt32(), notes.GetProperty("byteLength").GetInt32(), notes.Str("extraTypeInfo"), notes.GetProperty("filterable").GetBoolean()));
        Assert.All(fields.Values.Where(f => f.GetProperty("custom").GetBoolean()), f => Assert.False(string.IsNullOrEmpty(f.Str("inlineHelpText"))));
    }

    [Fact]
    public async Task Describe_Advocate_ReportsCustomObjectShape()
    {
        var body = await GetJsonAsync("/sobjects/Advocate__c/describe");
        var fields = body.GetProperty("fields").EnumerateArray().ToDictionary(f => f.Str("name"));

        Assert.Equal(("a00", true), (body.Str("keyPrefix"), body.GetProperty("custom").GetBoolean()));
        Assert.Equal(("double", 18, 0, 0), (fields["Total_Referrals__c"].Str("type"), fields["Total_Referrals__c"].GetProperty("precision").GetInt32(), fields["Total_Referrals__c"].GetProperty("scale").GetInt32(), fields["Total_Referrals__c"].GetProperty("digits").GetInt32()));
        Assert.Equal(("percent", 5, 2), (fields["Conversion_Rate__c"].Str("type"), fields["Conversion_Rate__c"].GetProperty("precision").GetInt32(), fields["Conversion_Rate__c"].GetProperty("scale").GetInt32()));
        Assert.Equal((true, true, true), (fields["External_Key__c"].GetProperty("externalId").GetBoolean(), fields["External_Key__c"].GetProperty("unique").GetBoolean(), fields["External_Key__c"].GetProperty("idLookup").GetBoolean()));
        Assert.Equal(JsonValueKind.False, fields["Tax_Form_Required__c"].GetProperty("defaultValue").ValueKind);
        Assert.Equal("Invited", fields["Status__c"].Str("defaultValue"));
        Assert.True(fields["Status__c"].GetProperty("restrictedPicklist").GetBoolean());
        Assert.Equal(("string", 80, true), (fields["Name"].Str("type"), fields["Name"].GetProperty("length").GetInt32(), fields["Name"].GetProperty("nameField").GetBoolean()));
        var children = body.GetProperty("childRelationships").EnumerateArray().Select(c => c.Str("relationshipName")).ToList();
        Assert.Contains("Referrals__r", children);
        Assert.Contains("Leads__r", children);
        Assert.Equal("012000000000000AAA", body.GetProperty("recordTypeInfos")[0].Str("recordTypeId"));
        Assert.StartsWith(fixture.Server.BaseUrl.GetLeftPart(UriPartial.Authority), body.GetProperty("urls").Str("uiNewRecord"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_PlatformEvent_HasEventFieldsAndIsNotQueryable()
    {
        var body = await GetJsonAsync("/sobjects/Referral_Logged__e/describe");

        Assert.False(body.GetProperty("queryable").GetBoolean());
        Assert.True(body.GetProperty("createable").GetBoolean());
        Assert.Equal(["ReplayId", "CreatedDate", "CreatedById", "EventUuid", "Advocate_Id__c", "Lead_Id__c", "Method__c"],
            body.GetProperty("fields").EnumerateArray().Select(f => f.Str("name")));
        Assert.Empty(body.GetProperty("recordTypeInfos").EnumerateArray());
    }

    [Fact]
    public async Task BasicInfo_Lead_ReturnsGlobalItemAndRecentItems()
    {
        var real = Fixture("global_describe_sobjects_cumulusci.json").GetProperty("sobjects")[0];

        var body = await GetJsonAsync("/sobjects/Lead");

        Assert.Equal(["objectDescribe", "recentItems"], Keys(body));
        Assert.Equal(Keys(real), Keys(body.GetProperty("objectDescribe")));
        Assert.Equal("00Q", body.GetProperty("objectDescribe").Str("keyPrefix"));
        Assert.Empty(body.GetProperty("recentItems").EnumerateArray());
    }

    [Theory]
    [InlineData("/sobjects/Lead/describe")]
    [InlineData("/sobjects")]
    public async Task Describe_IfModifiedSinceLastModified_Returns304(string path)
    {
        using var first = await fixture.Http.GetAsync(V + path);
        var lastModified = first.Content.Headers.LastModified;
        Assert.NotNull(lastModified);

        using var again = new HttpRequestMessage(HttpMethod.Get, V + path);
        again.Headers.IfModifiedSince = lastModified;
        using var notModified = await fixture.Http.SendAsync(again);
        using var older = new HttpRequestMessage(HttpMethod.Get, V + path);
        older.Headers.IfModifiedSince = lastModified.Value.AddSeconds(-1);
        using var modified = await fixture.Http.SendAsync(older);

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
        Assert.NotEmpty((await modified.ReadAsync()).EnumerateObject());
    }

    [Theory]
    [InlineData("/sobjects/Nope__c/describe")]
    [InlineData("/sobjects/Nope__c")]
    public async Task Describe_UnknownType_Returns404NotFound(string path)
    {
        using var response = await fixture.Http.GetAsync(V + path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await response.ReadAsync())[0];
        Assert.Equal(("NOT_FOUND", "The requested resource does not exist"), (error.Str("errorCode"), error.Str("message")));
    }

    [Fact]
    public async Task Describe_TypeNameInAnyCase_DescribesTheObjectByItsRealName()
    {
        var body = await GetJsonAsync("/sobjects/advocate__C/describe");

        Assert.Equal("Advocate__c", body.Str("name"));
    }
}
