using System.Net;
using System.Text.Json;
using Connector.SalesforceEmulator.Seeding;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Rest;

[Collection(EmulatorCollection.Name)]
public sealed class SObjectEndpointsTests(EmulatorFixture fx)
{
    private const string V = EmulatorFixture.V;

    private async Task<string> CreateLeadAsync(object? body = null)
    {
        using var response = await fx.Http.PostAsync($"{V}/sobjects/Lead", Json.Body(body ?? new { LastName = "Hopper", Company = "Navy" }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync()).Str("id");
    }

    [Fact]
    public async Task Create_ValidLead_Returns201WithRealKeyOrderAndLocation()
    {
        using var response = await fx.Http.PostAsync($"{V}/sobjects/Lead", Json.Body(new { LastName = "Hopper", Company = "Navy", Email = "grace@navy.mil" }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["id", "success", "errors"], json.EnumerateObject().Select(p => p.Name));
        Assert.StartsWith("00Q", json.Str("id"), StringComparison.Ordinal);
        Assert.Equal(18, json.Str("id").Length);
        Assert.Equal($"{V}/sobjects/Lead/{json.Str("id")}", response.Headers.Location!.ToString());
        Assert.Contains("Content-Type: application/json;charset=UTF-8\r\n",
            await RawHttp.GetHeadAsync(fx.Server.BaseUrl, $"{V}/sobjects/Lead/{json.Str("id")}", fx.AccessToken), StringComparison.Ordinal);
        Assert.Matches(@"^api-usage=\d+/\d+$", response.Headers.GetValues("Sforce-Limit-Info").Single());
    }

    [Fact]
    public async Task Get_CreatedLead_ReturnsAllFieldsWithAttributesAndRestDatetimes()
    {
        var id = await CreateLeadAsync(new { FirstName = "Grace", LastName = "Hopper", Company = "Navy" });

        var json = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/{id}")).ReadAsync();

        Assert.Equal("Lead", json.GetProperty("attributes").Str("type"));
        Assert.Equal($"{V}/sobjects/Lead/{id}", json.GetProperty("attributes").Str("url"));
        Assert.Equal("Grace Hopper", json.Str("Name"));
        Assert.Equal("Open - Not Contacted", json.Str("Status"));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("Email").ValueKind);
        Assert.False(json.GetProperty("IsConverted").GetBoolean());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$", json.Str("CreatedDate"));
        Assert.Equal(json.Str("CreatedDate"), json.Str("SystemModstamp"));
    }

    [Fact]
    public async Task Get_WithFieldsParameter_ReturnsOnlyThoseFields()
    {
        var id = await CreateLeadAsync();

        var json = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/{id}?fields=Company,LastName")).ReadAsync();

        Assert.Equal(["attributes", "Company", "LastName"], json.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Update_ChangesOnlySentFields_Returns204()
    {
        var id = await CreateLeadAsync(new { LastName = "Lovelace", Company = "Analytical", Email = "ada@example.com" });

        using var patch = await fx.Http.PatchAsync($"{V}/sobjects/Lead/{id}", Json.Body(new { Status = "Working - Contacted" }));
        var json = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/{id}")).ReadAsync();

        Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        Assert.Equal("Working - Contacted", json.Str("Status"));
        Assert.Equal("ada@example.com", json.Str("Email"));
    }

    [Fact]
    public async Task Delete_Twice_SecondGetsEntityIsDeleted()
    {
        var id = await CreateLeadAsync();

        using var first = await fx.Http.DeleteAsync($"{V}/sobjects/Lead/{id}");
        using var second = await fx.Http.DeleteAsync($"{V}/sobjects/Lead/{id}");
        using var get = await fx.Http.GetAsync($"{V}/sobjects/Lead/{id}");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        Assert.Equal("ENTITY_IS_DELETED", (await second.ReadAsync())[0].Str("errorCode"));
        Assert.Equal("ENTITY_IS_DELETED", (await get.ReadAsync())[0].Str("errorCode"));
    }

    [Theory]
    [InlineData("""{"LastName":"X","Company":"Y","Foo__c":1}""", "INVALID_FIELD", "Foo__c")]
    [InlineData("""{"Company":"Y"}""", "REQUIRED_FIELD_MISSING", "LastName")]
    [InlineData("""{"LastName":"X","Company":"Y","Email":"not-an-email"}""", "INVALID_EMAIL_ADDRESS", "Email")]
    [InlineData("""{"LastName":"X","Company":"Y","FirstName":"0123456789012345678901234567890123456789X"}""", "STRING_TOO_LONG", "FirstName")]
    [InlineData("""{"LastName":"X","Company":"Y","OwnerId":"0015g0000000001AAA"}""", "INVALID_CROSS_REFERENCE_KEY", "OwnerId")]
    [InlineData("""{"LastName":"X","Company":"Y","IsConverted":true}""", "INVALID_FIELD_FOR_INSERT_UPDATE", "IsConverted")]
    [InlineData("""{"LastName":"X","Company":"Y","CurrencyIsoCode":"XYZ"}""", "INVALID_CURRENCY", "CurrencyIsoCode")]
    public async Task Create_InvalidRecord_Returns400WithErrorCodeAndFields(string body, string errorCode, string field)
    {
        using var response = await fx.Http.PostAsync($"{V}/sobjects/Lead", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.ReadAsync())[0];
        Assert.Equal(errorCode, error.Str("errorCode"));
        Assert.Equal([field], error.GetProperty("fields").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Create_WithId_ReturnsInvalidFieldWithoutFields()
    {
        using var response = await fx.Http.PostAsync($"{V}/sobjects/Lead", Json.Body(new { Id = "00Q5g0000000001AAA", LastName = "X", Company = "Y" }));

        var error = (await response.ReadAsync())[0];
        Assert.Equal("The Id field should not be specified in the sobject data.", error.Str("message"));
        Assert.Equal("INVALID_FIELD", error.Str("errorCode"));
    }

    [Fact]
    public async Task Create_MalformedJson_ReturnsJsonParserError()
    {
        using var response = await fx.Http.PostAsync($"{V}/sobjects/Lead", new StringContent("{\"LastName\":", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("JSON_PARSER_ERROR", (await response.ReadAsync())[0].Str("errorCode"));
    }

    [Fact]
    public async Task UnknownObjectOrResource_Returns404NotFoundWithCodeFirst()
    {
        using var response = await fx.Http.GetAsync($"{V}/sobjects/Nope__c/a005g0000000001AAA");
        using var unknown = await fx.Http.GetAsync($"{V}/no/such/thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]""", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnsupportedVersion_Returns404()
    {
        using var response = await fx.Http.GetAsync("/services/data/v99.0/limits");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Opportunity_StageDrivesClosedWonProbabilityAndExpectedRevenue()
    {
        using var create = await fx.Http.PostAsync($"{V}/sobjects/Opportunity", Json.Body(new { Name = "Big deal", StageName = "Negotiation/Review", CloseDate = "2026-12-31", Amount = 1000 }));
        var id = (await create.ReadAsync()).Str("id");
        var open = await (await fx.Http.GetAsync($"{V}/sobjects/Opportunity/{id}")).ReadAsync();
        await fx.Http.PatchAsync($"{V}/sobjects/Opportunity/{id}", Json.Body(new { StageName = "Closed Won" }));
        var won = await (await fx.Http.GetAsync($"{V}/sobjects/Opportunity/{id}")).ReadAsync();

        Assert.Equal(90m, open.GetProperty("Probability").GetDecimal());
        Assert.Equal(900m, open.GetProperty("ExpectedRevenue").GetDecimal());
        Assert.False(open.GetProperty("IsClosed").GetBoolean());
        Assert.True(won.GetProperty("IsWon").GetBoolean());
        Assert.True(won.GetProperty("IsClosed").GetBoolean());
        Assert.Equal(100m, won.GetProperty("Probability").GetDecimal());
        Assert.Equal("Closed", won.Str("ForecastCategory"));
        Assert.Equal("USD", won.Str("CurrencyIsoCode"));
        Assert.Contains("\"Amount\":1000.0", await (await fx.Http.GetAsync($"{V}/sobjects/Opportunity/{id}?fields=Amount")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opportunity_UnknownStage_IsRejected()
    {
        using var create = await fx.Http.PostAsync($"{V}/sobjects/Opportunity", Json.Body(new { Name = "Deal", StageName = "Maybe", CloseDate = "2026-12-31" }));

        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", (await create.ReadAsync())[0].Str("errorCode"));
    }

    [Fact]
    public async Task Versions_ListsRangeWithoutAuthentication()
    {
        using var anonymous = new HttpClient { BaseAddress = fx.Server.BaseUrl };

        var json = await (await anonymous.GetAsync("/services/data")).ReadAsync();

        var versions = json.EnumerateArray().Select(v => v.Str("version")).ToList();
        Assert.Contains("58.0", versions);
        Assert.Contains("64.0", versions);
        Assert.Equal("Winter '25", json.EnumerateArray().Single(v => v.Str("version") == "62.0").Str("label"));
        Assert.Equal("/services/data/v62.0", json.EnumerateArray().Single(v => v.Str("version") == "62.0").Str("url"));
    }

    [Fact]
    public async Task GetUpdatedAndDeleted_ReportChangesInWindow()
    {
        var start = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var end = DateTimeOffset.UtcNow.AddMinutes(2).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var kept = await CreateLeadAsync();
        var removed = await CreateLeadAsync();
        await fx.Http.DeleteAsync($"{V}/sobjects/Lead/{removed}");

        var updated = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/updated/?start={start}&end={end}")).ReadAsync();
        var deleted = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/deleted/?start={start}&end={end}")).ReadAsync();

        Assert.Contains(kept, updated.GetProperty("ids").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains(removed, deleted.GetProperty("deletedRecords").EnumerateArray().Select(x => x.Str("id")));
    }

    [Fact]
    public async Task Upsert_ByExternalId_CreatesThenUpdates()
    {
        var key = "ACC-" + Guid.NewGuid().ToString("N")[..8];
        var contact = (await (await fx.Http.PostAsync($"{V}/sobjects/Contact", Json.Body(new { LastName = "Advocate" }))).ReadAsync()).Str("id");

        using var created = await fx.Http.PatchAsync($"{V}/sobjects/Advocate__c/External_Key__c/{key}", Json.Body(new { Name = "Ada", Contact__c = contact }));
        using var updated = await fx.Http.PatchAsync($"{V}/sobjects/Advocate__c/External_Key__c/{key}", Json.Body(new { Status__c = "Active" }));
        using var old = await fx.Http.PatchAsync($"/services/data/v45.0/sobjects/Advocate__c/External_Key__c/{key}", Json.Body(new { Status__c = "Inactive" }));
        var createdJson = await created.ReadAsync();
        var updatedJson = await updated.ReadAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(createdJson.GetProperty("created").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.False(updatedJson.GetProperty("created").GetBoolean());
        Assert.Equal(createdJson.Str("id"), updatedJson.Str("id"));
        Assert.Equal(HttpStatusCode.NoContent, old.StatusCode);
    }

    [Fact]
    public async Task Upsert_OnNonExternalIdField_Returns404()
    {
        using var response = await fx.Http.PatchAsync($"{V}/sobjects/Lead/Company/Acme", Json.Body(new { LastName = "X" }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Provided external ID field does not exist or is not accessible: Company", (await response.ReadAsync())[0].Str("message"));
    }

    [Fact]
    public async Task AssignmentRule_RunsOnCreateAndUpdateUnlessHeaderSaysFalse()
    {
        var bootstrap = fx.Server.Get<OrgBootstrap>();
        var me = bootstrap.IntegrationUserId;

        using var withRule = await fx.Http.PostAsync($"{V}/sobjects/Lead", Json.Body(new { LastName = "Rule", Company = "C", OwnerId = me }));
        var ruledId = (await withRule.ReadAsync()).Str("id");
        using var noRuleRequest = new HttpRequestMessage(HttpMethod.Post, $"{V}/sobjects/Lead") { Content = Json.Body(new { LastName = "NoRule", Company = "C", OwnerId = me }) };
        noRuleRequest.Headers.Add("Sforce-Auto-Assign", "FALSE");
        using var noRule = await fx.Http.SendAsync(noRuleRequest);
        var keptId = (await noRule.ReadAsync()).Str("id");
        using var reassignRequest = new HttpRequestMessage(HttpMethod.Patch, $"{V}/sobjects/Lead/{keptId}") { Content = Json.Body(new { OwnerId = me }) };
        await fx.Http.SendAsync(reassignRequest);

        var ruled = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/{ruledId}?fields=OwnerId")).ReadAsync();
        var kept = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/{keptId}?fields=OwnerId")).ReadAsync();

        Assert.Contains(ruled.Str("OwnerId"), bootstrap.SalesRepIds);
        // The update carried no header, so the rule fired again and overrode the owner we set.
        Assert.Contains(kept.Str("OwnerId"), bootstrap.SalesRepIds);

        using var keepRequest = new HttpRequestMessage(HttpMethod.Patch, $"{V}/sobjects/Lead/{keptId}") { Content = Json.Body(new { OwnerId = me }) };
        keepRequest.Headers.Add("Sforce-Auto-Assign", "false");
        await fx.Http.SendAsync(keepRequest);
        var stuck = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/{keptId}?fields=OwnerId")).ReadAsync();
        Assert.Equal(me, stuck.Str("OwnerId"));
    }

    [Fact]
    public async Task PatchTunnel_PostWithHttpMethodPatch_Updates()
    {
        var id = await CreateLeadAsync();

        using var response = await fx.Http.PostAsync($"{V}/sobjects/Lead/{id}?_HttpMethod=PATCH", Json.Body(new { Company = "Tunnelled" }));
        var json = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/{id}?fields=Company")).ReadAsync();

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("Tunnelled", json.Str("Company"));
    }

    [Fact]
    public async Task Create_CustomObjectWithoutName_NameDefaultsToId()
    {
        using var response = await fx.Http.PostAsync($"{V}/sobjects/Referral__c", Json.Body(new { Referee_Name__c = "Grace" }));
        var id = (await response.ReadAsync()).Str("id");

        var json = await (await fx.Http.GetAsync($"{V}/sobjects/Referral__c/{id}?fields=Name")).ReadAsync();

        Assert.Equal(id, json.Str("Name"));
    }
}
