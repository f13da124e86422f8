using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Soql;
using Connector.SalesforceEmulator.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.SalesforceEmulator.Tests.Soql;

[Collection(EmulatorCollection.Name)]
public sealed partial class QueryEndpointsTests(EmulatorFixture fixture)
{
    private const string V = EmulatorFixture.V;

    private static List<SObjectRecord> Insert(EmulatorServer server, string sobject, IEnumerable<(string Field, object? Value)[]> rows)
    {
        var store = server.Store;
        var dml = server.Get<Dml>();
        var schema = store.Schema.Find(sobject)!;
        var userId = store.Read(r => r.All("User").First(u => u.GetString("Username") == "integration@emulator.local").Id);
        using var tx = store.BeginTransaction(new DmlContext(userId) { AutoAssign = false });
        var records = rows.Select(values => dml.Insert(tx, schema, Dml.ReadValues(schema, values.Select(v => KeyValuePair.Create(v.Field, v.Value))))).ToList();
        tx.Commit();
        return records;
    }

    /// <summary>Makes sure the shared org holds <paramref name="count"/> leads of <paramref name="company"/> (theories share it).</summary>
    private void EnsureLeads(string company, int count)
    {
        var existing = fixture.Server.Store.Read(r => r.All("Lead").Count(l => l.GetString("Company") == company));
        Insert(fixture.Server, "Lead", Enumerable.Range(existing, count - existing).Select(i => new (string, object?)[] { ("LastName", $"{company}{i}"), ("Company", company) }));
    }

    private static SObjectRecord Insert(EmulatorServer server, string sobject, params (string Field, object? Value)[] values) =>
        Insert(server, sobject, [values])[0];

    private static async Task<(HttpStatusCode Status, JsonElement Body, string Raw)> GetAsync(HttpClient http, string url, int? batchSize = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (batchSize is { } n)
        {
            request.Headers.Add("Sforce-Query-Options", $"batchSize={n}");
        }

        using var response = await http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(raw).RootElement.Clone(), raw);
    }

    private static string Q(string soql) => $"{V}/query?q={Uri.EscapeDataString(soql)}";

    [Fact]
    public async Task Query_MoreRowsThanBatchSize_PagesThroughNextRecordsUrlUntilDone()
    {
        var (server, http) = await EmulatorFixture.StartAsync();
        await using var _ = server;
        using var __ = http;
        Insert(server, "Lead", Enumerable.Range(0, 2500).Select(i => new (string, object?)[] { ("LastName", $"L{i:D4}"), ("Company", "Paged") }));

        var seen = new List<string>();
        var url = Q("SELECT Id, LastName FROM Lead WHERE Company = 'Paged' ORDER BY LastName");
        var pages = new List<(int Count, bool Done, string? Next)>();
        while (url is not null)
        {
            var (status, body, _) = await GetAsync(http, url, batchSize: 1000);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(2500, body.GetProperty("totalSize").GetInt32());
            var records = body.GetProperty("records").EnumerateArray().ToList();
            seen.AddRange(records.Select(r => r.Str("LastName")));
            url = body.TryGetProperty("nextRecordsUrl", out var next) ? next.GetString() : null;
            pages.Add((records.Count, body.GetProperty("done").GetBoolean(), url));
        }

        Assert.Equal([1000, 1000, 500], pages.Select(p => p.Count));
        Assert.Equal([false, false, true], pages.Select(p => p.Done));
        Assert.Matches(LocatorUrl(), pages[0].Next);
        Assert.EndsWith("-1000", pages[0].Next, StringComparison.Ordinal);
        Assert.EndsWith("-2000", pages[1].Next, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => $"L{i:D4}"), seen);
    }

    [Theory]
    [InlineData(null, 2000)]
    [InlineData(50, 200)]
    [InlineData(5000, 2000)]
    [InlineData(300, 300)]
    public async Task Query_BatchSizeOption_IsClampedTo200Through2000(int? batchSize, int expected)
    {
        EnsureLeads("BatchSize", 2100);

        var (_, body, _) = await GetAsync(fixture.Http, Q("SELECT Id FROM Lead WHERE Company = 'BatchSize'"), batchSize);

        Assert.Equal(expected, body.GetProperty("records").GetArrayLength());
    }

    [Fact]
    public async Task Query_ResponseKeys_InRealOrder()
    {
        Insert(fixture.Server, "Lead", Enumerable.Range(0, 201).Select(i => new (string, object?)[] { ("LastName", $"K{i}"), ("Company", "KeyOrder") }));

        var (_, paged, _) = await GetAsync(fixture.Http, Q("SELECT Id FROM Lead WHERE Company = 'KeyOrder'"), batchSize: 200);
        var (_, done, _) = await GetAsync(fixture.Http, Q("SELECT Id FROM Lead WHERE Company = 'NoSuchCompany'"));

        // rest-query/query_paged_contacts_page1_of4 and query_empty.
        Assert.Equal(["totalSize", "done", "nextRecordsUrl", "records"], paged.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["totalSize", "done", "records"], done.EnumerateObject().Select(p => p.Name));
        Assert.Equal(KeysOf("rest-query/query_empty_netcoreforce.json"), done.EnumerateObject().Select(p => p.Name));
        Assert.Equal(KeysOf("rest-query/query_paged_contacts_page1_of4_v41_netcoreforce.json"), paged.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task QueryLocator_Unknown_Returns400InvalidQueryLocator()
    {
        var (status, body, _) = await GetAsync(fixture.Http, $"{V}/query/01g5g0000000000AAA-2000");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_QUERY_LOCATOR", body[0].Str("errorCode"));
        Assert.Equal("invalid query locator", body[0].Str("message"));
    }

    [Fact]
    public async Task QueryLocator_IdleFor15Minutes_Expires()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (server, http) = await EmulatorFixture.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        await using var _ = server;
        using var __ = http;
        Insert(server, "Lead", Enumerable.Range(0, 450).Select(i => new (string, object?)[] { ("LastName", $"E{i}"), ("Company", "Expiry") }));
        var (_, first, _) = await GetAsync(http, Q("SELECT Id FROM Lead WHERE Company = 'Expiry'"), batchSize: 200);
        var next = first.Str("nextRecordsUrl");

        clock.Advance(TimeSpan.FromMinutes(14));
        var (okStatus, second, _) = await GetAsync(http, next);
        clock.Advance(TimeSpan.FromMinutes(15));
        var (expiredStatus, expired, _) = await GetAsync(http, second.Str("nextRecordsUrl"));

        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Equal(HttpStatusCode.BadRequest, expiredStatus);
        Assert.Equal("INVALID_QUERY_LOCATOR", expired[0].Str("errorCode"));
    }

    [Fact]
    public async Task QueryAll_DeletedRecords_AreReturnedOnlyByQueryAll()
    {
        var leads = Insert(fixture.Server, "Lead", [[("LastName", "Kept"), ("Company", "RecycleBin")], [("LastName", "Binned"), ("Company", "RecycleBin")]]);
        using (var tx = fixture.Server.Store.BeginTransaction(new DmlContext(leads[1].Get("OwnerId") as string ?? string.Empty)))
        {
            fixture.Server.Get<Dml>().Delete(tx, leads[1]);
            tx.Commit();
        }

        const string soql = "SELECT LastName, IsDeleted FROM Lead WHERE Company = 'RecycleBin' ORDER BY LastName";
        var (_, query, _) = await GetAsync(fixture.Http, Q(soql));
        var (_, queryAll, _) = await GetAsync(fixture.Http, $"{V}/queryAll?q={Uri.EscapeDataString(soql)}");

        Assert.Equal(["Kept"], query.GetProperty("records").EnumerateArray().Select(r => r.Str("LastName")));
        Assert.Equal([("Binned", true), ("Kept", false)], queryAll.GetProperty("records").EnumerateArray().Select(r => (r.Str("LastName"), r.GetProperty("IsDeleted").GetBoolean())));
    }

    [Fact]
    public async Task Query_ParentRelationships_MatchRealNestedShape()
    {
        var account = Insert(fixture.Server, "Account", ("Name", "United Oil & Gas Corp."));
        var contact = Insert(fixture.Server, "Contact", ("LastName", "Gonzalez"), ("FirstName", "Rose"), ("AccountId", account.Id));
        Insert(fixture.Server, "Opportunity", ("Name", "Shape 1"), ("StageName", "Prospecting"), ("CloseDate", "2024-01-31"), ("AccountId", account.Id), ("ContactId", contact.Id));
        Insert(fixture.Server, "Opportunity", ("Name", "Shape 2"), ("StageName", "Prospecting"), ("CloseDate", "2024-01-31"), ("AccountId", account.Id));

        var (status, body, raw) = await GetAsync(fixture.Http, Q(
            "SELECT Id, Name, SystemModstamp, Account.Name, Account.SystemModstamp, Contact.Name, Contact.SystemModstamp FROM Opportunity WHERE Name LIKE 'Shape %' ORDER BY Name"));

        Assert.Equal(HttpStatusCode.OK, status);
        var fixtureRecord = JsonDocument.Parse(File.ReadAllText("Fixtures/rest-query/query_case_with_parent_relationships_v39_netcoreforce.json"))
            .RootElement.GetProperty("records")[0];
        var records = body.GetProperty("records");
        Assert.Equal(Shape(fixtureRecord).Replace("CaseNumber", "Name", StringComparison.Ordinal), Shape(records[0]));
        Assert.Equal($"{V}/sobjects/Opportunity/{records[0].Str("Id")}", records[0].GetProperty("attributes").Str("url"));
        Assert.Equal($"{V}/sobjects/Account/{account.Id}", records[0].GetProperty("Account").GetProperty("attributes").Str("url"));
        Assert.Equal("Rose Gonzalez", records[0].GetProperty("Contact").Str("Name"));
        Assert.Matches(RestDateTime(), records[0].GetProperty("Account").Str("SystemModstamp"));
        Assert.Equal(JsonValueKind.Null, records[1].GetProperty("Contact").ValueKind);
        Assert.Contains("\"Name\":\"United Oil & Gas Corp.\"", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_PolymorphicOwnerAndDeepPath_NestTheActualOwnerType()
    {
        var account = Insert(fixture.Server, "Account", ("Name", "Deep"));
        Insert(fixture.Server, "Opportunity", ("Name", "Owner deep"), ("StageName", "Prospecting"), ("CloseDate", "2024-01-31"), ("AccountId", account.Id));

        var (_, body, _) = await GetAsync(fixture.Http, Q("SELECT Name, Owner.Name, Owner.Username, Account.Owner.Username FROM Opportunity WHERE Name = 'Owner deep'"));

        var record = body.GetProperty("records")[0];
        Assert.Equal(["attributes", "Name", "Owner", "Account"], record.EnumerateObject().Select(p => p.Name));
        Assert.Equal("User", record.GetProperty("Owner").GetProperty("attributes").Str("type"));
        Assert.Equal(["attributes", "Name", "Username"], record.GetProperty("Owner").EnumerateObject().Select(p => p.Name));
        Assert.Equal("integration@emulator.local", record.GetProperty("Account").GetProperty("Owner").Str("Username"));
    }

    [Fact]
    public async Task Query_CustomRelationship_NestsAdvocateOrNull()
    {
        var advocate = Insert(fixture.Server, "Advocate__c", ("Name", "Ada Advocate"), ("Status__c", "Active"));
        Insert(fixture.Server, "Lead", ("LastName", "Referred"), ("Company", "CustomRel"), ("Advocate__c", advocate.Id));
        Insert(fixture.Server, "Lead", ("LastName", "Walk-in"), ("Company", "CustomRel"));

        var (_, body, _) = await GetAsync(fixture.Http, Q(
            "SELECT LastName, Advocate__r.Name, Advocate__r.Status__c FROM Lead WHERE Company = 'CustomRel' AND (Advocate__r.Status__c = 'Active' OR Advocate__c = null) ORDER BY LastName"));

        var records = body.GetProperty("records");
        Assert.Equal(2, records.GetArrayLength());
        Assert.Equal("Advocate__c", records[0].GetProperty("Advocate__r").GetProperty("attributes").Str("type"));
        Assert.Equal("Ada Advocate", records[0].GetProperty("Advocate__r").Str("Name"));
        Assert.Equal("Active", records[0].GetProperty("Advocate__r").Str("Status__c"));
        Assert.Equal(JsonValueKind.Null, records[1].GetProperty("Advocate__r").ValueKind);
    }

    [Fact]
    public async Task Query_CountOnly_ReturnsTotalSizeAndNoRecords()
    {
        Insert(fixture.Server, "Lead", Enumerable.Range(0, 26).Select(i => new (string, object?)[] { ("LastName", $"C{i}"), ("Company", "CountOnly") }));

        var (_, body, _) = await GetAsync(fixture.Http, Q("SELECT COUNT() FROM Lead WHERE Company = 'CountOnly'"));

        using var expected = JsonDocument.Parse(File.ReadAllText("Fixtures/rest-query/query_count_only_netcoreforce.json"));
        Assert.Equal(JsonSerializer.Serialize(expected.RootElement), JsonSerializer.Serialize(body));
    }

    [Fact]
    public async Task Query_CountOfField_ReturnsOneAggregateResult()
    {
        Insert(fixture.Server, "Lead", Enumerable.Range(0, 6).Select(i => new (string, object?)[] { ("LastName", $"A{i}"), ("Company", "CountId") }));

        var (_, body, _) = await GetAsync(fixture.Http, Q("select count(Id) from Lead where Company = 'CountId'"));

        using var expected = JsonDocument.Parse(File.ReadAllText("Fixtures/rest-query/query_count_id_aggregateresult_cumulusci.json"));
        Assert.Equal(JsonSerializer.Serialize(expected.RootElement), JsonSerializer.Serialize(body));
    }

    [Fact]
    public async Task Query_UnknownField_Returns400WithRealMessage()
    {
        var (status, body, raw) = await GetAsync(fixture.Http, Q("SELECT Foo FROM Lead"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_FIELD", body[0].Str("errorCode"));
        Assert.StartsWith("\nSELECT Foo FROM Lead\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Lead'.", body[0].Str("message"));
        Assert.StartsWith("[{\"message\":", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_NotSoql_Returns400MalformedQueryAsFixture()
    {
        var (status, body, _) = await GetAsync(fixture.Http, $"{V}/query?q=invalid");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var expected = JsonDocument.Parse(File.ReadAllText("Fixtures/rest-errors/malformed_query_unexpected_token_2025_node_salesforce_connection.json"));
        Assert.Equal(JsonSerializer.Serialize(expected.RootElement), JsonSerializer.Serialize(body));
    }

    [Fact]
    public async Task Query_PlusInUrl_DecodesAsSpaceLikeSalesforce()
    {
        var (status, body, _) = await GetAsync(fixture.Http, $"{V}/query?q=SELECT+Id+FROM+Lead+LIMIT+1");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("done").GetBoolean());
    }

    [Fact]
    public async Task Query_AsCompositeSubrequest_ReturnsTheSameBody()
    {
        EnsureLeads("Composite", 3);
        var url = Q("SELECT LastName FROM Lead WHERE Company = 'Composite' ORDER BY LastName");

        using var response = await fixture.Http.PostAsync($"{V}/composite", Json.Body(new
        {
            compositeRequest = new[] { new { method = "GET", url, referenceId = "leads" } },
        }));
        var body = await response.ReadAsync();
        var (_, direct, _) = await GetAsync(fixture.Http, url);

        var sub = body.GetProperty("compositeResponse")[0];
        Assert.Equal(200, sub.GetProperty("httpStatusCode").GetInt32());
        Assert.Equal(JsonSerializer.Serialize(direct), JsonSerializer.Serialize(sub.GetProperty("body")));
        Assert.Equal(3, sub.GetProperty("body").GetProperty("totalSize").GetInt32());
    }

    private static List<string> KeysOf(string fixturePath) =>
        JsonDocument.Parse(File.ReadAllText("Fixtures/" + fixturePath)).RootElement.EnumerateObject().Select(p => p.Name).ToList();

    /// <summary>Key order and value kinds, with types and ids left out: "{attributes{type,url},Id:s,…}".</summary>
    private static string Shape(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(',', e.EnumerateObject().Select(p => p.Name == "attributes"
            ? "attributes{" + string.Join(',', p.Value.EnumerateObject().Select(a => a.Name)) + "}"
            : p.Name + ":" + Shape(p.Value))) + "}",
        JsonValueKind.String => "s",
        JsonValueKind.Number => "n",
        _ => e.ValueKind.ToString(),
    };

    [GeneratedRegex(@"^/services/data/v62\.0/query/01g[0-9A-Za-z]{15}-\d+$")]
    private static partial Regex LocatorUrl();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")]
    private static partial Regex RestDateTime();
}
