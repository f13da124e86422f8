using System.Net;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Rest;

[Collection(EmulatorCollection.Name)]
public sealed class CompositeEndpointsTests(EmulatorFixture fx)
{
    private const string V = EmulatorFixture.V;

    [Fact]
    public async Task Composite_ReferencesEarlierResults()
    {
        var name = "Composite " + Guid.NewGuid().ToString("N")[..6];
        using var response = await fx.Http.PostAsync($"{V}/composite", Json.Body(new
        {
            allOrNone = false,
            compositeRequest = new object[]
            {
                new { method = "POST", url = $"{V}/sobjects/Account", referenceId = "refAccount", body = new { Name = name } },
                new { method = "POST", url = $"{V}/sobjects/Contact", referenceId = "refContact", body = new { LastName = "Ref", AccountId = "@{refAccount.id}" } },
                new { method = "GET", url = $"{V}/sobjects/Contact/@{{refContact.id}}?fields=AccountId", referenceId = "refGet" },
                new { method = "PATCH", url = $"{V}/sobjects/Account/@{{refAccount.id}}", referenceId = "refPatch", body = new { Industry = "Banking" } },
            },
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.ReadAsync()).GetProperty("compositeResponse").EnumerateArray().ToList();
        Assert.Equal(["body", "httpHeaders", "httpStatusCode", "referenceId"], results[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(201, results[0].GetProperty("httpStatusCode").GetInt32());
        Assert.Equal($"{V}/sobjects/Account/{results[0].GetProperty("body").Str("id")}", results[0].GetProperty("httpHeaders").Str("Location"));
        Assert.Equal(results[0].GetProperty("body").Str("id"), results[2].GetProperty("body").Str("AccountId"));
        Assert.Equal(204, results[3].GetProperty("httpStatusCode").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, results[3].GetProperty("body").ValueKind);
    }

    [Fact]
    public async Task Composite_AllOrNoneFailure_RollsBackAndHaltsOthers()
    {
        var name = "Rollback " + Guid.NewGuid().ToString("N")[..6];
        using var response = await fx.Http.PostAsync($"{V}/composite", Json.Body(new
        {
            allOrNone = true,
            compositeRequest = new object[]
            {
                new { method = "POST", url = $"{V}/sobjects/Account", referenceId = "refAccount", body = new { Name = name } },
                new { method = "POST", url = $"{V}/sobjects/Contact", referenceId = "refContact", body = new { AccountId = "@{refAccount.id}" } },
                new { method = "POST", url = $"{V}/sobjects/Account", referenceId = "refLater", body = new { Name = name } },
            },
        }));

        var results = (await response.ReadAsync()).GetProperty("compositeResponse").EnumerateArray().ToList();
        Assert.Equal("PROCESSING_HALTED", results[0].GetProperty("body")[0].Str("errorCode"));
        Assert.Equal(400, results[0].GetProperty("httpStatusCode").GetInt32());
        Assert.Equal("REQUIRED_FIELD_MISSING", results[1].GetProperty("body")[0].Str("errorCode"));
        Assert.Equal("PROCESSING_HALTED", results[2].GetProperty("body")[0].Str("errorCode"));
        Assert.Equal(0, fx.Server.Store.Read(r => r.All("Account").Count(a => a.GetString("Name") == name)));
    }

    [Fact]
    public async Task Composite_MoreThan25Subrequests_IsRejected()
    {
        var requests = Enumerable.Range(0, 26).Select(i => new { method = "GET", url = $"{V}/limits", referenceId = $"r{i}" });

        using var response = await fx.Http.PostAsync($"{V}/composite", Json.Body(new { compositeRequest = requests }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Composite_ForbiddenSubrequestHeader_IsRejected()
    {
        using var response = await fx.Http.PostAsync($"{V}/composite", Json.Body(new
        {
            compositeRequest = new object[] { new { method = "GET", url = $"{V}/limits", referenceId = "r", httpHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer x" } } },
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Composite_CountsAsOneApiCall_BatchCountsEachSubrequest()
    {
        var (server, http) = await EmulatorFixture.StartAsync();
        await using (server)
        using (http)
        {
            var usage = server.Get<Connector.SalesforceEmulator.Limits.ApiUsage>();
            var before = usage.Used;
            await http.PostAsync($"{V}/composite", Json.Body(new
            {
                compositeRequest = Enumerable.Range(0, 5).Select(i => new { method = "GET", url = $"{V}/limits", referenceId = $"r{i}" }),
            }));
            var afterComposite = usage.Used;
            using var batch = await http.PostAsync($"{V}/composite/batch", Json.Body(new
            {
                batchRequests = Enumerable.Range(0, 5).Select(i => new { method = "GET", url = "v62.0/limits" }),
            }));
            var batchJson = await batch.ReadAsync();

            Assert.Equal(1, afterComposite - before);
            Assert.Equal(5, usage.Used - afterComposite);
            Assert.False(batchJson.GetProperty("hasErrors").GetBoolean());
            Assert.Equal(200, batchJson.GetProperty("results")[4].GetProperty("statusCode").GetInt32());
        }
    }

    [Fact]
    public async Task Composite_FiveCollectionUpdates_Write1000OwnersInOneApiCall_AutoAssignFalseKeepsThem()
    {
        var (server, http) = await EmulatorFixture.StartAsync();
        await using (server)
        using (http)
        {
            var bootstrap = server.Get<Connector.SalesforceEmulator.Seeding.OrgBootstrap>();
            var me = bootstrap.IntegrationUserId;
            var ids = await CreateLeadsAsync(http, 1000);
            var usage = server.Get<Connector.SalesforceEmulator.Limits.ApiUsage>();
            var before = usage.Used;

            // Four subrequests say FALSE; the fifth sends no header, so the org's assignment rule runs there.
            using var response = await http.PostAsync($"{V}/composite", Json.Body(new
            {
                allOrNone = false,
                compositeRequest = Enumerable.Range(0, 5).Select(i => new
                {
                    method = "PATCH",
                    url = $"{V}/composite/sobjects",
                    referenceId = $"owners{i}",
                    body = new
                    {
                        allOrNone = false,
                        records = ids.Skip(i * 200).Take(200).Select(id => new Dictionary<string, object> { ["attributes"] = new { type = "Lead" }, ["Id"] = id, ["OwnerId"] = me }),
                    },
                    httpHeaders = i < 4 ? new Dictionary<string, string> { ["Sforce-Auto-Assign"] = "FALSE" } : [],
                }),
            }));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, usage.Used - before);
            var results = (await response.ReadAsync()).GetProperty("compositeResponse").EnumerateArray().ToList();
            Assert.Equal(["owners0", "owners1", "owners2", "owners3", "owners4"], results.Select(r => r.Str("referenceId")));
            Assert.All(results, r => Assert.Equal(200, r.GetProperty("httpStatusCode").GetInt32()));
            Assert.All(results, r => Assert.Equal(200, r.GetProperty("body").EnumerateArray().Count(x => x.GetProperty("success").GetBoolean())));
            Assert.Equal(ids.Skip(200).Take(200), results[1].GetProperty("body").EnumerateArray().Select(x => x.Str("id")));
            var owners = server.Store.Read(org => ids.Select(id => (string?)org.Find(id)!.Get("OwnerId")).ToList());
            Assert.All(owners.Take(800), o => Assert.Equal(me, o));
            Assert.All(owners.Skip(800), o => Assert.Contains(o, bootstrap.SalesRepIds));
        }
    }

    [Fact]
    public async Task Composite_CollectionSubrequests_FailIndependentlyWithoutAllOrNone()
    {
        var ids = await CreateLeadsAsync(fx.Http, 2);
        var tooMany = Enumerable.Range(0, 201).Select(_ => new Dictionary<string, object> { ["attributes"] = new { type = "Lead" }, ["Id"] = ids[0], ["Company"] = "X" });

        using var response = await fx.Http.PostAsync($"{V}/composite", Json.Body(new
        {
            allOrNone = false,
            compositeRequest = new object[]
            {
                new { method = "PATCH", url = $"{V}/composite/sobjects", referenceId = "tooMany", body = new { records = tooMany } },
                new
                {
                    method = "PATCH", url = $"{V}/composite/sobjects", referenceId = "mixed",
                    body = new
                    {
                        records = new object[]
                        {
                            new Dictionary<string, object> { ["attributes"] = new { type = "Lead" }, ["Id"] = ids[1], ["Company"] = "Mixed Ok" },
                            new Dictionary<string, object> { ["attributes"] = new { type = "Lead" }, ["Id"] = ids[0], ["Email"] = "not an email" },
                        },
                    },
                },
            },
        }));

        var results = (await response.ReadAsync()).GetProperty("compositeResponse").EnumerateArray().ToList();
        Assert.Equal(400, results[0].GetProperty("httpStatusCode").GetInt32());
        Assert.Equal("EXCEEDED_ID_LIMIT", results[0].GetProperty("body")[0].Str("errorCode"));
        Assert.Equal(200, results[1].GetProperty("httpStatusCode").GetInt32());
        var records = results[1].GetProperty("body").EnumerateArray().ToList();
        Assert.True(records[0].GetProperty("success").GetBoolean());
        Assert.Equal("INVALID_EMAIL_ADDRESS", records[1].GetProperty("errors")[0].Str("statusCode"));
        Assert.Equal("Mixed Ok", fx.Server.Store.Read(org => (string?)org.Find(ids[1])!.Get("Company")));
    }

    [Fact]
    public async Task Composite_MoreThanFiveCollectionOrQuerySubrequests_IsRejectedBeforeAnythingRuns()
    {
        var ids = await CreateLeadsAsync(fx.Http, 1);
        var name = "Capped " + Guid.NewGuid().ToString("N")[..6];
        var collections = Enumerable.Range(0, 4).Select(i => (object)new
        {
            method = "PATCH", url = $"{V}/composite/sobjects", referenceId = $"c{i}",
            body = new { records = new[] { new Dictionary<string, object> { ["attributes"] = new { type = "Lead" }, ["Id"] = ids[0], ["Company"] = name } } },
        });
        var queries = new object[]
        {
            new { method = "GET", url = $"{V}/query?q=SELECT+Id+FROM+Lead+LIMIT+1", referenceId = "q1" },
            new { method = "GET", url = $"{V}/queryAll?q=SELECT+Id+FROM+Lead+LIMIT+1", referenceId = "q2" },
        };

        using var rejected = await fx.Http.PostAsync($"{V}/composite", Json.Body(new { compositeRequest = collections.Concat(queries) }));
        using var accepted = await fx.Http.PostAsync($"{V}/composite", Json.Body(new
        {
            // Five heavy subrequests plus plain sObject ones are within the limits.
            compositeRequest = collections.Concat(queries.Take(1)).Append(new { method = "GET", url = $"{V}/sobjects/Lead/{ids[0]}?fields=Company", referenceId = "plain" }),
        }));

        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        var error = (await rejected.ReadAsync())[0];
        Assert.Equal("LIMIT_EXCEEDED", error.Str("errorCode"));
        Assert.Contains("Max: 5", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var results = (await accepted.ReadAsync()).GetProperty("compositeResponse").EnumerateArray().ToList();
        Assert.Equal(name, results[5].GetProperty("body").Str("Company"));
    }

    [Fact]
    public async Task Composite_QueryAndQueryAllSubrequests_AnswerQueryPages_AndPageOnThroughTheirNextRecordsUrl()
    {
        var ids = await CreateLeadsAsync(fx.Http, 250);
        var soql = Uri.EscapeDataString($"SELECT Id FROM Lead WHERE Id IN ('{string.Join("','", ids)}') ORDER BY Id");
        using var response = await fx.Http.PostAsync($"{V}/composite", Json.Body(new
        {
            compositeRequest = new object[]
            {
                // A subrequest may carry any header its resource supports: the query's batch size travels as it would alone.
                new { method = "GET", url = $"{V}/query?q={soql}", referenceId = "leads", httpHeaders = new Dictionary<string, string> { ["Sforce-Query-Options"] = "batchSize=200" } },
                new { method = "GET", url = $"{V}/queryAll?q={Uri.EscapeDataString("SELECT Id, IsDeleted FROM Lead WHERE Id = '" + ids[0] + "'")}", referenceId = "all" },
            },
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.ReadAsync()).GetProperty("compositeResponse").EnumerateArray().ToList();
        var page = results[0].GetProperty("body");
        Assert.Equal(200, results[0].GetProperty("httpStatusCode").GetInt32());
        Assert.Equal(250, page.GetProperty("totalSize").GetInt32());
        Assert.False(page.GetProperty("done").GetBoolean());
        Assert.Equal(200, page.GetProperty("records").GetArrayLength());
        Assert.Equal("Lead", page.GetProperty("records")[0].GetProperty("attributes").Str("type"));
        var all = results[1].GetProperty("body");
        Assert.True(all.GetProperty("done").GetBoolean());
        Assert.False(all.GetProperty("records")[0].GetProperty("IsDeleted").GetBoolean());

        // The rest of the first query comes by its locator, an ordinary call.
        using var more = await fx.Http.GetAsync(page.Str("nextRecordsUrl"));
        var rest = await more.ReadAsync();
        Assert.True(rest.GetProperty("done").GetBoolean());
        Assert.Equal(ids.Order(StringComparer.Ordinal),
            page.GetProperty("records").EnumerateArray().Concat(rest.GetProperty("records").EnumerateArray()).Select(r => r.Str("Id")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Composite_QuerySubrequestErrors_AreAnsweredPerSubrequest()
    {
        using var response = await fx.Http.PostAsync($"{V}/composite", Json.Body(new
        {
            compositeRequest = new object[]
            {
                new { method = "GET", url = $"{V}/query?q={Uri.EscapeDataString("SELECT Nope__c FROM Lead")}", referenceId = "bad" },
                new { method = "GET", url = $"{V}/query?q={Uri.EscapeDataString("SELECT Id FROM Lead LIMIT 1")}", referenceId = "good" },
            },
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.ReadAsync()).GetProperty("compositeResponse").EnumerateArray().ToList();
        Assert.Equal(400, results[0].GetProperty("httpStatusCode").GetInt32());
        Assert.Equal("INVALID_FIELD", results[0].GetProperty("body")[0].Str("errorCode"));
        Assert.Equal(200, results[1].GetProperty("httpStatusCode").GetInt32());
    }

    [Fact]
    public async Task Composite_DescribeSubrequests_HonourIfModifiedSince_AndCarryLastModified()
    {
        var (server, http) = await EmulatorFixture.StartAsync();
        await using var _ = server;
        using var __ = http;
        using var first = await http.PostAsync($"{V}/composite", Json.Body(new
        {
            compositeRequest = new object[] { new { method = "GET", url = $"{V}/sobjects/Lead/describe", referenceId = "lead" } },
        }));
        var fetched = (await first.ReadAsync()).GetProperty("compositeResponse")[0];
        Assert.Equal(200, fetched.GetProperty("httpStatusCode").GetInt32());
        Assert.Equal("Lead", fetched.GetProperty("body").Str("name"));
        var lastModified = fetched.GetProperty("httpHeaders").Str("Last-Modified");
        Assert.True(DateTimeOffset.TryParse(lastModified, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var stamp), lastModified);

        var usage = server.Get<Connector.SalesforceEmulator.Limits.ApiUsage>();
        var before = usage.Used;
        using var second = await http.PostAsync($"{V}/composite", Json.Body(new
        {
            compositeRequest = new object[]
            {
                new { method = "GET", url = $"{V}/sobjects/Lead/describe", referenceId = "lead", httpHeaders = new Dictionary<string, string> { ["If-Modified-Since"] = lastModified } },
                new { method = "GET", url = $"{V}/sobjects/Contact/describe", referenceId = "contact", httpHeaders = new Dictionary<string, string> { ["If-Modified-Since"] = stamp.AddSeconds(-1).ToString("R", System.Globalization.CultureInfo.InvariantCulture) } },
                new { method = "GET", url = $"{V}/query?q={Uri.EscapeDataString("SELECT Id FROM Lead LIMIT 1")}", referenceId = "q" },
            },
        }));

        var results = (await second.ReadAsync()).GetProperty("compositeResponse").EnumerateArray().ToList();
        Assert.Equal(304, results[0].GetProperty("httpStatusCode").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, results[0].GetProperty("body").ValueKind);
        Assert.Equal(200, results[1].GetProperty("httpStatusCode").GetInt32());
        Assert.Equal("Contact", results[1].GetProperty("body").Str("name"));
        Assert.Equal(200, results[2].GetProperty("httpStatusCode").GetInt32());
        Assert.Equal(before + 1, usage.Used);
    }

    [Theory]
    [InlineData("/services/data/v62.0/composite/sobjects", true)]
    [InlineData("/services/data/v62.0/composite/sobjects/Advocate__c/External_Key__c", true)]
    [InlineData("/services/data/v62.0/query?q=SELECT+Id+FROM+Lead", true)]
    [InlineData("/services/data/v62.0/query/01gD0000002HU6KIAW-2000", true)]
    [InlineData("/services/data/v62.0/queryAll?q=SELECT+Id+FROM+Lead", true)]
    [InlineData("/services/data/v62.0/sobjects/Lead/00Q000000000001", false)]
    [InlineData("/services/data/v62.0/sobjects/Lead/describe", false)]
    [InlineData("/services/data/v62.0/limits", false)]
    public void CollectionOrQuery_IsRecognisedByItsResource(string url, bool heavy) =>
        Assert.Equal(heavy, Connector.SalesforceEmulator.Rest.CompositeEndpoints.IsCollectionOrQuery(url));

    private static async Task<List<string>> CreateLeadsAsync(HttpClient http, int count)
    {
        var ids = new List<string>(count);
        var tag = Guid.NewGuid().ToString("N")[..6];
        for (var start = 0; start < count; start += 200)
        {
            using var response = await http.PostAsync($"{V}/composite/sobjects", Json.Body(new
            {
                records = Enumerable.Range(start, Math.Min(200, count - start)).Select(i => new Dictionary<string, object>
                {
                    ["attributes"] = new { type = "Lead" }, ["LastName"] = $"Bulk{tag}{i}", ["Company"] = "Composite Inc",
                }),
            }));
            ids.AddRange((await response.ReadAsync()).EnumerateArray().Select(r => r.Str("id")));
        }

        return ids;
    }
}
