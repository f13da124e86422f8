using System.Text.Json;
using Connector.Salesforce.Auth;
using Connector.Salesforce.Query;
using Connector.Salesforce.Tests.Support;
using Connector.Salesforce.Writes;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Limits;

namespace Connector.Salesforce.Tests.Query;

public sealed class SalesforceQueriesTests
{
    private const string FirstPage = "GET /services/data/v{version}/query";
    private const string NextPage = "GET /services/data/v{version}/query/{locator}";

    public sealed record OwnerRow(string Name);

    public sealed record LeadRow(string Id, string Company, string LastName, DateTimeOffset SystemModstamp, OwnerRow Owner, decimal? AnnualRevenue);

    internal static async Task<IReadOnlyList<string>> SeedLeadsAsync(ClientHarness h, int count, string company = "Paging Co")
    {
        var records = Enumerable.Range(0, count).Select(i => new Dictionary<string, object?>
        {
            ["LastName"] = $"Lead {i:D5}",
            ["Company"] = company,
            ["AnnualRevenue"] = 1000 + i,
        }).ToList();
        var results = await h.Get<SalesforceWrites>().CreateAsync("Lead", records);
        Assert.All(results, r => Assert.True(r.Success, string.Join(";", r.Errors)));
        return results.Select(r => r.Id!).ToList();
    }

    private static long Calls(ClientHarness h, string endpoint) => h.Emulator.Get<ApiUsage>().ByEndpoint.GetValueOrDefault(endpoint);

    [Fact]
    public async Task QueryAsync_ManyPages_ReadsEveryRecordOnceInOrder()
    {
        await using var h = await ClientHarness.StartAsync();
        var ids = await SeedLeadsAsync(h, 450);
        var query = Soql.From("Lead").Select("Id", "Company", "LastName", "SystemModstamp", "Owner.Name", "AnnualRevenue")
            .Where(Soql.Field("Company").Equal("Paging Co")).OrderBy("LastName");

        var rows = await h.Get<SalesforceQueries>().QueryAsync<LeadRow>(query, new QueryOptions { BatchSize = 200 }).ToListAsync();

        Assert.Equal(ids.Order(), rows.Select(r => r.Id).Order());
        Assert.Equal(rows.OrderBy(r => r.LastName, StringComparer.Ordinal).Select(r => r.Id), rows.Select(r => r.Id));
        Assert.Equal(1000m, rows[0].AnnualRevenue);
        Assert.False(string.IsNullOrEmpty(rows[0].Owner.Name));
        Assert.True(rows[0].SystemModstamp > DateTimeOffset.MinValue);
        Assert.Equal(1, Calls(h, FirstPage));
        Assert.Equal(2, Calls(h, NextPage));
    }

    [Fact]
    public async Task QueryAsync_ConsumerStopsEarly_NextPageNeverRequested()
    {
        await using var h = await ClientHarness.StartAsync();
        await SeedLeadsAsync(h, 250);
        var query = Soql.From("Lead").Select("Id").Where(Soql.Field("Company").Equal("Paging Co"));

        var seen = 0;
        await foreach (var record in h.Get<SalesforceQueries>().QueryAsync(query, new QueryOptions { BatchSize = 200 }))
        {
            Assert.Equal("Lead", record.GetProperty("attributes").GetProperty("type").GetString());
            Assert.Equal(0, Calls(h, NextPage));
            if (++seen == 200)
            {
                break;
            }
        }

        Assert.Equal(1, Calls(h, FirstPage));
        Assert.Equal(0, Calls(h, NextPage));
    }

    [Fact]
    public async Task QueryAsync_SessionExpiresBetweenPages_RenewsAndContinues()
    {
        await using var h = await ClientHarness.StartAsync();
        var ids = await SeedLeadsAsync(h, 450);
        var query = Soql.From("Lead").Select("Id").Where(Soql.Field("Company").Equal("Paging Co"));
        var renewalsBefore = h.Get<TokenCache>().Renewals;

        var read = new List<string>();
        await foreach (var record in h.Get<SalesforceQueries>().QueryAsync(query, new QueryOptions { BatchSize = 200 }))
        {
            read.Add(record.GetProperty("Id").GetString()!);
            if (read.Count % 200 == 0)
            {
                h.Emulator.Get<TokenStore>().ExpireAllSessions();
            }
        }

        Assert.Equal(ids.Order(), read.Order());
        Assert.Equal(renewalsBefore + 2, h.Get<TokenCache>().Renewals);
        Assert.Equal(2, Calls(h, NextPage));
    }

    [Fact]
    public async Task QueryAllAsync_IncludesDeletedRecords()
    {
        await using var h = await ClientHarness.StartAsync();
        var ids = await SeedLeadsAsync(h, 3, "Bin Co");
        var http = h.Get<Http.SalesforceHttp>();
        await http.SendJsonAsync(HttpMethod.Delete, http.Api("sobjects/Lead/" + ids[1]), null, Http.CallPriority.Normal, CancellationToken.None);
        var query = Soql.From("Lead").Select("Id", "IsDeleted").Where(Soql.Field("Company").Equal("Bin Co"));
        var queries = h.Get<SalesforceQueries>();

        var live = await queries.QueryAsync(query).ToListAsync();
        var all = await queries.QueryAllAsync(query).ToListAsync();

        Assert.Equal(2, live.Count);
        Assert.Equal(3, all.Count);
        Assert.True(all.Single(r => r.GetProperty("Id").GetString() == ids[1]).GetProperty("IsDeleted").GetBoolean());
    }

    [Fact]
    public async Task CountAsync_UsesCountQuery()
    {
        await using var h = await ClientHarness.StartAsync();
        await SeedLeadsAsync(h, 7, "Count Co");

        var count = await h.Get<SalesforceQueries>().CountAsync(Soql.From("Lead").Select("Id").Where(Soql.Field("Company").Equal("Count Co")).OrderBy("Id"));

        Assert.Equal(7, count);
    }

    [Fact]
    public async Task QueryPath_PlusSign_IsPercentEncoded()
    {
        await using var h = await ClientHarness.StartAsync();

        var path = h.Get<SalesforceQueries>().QueryPath("query", Soql.From("Lead").Select("Id").Where(Soql.Field("Email").Equal("a+b@x.com")));

        Assert.Contains("a%2Bb%40x.com", path, StringComparison.Ordinal);
        Assert.DoesNotContain("+", path, StringComparison.Ordinal);
        Assert.DoesNotContain(" ", path, StringComparison.Ordinal);
    }

    [Fact]
    public void QueryOptions_BatchSizeOutOfRange_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryOptions { BatchSize = 100 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryOptions { BatchSize = 2001 }.Validate());
    }

    [Fact]
    public void QueryPage_Parse_RealPagedFixtures()
    {
        var first = QueryPage.Parse(Fixtures.Json("rest-query/query_paged_contacts_page1_of4_v41_netcoreforce.json"));
        var last = QueryPage.Parse(Fixtures.Json("rest-query/query_paged_contacts_page4_of4_v41_netcoreforce.json"));
        var count = QueryPage.Parse(Fixtures.Json("rest-query/query_count_only_netcoreforce.json"));

        Assert.Equal(800, first.TotalSize);
        Assert.False(first.Done);
        Assert.Equal("/services/data/v41.0/query/01gC000006QJJ7fIAH-200", first.NextRecordsUrl);
        Assert.Equal(200, first.Records.Count);
        Assert.Equal("Contact", first.Records[0].GetProperty("attributes").GetProperty("type").GetString());
        Assert.True(last.Done);
        Assert.Null(last.NextRecordsUrl);
        Assert.Equal(26, count.TotalSize);
        Assert.Empty(count.Records);
    }

    [Fact]
    public void RecordJson_SalesforceDatetimeAndNestedParents_Deserialize()
    {
        var page = QueryPage.Parse(Fixtures.Json("rest-query/query_case_with_parent_relationships_v39_netcoreforce.json"));

        var first = page.Records[0].Deserialize<CaseRow>(SalesforceRecordJson.Options)!;

        Assert.False(string.IsNullOrEmpty(first.Id));
        Assert.NotNull(first.Account);
        Assert.Equal(new DateTimeOffset(2013, 5, 20, 20, 49, 32, TimeSpan.Zero), SalesforceRecordJson.Options.GetConverter(typeof(DateTimeOffset)) is not null
            ? JsonSerializer.Deserialize<DateTimeOffset>("\"2013-05-20T20:49:32.000+0000\"", SalesforceRecordJson.Options)
            : default);
    }

    public sealed record AccountRow(string Name);

    public sealed record CaseRow(string Id, AccountRow? Account);
}
