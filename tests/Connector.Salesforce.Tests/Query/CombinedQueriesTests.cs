using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.Salesforce.Http;
using Connector.Salesforce.Query;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Limits;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Tests.Query;

/// <summary>Several queries' first pages in one Composite call (SalesforceQueries.QueryCombinedAsync) and reading on from them.</summary>
public sealed class CombinedQueriesTests
{
    private const string Composite = "POST /services/data/v{version}/composite";
    private const string Query = "GET /services/data/v{version}/query";
    private const string NextPage = "GET /services/data/v{version}/query/{locator}";

    private static long Calls(ClientHarness h, string endpoint) => h.Emulator.Get<ApiUsage>().ByEndpoint.GetValueOrDefault(endpoint);

    private static async Task<List<string>> ReadIdsAsync(SalesforceQueries queries, PrefetchedQuery query)
    {
        var ids = new List<string>();
        await foreach (var record in queries.QueryAsync<JsonElement>(query))
        {
            ids.Add(record.GetProperty("Id").GetString()!);
        }

        return ids;
    }

    [Fact]
    public async Task QueryCombinedAsync_FourQueries_OneCall_EachFirstPageAsItsOwnQueryWouldAnswer()
    {
        await using var h = await ClientHarness.StartAsync();
        var tag = "Combined " + Guid.NewGuid().ToString("N")[..6];
        var leads = await SalesforceQueriesTests.SeedLeadsAsync(h, 3, tag);
        var queries = h.Get<SalesforceQueries>();
        var combined = new[]
        {
            new CombinedQuery(Soql.From("Lead").Select("Id", "Company").Where(Soql.Field("Company").Equal(tag)).OrderBy("Id"), IncludeDeleted: false),
            new CombinedQuery(Soql.From("Lead").Select("Id", "IsDeleted").Where(Soql.Field("Company").Equal(tag)).OrderBy("Id"), IncludeDeleted: true),
            new CombinedQuery(Soql.From("Lead").Select("Id").Where(Soql.Field("Company").Equal(tag + " none")), IncludeDeleted: false),
            new CombinedQuery(Soql.From("Account").Select("Id").Limit(1), IncludeDeleted: false),
        };
        var before = h.Emulator.Get<ApiUsage>().Used;

        var answer = await queries.QueryCombinedAsync(combined);

        Assert.Equal(before + 1, h.Emulator.Get<ApiUsage>().Used);
        Assert.Equal(1, Calls(h, Composite));
        Assert.Equal(4, answer.Queries.Count);
        var first = answer.Queries[0].FirstPage!;
        Assert.True(first.Done);
        Assert.Equal(3, first.TotalSize);
        Assert.Equal(leads.Order(StringComparer.Ordinal), first.Records.Select(r => r.GetProperty("Id").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(tag, first.Records[0].GetProperty("Company").GetString());
        Assert.Equal("Lead", first.Records[0].GetProperty("attributes").GetProperty("type").GetString());
        Assert.All(answer.Queries[1].FirstPage!.Records, r => Assert.False(r.GetProperty("IsDeleted").GetBoolean()));
        Assert.Empty(answer.Queries[2].FirstPage!.Records);
        Assert.Equal(leads.Order(StringComparer.Ordinal), (await ReadIdsAsync(queries, answer.Queries[0])).Order(StringComparer.Ordinal));
        Assert.Equal(1, Calls(h, Composite) + Calls(h, Query) + Calls(h, NextPage));
    }

    [Fact]
    public async Task QueryCombinedAsync_AQueryWithMorePages_FollowsItsNextRecordsUrlWithOrdinaryCalls()
    {
        await using var h = await ClientHarness.StartAsync();
        var tag = "Paged " + Guid.NewGuid().ToString("N")[..6];
        var leads = await SalesforceQueriesTests.SeedLeadsAsync(h, 450, tag);
        var queries = h.Get<SalesforceQueries>();

        var answer = await queries.QueryCombinedAsync(
        [
            new CombinedQuery(Soql.From("Lead").Select("Id").Where(Soql.Field("Company").Equal(tag)), IncludeDeleted: false) { Options = new QueryOptions { BatchSize = 200 } },
            new CombinedQuery(Soql.From("Lead").Select("Id").Where(Soql.Field("Company").Equal(tag)).Limit(1), IncludeDeleted: false),
        ]);

        // The batch size travelled with the subrequest: the first page holds 200 of 450.
        Assert.Equal(200, answer.Queries[0].FirstPage!.Records.Count);
        Assert.False(answer.Queries[0].FirstPage!.Done);
        var ids = await ReadIdsAsync(queries, answer.Queries[0]);
        Assert.Equal(leads.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        Assert.Equal(1, Calls(h, Composite));
        Assert.Equal(2, Calls(h, NextPage));
        Assert.Single(await ReadIdsAsync(queries, answer.Queries[1]));
        Assert.Equal(2, Calls(h, NextPage));
    }

    [Fact]
    public async Task QueryCombinedAsync_SixQueries_TwoCalls_FiveIsTheCap()
    {
        await using var h = await ClientHarness.StartAsync();
        var queries = h.Get<SalesforceQueries>();

        var answer = await queries.QueryCombinedAsync([.. Enumerable.Range(0, 6).Select(i => new CombinedQuery(Soql.From("Lead").Select("Id").Limit(i + 1), IncludeDeleted: false))]);

        Assert.Equal(6, answer.Queries.Count);
        Assert.All(answer.Queries, q => Assert.NotNull(q.FirstPage));
        Assert.Equal(2, Calls(h, Composite));
    }

    [Fact]
    public async Task QueryCombinedAsync_ARefusedQuery_ThrowsAsTheSameQueryAloneWould_NamingItsObject_AndSparesTheOthers()
    {
        await using var h = await ClientHarness.StartAsync();
        var queries = h.Get<SalesforceQueries>();
        var bad = Soql.From("Lead").Select("Id", "No_Such_Field__c");

        var answer = await queries.QueryCombinedAsync([new CombinedQuery(bad, IncludeDeleted: true), new CombinedQuery(Soql.From("Account").Select("Id").Limit(1), IncludeDeleted: false)]);

        var combined = await Assert.ThrowsAsync<SalesforceApiException>(() => ReadIdsAsync(queries, answer.Queries[0]));
        var alone = await Assert.ThrowsAsync<SalesforceApiException>(async () =>
        {
            await foreach (var _ in queries.QueryAllAsync(bad))
            {
            }
        });
        Assert.Equal(alone.Status, combined.Status);
        Assert.Equal(HttpStatusCode.BadRequest, combined.Status);
        Assert.Equal(alone.ErrorCode, combined.ErrorCode);
        Assert.Equal("INVALID_FIELD", combined.ErrorCode);
        Assert.StartsWith(alone.Request, combined.Request, StringComparison.Ordinal);
        Assert.Contains("(Lead, Composite subrequest q0)", combined.Request, StringComparison.Ordinal);
        Assert.DoesNotContain("No_Such_Field__c", combined.Request, StringComparison.Ordinal);
        Assert.NotNull(answer.Queries[1].FirstPage);
    }

    [Fact]
    public async Task QueryCombinedAsync_AServerErrorInsideTheAnswer_IsTransient_TheQueryIsSentAgainAlone()
    {
        var failing = new FailSubrequest("q0");
        await using var h = await ClientHarness.StartAsync(configure: s => s.AddHttpClient<SalesforceHttp>().AddHttpMessageHandler(() => failing));
        var tag = "Transient " + Guid.NewGuid().ToString("N")[..6];
        var leads = await SalesforceQueriesTests.SeedLeadsAsync(h, 2, tag);
        var queries = h.Get<SalesforceQueries>();

        var answer = await queries.QueryCombinedAsync([new CombinedQuery(Soql.From("Lead").Select("Id").Where(Soql.Field("Company").Equal(tag)), IncludeDeleted: false)]);

        Assert.Equal(1, failing.Failed);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Queries[0].Failure!.Status);
        Assert.Equal(leads.Order(StringComparer.Ordinal), (await ReadIdsAsync(queries, answer.Queries[0])).Order(StringComparer.Ordinal));
        Assert.Equal(1, Calls(h, Query));
    }

    [Fact]
    public async Task QueryCombinedAsync_DescribeRevalidationsRideAlong_304WithoutABody()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: new Dictionary<string, string?> { ["Salesforce:Describe:MaxAge"] = "00:00:00" });
        var describes = h.Get<Connector.Salesforce.Describe.DescribeCache>();
        var lead = await describes.GetAsync("Lead", CancellationToken.None);
        var due = describes.RevalidationDue("Lead");
        Assert.NotNull(due);
        Assert.Null(describes.RevalidationDue("Contact")); // never loaded: nothing to revalidate
        var used = h.Emulator.Get<ApiUsage>().Used;

        var answer = await h.Get<SalesforceQueries>().QueryCombinedAsync([new CombinedQuery(Soql.From("Lead").Select("Id").Limit(1), IncludeDeleted: false)], alongside: [due]);

        Assert.Equal(used + 1, h.Emulator.Get<ApiUsage>().Used);
        Assert.Equal(304, answer.Alongside[0].HttpStatusCode);
        var revalidated = describes.Revalidated("Lead", answer.Alongside[0]);
        Assert.Same(lead, revalidated!.Value.Description);
        Assert.False(revalidated.Value.Changed);
        Assert.Equal(1, describes.NotModified);
    }

    [Fact]
    public void Revalidated_A200_ReplacesTheDescribe_DatedByItsLastModified()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System)
            .AddSingleton(Microsoft.Extensions.Options.Options.Create(new SalesforceOptions()))
            .AddSingleton(Microsoft.Extensions.Options.Options.Create(new Connector.Salesforce.Describe.DescribeOptions { MaxAge = TimeSpan.Zero }))
            .AddSingleton<Connector.Salesforce.Describe.DescribeStore>()
            .AddSingleton(new SalesforceHttp(new HttpClient(), Microsoft.Extensions.Options.Options.Create(new SalesforceOptions())))
            .AddTransient<Connector.Salesforce.Describe.DescribeCache>()
            .BuildServiceProvider();
        var describes = services.GetRequiredService<Connector.Salesforce.Describe.DescribeCache>();
        using var doc = JsonDocument.Parse("""{"name":"Lead","fields":[{"name":"Id","type":"id"},{"name":"New__c","type":"string"}]}""");
        var answer = new Connector.Salesforce.Writes.CompositeSubresult("g0", 200, doc.RootElement.Clone())
        {
            HttpHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Last-Modified"] = "Sun, 22 Nov 2026 10:00:00 GMT" },
        };

        var revalidated = describes.Revalidated("Lead", answer);

        Assert.True(revalidated!.Value.Changed);
        Assert.NotNull(revalidated.Value.Description.FindField("New__c"));
        Assert.Same(revalidated.Value.Description, describes.Cached("Lead"));
        Assert.Equal("Sun, 22 Nov 2026 10:00:00 GMT", describes.RevalidationDue("Lead")!.Headers["If-Modified-Since"]);
    }

    /// <summary>Turns one subrequest of every Composite answer into a 503, as an org failing to run it would answer.</summary>
    private sealed class FailSubrequest(string referenceId) : DelegatingHandler
    {
        public int Failed { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method != HttpMethod.Post || request.RequestUri?.AbsolutePath.EndsWith("/composite", StringComparison.Ordinal) != true)
            {
                return response;
            }

            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            foreach (var sub in answer["compositeResponse"]!.AsArray().Where(s => (string?)s!["referenceId"] == referenceId))
            {
                sub!["httpStatusCode"] = 503;
                sub["body"] = new JsonArray(new JsonObject { ["errorCode"] = "SERVER_UNAVAILABLE", ["message"] = "Try again." });
                Failed++;
            }

            response.Content = new StringContent(answer.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
            return response;
        }
    }
}
