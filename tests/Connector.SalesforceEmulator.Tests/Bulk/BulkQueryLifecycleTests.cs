using System.Net;
using System.Text.Json;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Bulk;

/// <summary>Jobs held InProgress (Emulator:BulkQuery:ProcessingDelay) to see the states a fast job passes through.</summary>
public sealed class BulkQueryLifecycleTests
{
    private const string V = "/services/data/v62.0";

    private static async Task<JsonElement> InfoAsync(HttpClient http, string id)
    {
        using var response = await http.GetAsync($"{V}/jobs/query/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync();
    }

    [Fact]
    public async Task SlowJob_ResultsEarly412_AbortThenDelete()
    {
        var (server, http) = await EmulatorFixture.StartAsync(new Dictionary<string, string?> { ["Emulator:BulkQuery:ProcessingDelay"] = "00:10:00" });
        await using var _ = server;
        using var __ = http;
        using var create = await http.PostAsync($"{V}/jobs/query", Json.Body(new { operation = "query", query = "SELECT Id FROM User" }));
        var id = (await create.ReadAsync()).Str("id");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while ((await InfoAsync(http, id)).Str("state") != "InProgress")
        {
            await Task.Delay(10, timeout.Token);
        }

        using var early = await http.GetAsync($"{V}/jobs/query/{id}/results");
        Assert.Equal(HttpStatusCode.PreconditionFailed, early.StatusCode);
        Assert.Equal("JOB_NOT_COMPLETE", (await early.ReadAsync())[0].Str("errorCode"));
        using var deleteRunning = await http.DeleteAsync($"{V}/jobs/query/{id}");
        Assert.Equal(HttpStatusCode.BadRequest, deleteRunning.StatusCode);

        using var abort = await http.PatchAsync($"{V}/jobs/query/{id}", Json.Body(new { state = "Aborted" }));
        Assert.Equal(HttpStatusCode.OK, abort.StatusCode);
        Assert.Equal("Aborted", (await abort.ReadAsync()).Str("state"));
        Assert.Equal("Aborted", (await InfoAsync(http, id)).Str("state"));
        using var abortAgain = await http.PatchAsync($"{V}/jobs/query/{id}", Json.Body(new { state = "Aborted" }));
        Assert.Equal(HttpStatusCode.BadRequest, abortAgain.StatusCode);
        using var aborted = await http.GetAsync($"{V}/jobs/query/{id}/results");
        Assert.Equal(HttpStatusCode.BadRequest, aborted.StatusCode);

        using var delete = await http.DeleteAsync($"{V}/jobs/query/{id}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = await http.GetAsync($"{V}/jobs/query/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task SeededOrg_MillionRowStyleJob_StreamsEveryLeadAcrossPages()
    {
        var (server, http) = await EmulatorFixture.StartAsync(new Dictionary<string, string?> { ["Emulator:Seed:Leads"] = "3000" });
        await using var _ = server;
        using var __ = http;
        using var create = await http.PostAsync($"{V}/jobs/query", Json.Body(new
        {
            operation = "query",
            query = "SELECT Id, Name, Owner.Name, Advocate__r.Referral_Code__c, Referral_Method__c, IsConverted FROM Lead",
        }));
        var id = (await create.ReadAsync()).Str("id");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await InfoAsync(http, id)).Str("state") != "JobComplete")
        {
            await Task.Delay(20, timeout.Token);
        }

        var rows = 0;
        var pages = 0;
        var locator = string.Empty;
        do
        {
            using var page = await http.GetAsync($"{V}/jobs/query/{id}/results?maxRecords=1000" + (locator.Length == 0 ? string.Empty : "&locator=" + locator));
            var lines = (await page.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("\"Id\",\"Name\",\"Owner.Name\",\"Advocate__r.Referral_Code__c\",\"Referral_Method__c\",\"IsConverted\"", lines[0]);
            rows += lines.Length - 1;
            pages++;
            locator = page.Headers.GetValues("Sforce-Locator").Single();
        }
        while (locator != "null" && pages < 10);

        Assert.Equal(3000, rows);
        Assert.Equal(3, pages);
        Assert.Equal(3000, (await InfoAsync(http, id)).GetProperty("numberRecordsProcessed").GetInt32());
    }
}
