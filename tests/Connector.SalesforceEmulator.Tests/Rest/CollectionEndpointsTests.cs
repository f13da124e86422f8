using System.Net;
using System.Text.Json;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Rest;

[Collection(EmulatorCollection.Name)]
public sealed class CollectionEndpointsTests(EmulatorFixture fx)
{
    private const string V = EmulatorFixture.V;

    private static object Lead(string lastName, string? email = null) =>
        new Dictionary<string, object?> { ["attributes"] = new { type = "Lead" }, ["LastName"] = lastName, ["Company"] = "Collections Inc", ["Email"] = email };

    private long LeadCount(string lastName) =>
        fx.Server.Store.Read(r => r.All("Lead").LongCount(l => l.GetString("LastName") == lastName));

    [Fact]
    public async Task Create_PartialFailure_KeepsValidRecordsAndReportsStatusCodePerRecord()
    {
        var name = "Partial" + Guid.NewGuid().ToString("N")[..6];
        using var response = await fx.Http.PostAsync($"{V}/composite/sobjects", Json.Body(new
        {
            allOrNone = false,
            records = new[] { Lead(name), Lead(name, "bad email"), Lead(name) },
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.ReadAsync()).EnumerateArray().ToList();
        Assert.True(results[0].GetProperty("success").GetBoolean());
        Assert.False(results[1].GetProperty("success").GetBoolean());
        Assert.False(results[1].TryGetProperty("id", out _));
        var error = results[1].GetProperty("errors")[0];
        Assert.Equal(["statusCode", "message", "fields"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal("INVALID_EMAIL_ADDRESS", error.Str("statusCode"));
        Assert.True(results[2].GetProperty("success").GetBoolean());
        Assert.Equal(2, LeadCount(name));
    }

    [Fact]
    public async Task Create_AllOrNoneWithFailure_RollsEverythingBack()
    {
        var name = "AllOrNone" + Guid.NewGuid().ToString("N")[..6];
        using var response = await fx.Http.PostAsync($"{V}/composite/sobjects", Json.Body(new
        {
            allOrNone = true,
            records = new[] { Lead(name), Lead(name, "bad email") },
        }));

        var results = (await response.ReadAsync()).EnumerateArray().ToList();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", results[0].GetProperty("errors")[0].Str("statusCode"));
        Assert.Equal("INVALID_EMAIL_ADDRESS", results[1].GetProperty("errors")[0].Str("statusCode"));
        Assert.Equal(0, LeadCount(name));
    }

    [Fact]
    public async Task Create_MoreThan200Records_IsRejectedWhole()
    {
        var records = Enumerable.Range(0, 201).Select(i => Lead("TooMany")).ToArray();

        using var response = await fx.Http.PostAsync($"{V}/composite/sobjects", Json.Body(new { records }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("EXCEEDED_ID_LIMIT", (await response.ReadAsync())[0].Str("errorCode"));
        Assert.Equal(0, LeadCount("TooMany"));
    }

    [Fact]
    public async Task Create_RecordWithoutType_FailsThatRecord()
    {
        using var response = await fx.Http.PostAsync($"{V}/composite/sobjects", Json.Body(new { records = new object[] { new { LastName = "NoType", Company = "X" } } }));

        var result = (await response.ReadAsync())[0];
        Assert.Equal("INVALID_TYPE", result.GetProperty("errors")[0].Str("statusCode"));
    }

    [Fact]
    public async Task UpdateRetrieveDelete_RoundTrip()
    {
        var name = "RoundTrip" + Guid.NewGuid().ToString("N")[..6];
        var created = (await (await fx.Http.PostAsync($"{V}/composite/sobjects", Json.Body(new { records = new[] { Lead(name), Lead(name) } }))).ReadAsync())
            .EnumerateArray().Select(r => r.Str("id")).ToList();

        using var update = await fx.Http.PatchAsync($"{V}/composite/sobjects", Json.Body(new
        {
            allOrNone = false,
            records = created.Select(id => new Dictionary<string, object> { ["id"] = id, ["attributes"] = new { type = "Lead" }, ["Status"] = "Working - Contacted" }),
        }));
        var retrieved = await (await fx.Http.GetAsync($"{V}/composite/sobjects/Lead?ids={string.Join(',', created)},00Q5g0000000zzzAAA&fields=Id,Status")).ReadAsync();
        using var delete = await fx.Http.DeleteAsync($"{V}/composite/sobjects?ids={string.Join(',', created)}&allOrNone=true");

        Assert.All((await update.ReadAsync()).EnumerateArray(), r => Assert.True(r.GetProperty("success").GetBoolean()));
        Assert.Equal("Working - Contacted", retrieved[0].Str("Status"));
        Assert.Equal(JsonValueKind.Null, retrieved[2].ValueKind);
        Assert.All((await delete.ReadAsync()).EnumerateArray(), r => Assert.True(r.GetProperty("success").GetBoolean()));
        Assert.Equal(0, LeadCount(name));
    }

    [Fact]
    public async Task Delete_AllOrNoneWithUnknownId_KeepsEverything()
    {
        var name = "KeepAll" + Guid.NewGuid().ToString("N")[..6];
        var id = (await (await fx.Http.PostAsync($"{V}/composite/sobjects", Json.Body(new { records = new[] { Lead(name) } }))).ReadAsync())[0].Str("id");

        using var delete = await fx.Http.DeleteAsync($"{V}/composite/sobjects?ids={id},00Q5g0000000zzzAAA&allOrNone=true");
        var results = (await delete.ReadAsync()).EnumerateArray().ToList();

        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", results[0].GetProperty("errors")[0].Str("statusCode"));
        Assert.Equal(1, LeadCount(name));
    }

    [Fact]
    public async Task Upsert_ByExternalId_ReportsCreatedPerRecord()
    {
        var key = "K" + Guid.NewGuid().ToString("N")[..10];
        object Advocate(string k) => new Dictionary<string, object> { ["attributes"] = new { type = "Advocate__c" }, ["External_Key__c"] = k, ["Name"] = "Adv " + k };

        var first = await (await fx.Http.PatchAsync($"{V}/composite/sobjects/Advocate__c/External_Key__c", Json.Body(new { allOrNone = false, records = new[] { Advocate(key) } }))).ReadAsync();
        var second = await (await fx.Http.PatchAsync($"{V}/composite/sobjects/Advocate__c/External_Key__c", Json.Body(new { allOrNone = false, records = new[] { Advocate(key), Advocate(key + "b") } }))).ReadAsync();

        Assert.Equal(["id", "success", "errors", "created"], first[0].EnumerateObject().Select(p => p.Name));
        Assert.True(first[0].GetProperty("created").GetBoolean());
        Assert.False(second[0].GetProperty("created").GetBoolean());
        Assert.Equal(first[0].Str("id"), second[0].Str("id"));
        Assert.True(second[1].GetProperty("created").GetBoolean());
    }
}
