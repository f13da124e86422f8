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
}
