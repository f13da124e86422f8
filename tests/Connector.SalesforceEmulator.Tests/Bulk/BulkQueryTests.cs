using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Seeding;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Bulk;

/// <summary>A private emulator holding 25 accounts with awkward values (quotes, delimiters, line breaks, nulls).</summary>
public sealed class BulkEmulator : IAsyncLifetime
{
    public const int Accounts = 25;

    public EmulatorServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public List<string> AccountIds { get; } = [];

    public async Task InitializeAsync()
    {
        (Server, Http) = await EmulatorFixture.StartAsync();
        var user = Server.Get<OrgBootstrap>().IntegrationUserId;
        using var tx = Server.Store.BeginTransaction(new DmlContext(user) { AutoAssign = false });
        var account = Server.Store.Schema.Find("Account")!;
        var dml = Server.Get<Dml>();
        for (var i = 0; i < Accounts; i++)
        {
            var name = i switch
            {
                0 => "Acme \"Rockets\", Inc.",
                1 => "Line\nBreak Ltd",
                2 => "Semi;colon|Pipe^Caret`Tick\tTab",
                _ => $"Account {i:D2}",
            };
            var values = Dml.ReadValues(account, [
                new("Name", name), new("NumberOfEmployees", i == 3 ? null : (object)(i * 10)), new("Industry", i % 2 == 0 ? "Banking" : null),
            ]);
            AccountIds.Add(dml.Insert(tx, account, values).Id);
        }

        tx.Commit();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

public sealed partial class BulkQueryTests : IClassFixture<BulkEmulator>
{
    private const string V = "/services/data/v62.0";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly BulkEmulator _org;

    public BulkQueryTests(BulkEmulator org) => _org = org;

    private HttpClient Http => _org.Http;

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "bulk2", name));

    private static List<string> Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToList();

    private async Task<JsonElement> CreateAsync(string soql, string? delimiter = null, string? lineEnding = null, string operation = "query", string version = V)
    {
        var body = new Dictionary<string, object> { ["operation"] = operation, ["query"] = soql };
        if (delimiter is not null)
        {
            body["columnDelimiter"] = delimiter;
        }

        if (lineEnding is not null)
        {
            body["lineEnding"] = lineEnding;
        }

        using var response = await Http.PostAsync($"{version}/jobs/query", Json.Body(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync();
    }

    private async Task<JsonElement> WaitForAsync(string id, string state, string version = V)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            using var response = await Http.GetAsync($"{version}/jobs/query/{id}", timeout.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var info = await response.ReadAsync();
            if (info.Str("state") == state)
            {
                return info;
            }

            await Task.Delay(20, timeout.Token);
        }
    }

    private async Task<string> CompletedJobAsync(string soql, string? delimiter = null, string? lineEnding = null, string operation = "query")
    {
        var id = (await CreateAsync(soql, delimiter, lineEnding, operation)).Str("id");
        await WaitForAsync(id, "JobComplete");
        return id;
    }

    [Fact]
    public async Task CreateJob_ValidQuery_ReturnsUploadCompleteInTheRealShape()
    {
        var info = await CreateAsync("SELECT Id, Name FROM Account");

        var fixture = JsonDocument.Parse(Fixture("query_create_job_uploadcomplete_doc_example.json")).RootElement;
        Assert.Equal(Keys(fixture), Keys(info));
        Assert.Equal("UploadComplete", info.Str("state"));
        Assert.Equal("query", info.Str("operation"));
        Assert.Equal("Account", info.Str("object"));
        Assert.Equal("CSV", info.Str("contentType"));
        Assert.Equal("Parallel", info.Str("concurrencyMode"));
        Assert.Equal("LF", info.Str("lineEnding"));
        Assert.Equal("COMMA", info.Str("columnDelimiter"));
        Assert.Equal("62.0", info.GetProperty("apiVersion").GetRawText());
        Assert.Matches("^750[0-9A-Za-z]{15}$", info.Str("id"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$", info.Str("createdDate"));
        Assert.Equal(_org.Server.Get<OrgBootstrap>().IntegrationUserId, info.Str("createdById"));
    }

    [Fact]
    public async Task JobInfo_AfterRunning_IsJobCompleteInTheRealShape()
    {
        var id = (await CreateAsync("SELECT Id FROM Account")).Str("id");

        var info = await WaitForAsync(id, "JobComplete");

        var fixture = JsonDocument.Parse(Fixture("query_job_info_jobcomplete_doc_example.json")).RootElement;
        Assert.Equal(Keys(fixture), Keys(info));
        Assert.Equal("V2Query", info.Str("jobType"));
        Assert.Equal(BulkEmulator.Accounts, info.GetProperty("numberRecordsProcessed").GetInt32());
        Assert.Equal(0, info.GetProperty("retries").GetInt32());
        Assert.True(info.GetProperty("totalProcessingTime").GetInt64() >= 0);
    }

    [Fact]
    public async Task Results_SelectIdName_MatchesTheFixtureCsvShape()
    {
        var id = await CompletedJobAsync("SELECT Id, Name FROM Account WHERE Name LIKE 'Account%' ORDER BY Name");

        using var response = await Http.GetAsync($"{V}/jobs/query/{id}/results");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("22", response.Headers.GetValues("Sforce-NumberOfRecords").Single());
        Assert.Equal("null", response.Headers.GetValues("Sforce-Locator").Single());
        var fixtureLines = Fixture("query_results_page1_http_with_sforce_locator_doc_example.txt").Split('\n');
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        Assert.Equal(fixtureLines.First(l => l.StartsWith('"')), lines[0]);
        Assert.All(lines[1..^1], l => Assert.Matches(FixtureRow(), l));
        Assert.Equal($"\"{_org.AccountIds[3]}\",\"Account 03\"", lines[1]);
        Assert.Equal(string.Empty, lines[^1]);
    }

    [Fact]
    public async Task Results_AwkwardValues_AreQuotedNullsEmptyDatetimesZulu()
    {
        var id = await CompletedJobAsync("SELECT Name, NumberOfEmployees, Industry, Owner.Name, CreatedDate, IsDeleted FROM Account WHERE NumberOfEmployees < 40 OR NumberOfEmployees = null");

        using var response = await Http.GetAsync($"{V}/jobs/query/{id}/results");
        var csv = await response.Content.ReadAsStringAsync();

        var rows = csv.Split('\n');
        Assert.Equal("\"Name\",\"NumberOfEmployees\",\"Industry\",\"Owner.Name\",\"CreatedDate\",\"IsDeleted\"", rows[0]);
        Assert.Contains("\"Acme \"\"Rockets\"\", Inc.\",\"0\",\"Banking\",\"Integration User\",", csv, StringComparison.Ordinal);
        Assert.Contains("\"Line\nBreak Ltd\",\"10\",,\"Integration User\",", csv, StringComparison.Ordinal);
        Assert.Contains("\"Account 03\",,,\"Integration User\",", csv, StringComparison.Ordinal);
        Assert.Matches(@",""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z"",""false""\n", csv);
    }

    [Fact]
    public async Task Results_TabAndCrlf_UseTheRequestedDelimiterAndLineEnding()
    {
        var id = await CompletedJobAsync("SELECT Id, Name FROM Account WHERE Name = 'Account 04'", "TAB", "CRLF");

        using var response = await Http.GetAsync($"{V}/jobs/query/{id}/results");

        Assert.Equal($"\"Id\"\t\"Name\"\r\n\"{_org.AccountIds[4]}\"\t\"Account 04\"\r\n", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Results_MaxRecords_PagesWithOpaqueLocatorsEndingInNull()
    {
        var id = await CompletedJobAsync("SELECT Id FROM Account");
        var seen = new List<string>();
        var counts = new List<int>();
        string? locator = null;

        do
        {
            var url = $"{V}/jobs/query/{id}/results?maxRecords=10" + (locator is null ? string.Empty : "&locator=" + locator);
            using var response = await Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var rows = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("\"Id\"", rows[0]);
            counts.Add(int.Parse(response.Headers.GetValues("Sforce-NumberOfRecords").Single(), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(counts[^1], rows.Length - 1);
            seen.AddRange(rows[1..].Select(r => r.Trim('"')));
            locator = response.Headers.GetValues("Sforce-Locator").Single();
            Assert.DoesNotMatch("^[0-9]+$", locator);
        }
        while (locator != "null" && counts.Count < 10);

        Assert.Equal([10, 10, 5], counts);
        Assert.Equal(_org.AccountIds, seen);
    }

    [Fact]
    public async Task Results_SnapshotOfMatchedIds_IgnoresRecordsCreatedAfterTheJobRan()
    {
        // Contacts, so the account set other tests count stays fixed.
        InsertContacts("Snapshot Early", "Snapshot Early");
        var id = await CompletedJobAsync("SELECT Id FROM Contact WHERE LastName LIKE 'Snapshot%'");
        InsertContacts("Snapshot Late");

        using var response = await Http.GetAsync($"{V}/jobs/query/{id}/results");

        Assert.Equal("2", response.Headers.GetValues("Sforce-NumberOfRecords").Single());
        Assert.Equal(3, (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private List<SObjectRecord> InsertContacts(params string[] lastNames)
    {
        var user = _org.Server.Get<OrgBootstrap>().IntegrationUserId;
        var contact = _org.Server.Store.Schema.Find("Contact")!;
        using var tx = _org.Server.Store.BeginTransaction(new DmlContext(user));
        var records = lastNames.Select(n => _org.Server.Get<Dml>().Insert(tx, contact, Dml.ReadValues(contact, [new("LastName", n)]))).ToList();
        tx.Commit();
        return records;
    }

    [Fact]
    public async Task Results_OtherApiVersion_Returns409()
    {
        var id = await CompletedJobAsync("SELECT Id FROM Account");

        using var response = await Http.GetAsync($"/services/data/v61.0/jobs/query/{id}/results");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task QueryAll_IncludesDeletedRecords()
    {
        var record = InsertContacts("Gone")[0];
        using (var tx = _org.Server.Store.BeginTransaction(new DmlContext(_org.Server.Get<OrgBootstrap>().IntegrationUserId)))
        {
            _org.Server.Get<Dml>().Delete(tx, record);
            tx.Commit();
        }

        var deleted = record.Id;
        var query = await CompletedJobAsync("SELECT Id, IsDeleted FROM Contact WHERE LastName = 'Gone'");
        var queryAll = await CompletedJobAsync("SELECT Id, IsDeleted FROM Contact WHERE LastName = 'Gone'", operation: "queryAll");

        using var live = await Http.GetAsync($"{V}/jobs/query/{query}/results");
        using var all = await Http.GetAsync($"{V}/jobs/query/{queryAll}/results");
        Assert.Equal("\"Id\",\"IsDeleted\"\n", await live.Content.ReadAsStringAsync());
        Assert.Equal($"\"Id\",\"IsDeleted\"\n\"{deleted}\",\"true\"\n", await all.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task List_ReturnsDoneAndTheJobs()
    {
        var id = (await CreateAsync("SELECT Id FROM Account")).Str("id");

        using var response = await Http.GetAsync($"{V}/jobs/query");
        var list = await response.ReadAsync();

        Assert.Equal(["done", "records", "nextRecordsUrl"], Keys(list));
        Assert.True(list.GetProperty("done").GetBoolean());
        Assert.Equal(JsonValueKind.Null, list.GetProperty("nextRecordsUrl").ValueKind);
        Assert.Contains(list.GetProperty("records").EnumerateArray(), j => j.Str("id") == id);
    }

    [Fact]
    public async Task Delete_CompletedJob_Returns204ThenNotFound()
    {
        var id = await CompletedJobAsync("SELECT Id FROM Account");

        using var deleted = await Http.DeleteAsync($"{V}/jobs/query/{id}");
        using var after = await Http.GetAsync($"{V}/jobs/query/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        var error = (await after.ReadAsync())[0];
        var fixture = JsonDocument.Parse(Fixture("job_not_found_error_doc_example.json")).RootElement[0];
        Assert.Equal(fixture.Str("errorCode"), error.Str("errorCode"));
        Assert.Equal(fixture.Str("message"), error.Str("message"));
    }

    [Theory]
    [InlineData("SELECT COUNT() FROM Account")]
    [InlineData("SELECT COUNT(Id) FROM Account")]
    [InlineData("SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry")]
    [InlineData("SELECT Id FROM Account LIMIT 5 OFFSET 10")]
    [InlineData("SELECT Id, (SELECT Id FROM Contacts) FROM Account")]
    public async Task CreateJob_UnsupportedSoql_Returns400ApiError(string soql)
    {
        using var response = await Http.PostAsync($"{V}/jobs/query", Json.Body(new { operation = "query", query = soql }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("API_ERROR", (await response.ReadAsync())[0].Str("errorCode"));
    }

    [Theory]
    [InlineData("""{"operation":"query","query":"SELEC Id FROM Account"}""", "MALFORMED_QUERY")]
    [InlineData("""{"operation":"query","query":"SELECT Nope__c FROM Account"}""", "INVALID_FIELD")]
    [InlineData("""{"operation":"upsert","query":"SELECT Id FROM Account"}""", "API_ERROR")]
    [InlineData("""{"operation":"query","query":"SELECT Id FROM Account","columnDelimiter":"COLON"}""", "API_ERROR")]
    [InlineData("""{"operation":"query","query":"SELECT Id FROM Account","lineEnding":"CR"}""", "API_ERROR")]
    [InlineData("""{"operation":"query"}""", "API_ERROR")]
    public async Task CreateJob_BadRequest_Returns400WithTheErrorCode(string body, string errorCode)
    {
        using var response = await Http.PostAsync($"{V}/jobs/query", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(errorCode, (await response.ReadAsync())[0].Str("errorCode"));
    }

    [Fact]
    public async Task Results_UnknownLocatorOrBadMaxRecords_Return400()
    {
        var id = await CompletedJobAsync("SELECT Id FROM Account");

        using var locator = await Http.GetAsync($"{V}/jobs/query/{id}/results?locator=bogus");
        using var max = await Http.GetAsync($"{V}/jobs/query/{id}/results?maxRecords=0");

        Assert.Equal(HttpStatusCode.BadRequest, locator.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, max.StatusCode);
    }

    [Fact]
    public async Task Jobs_CallsThroughThePipeline_NeedASession()
    {
        using var anonymous = new HttpClient { BaseAddress = _org.Server.BaseUrl };

        using var response = await anonymous.GetAsync($"{V}/jobs/query");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [GeneratedRegex("^\"[0-9A-Za-z]{18}\",\"[^\"]*\"$")]
    private static partial Regex FixtureRow();
}
