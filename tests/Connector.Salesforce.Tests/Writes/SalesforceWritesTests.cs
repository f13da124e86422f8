using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.Salesforce.Http;
using Connector.Salesforce.Query;
using Connector.Salesforce.Tests.Support;
using Connector.Salesforce.Writes;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Limits;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Tests.Writes;

public sealed class SalesforceWritesTests
{
    private const string Create = "POST /services/data/v{version}/composite/sobjects";
    private const string Update = "PATCH /services/data/v{version}/composite/sobjects";

    /// <summary>Every request as the innermost handler saw it: method, path, idempotency flag, Sforce-Auto-Assign.</summary>
    private sealed class Recorder : DelegatingHandler
    {
        public static readonly ConcurrentQueue<(string Method, string Path, bool Idempotent, string? AutoAssign)> Seen = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Enqueue((request.Method.Method, request.RequestUri!.AbsolutePath, SalesforceRequest.IsIdempotent(request),
                request.Headers.TryGetValues("Sforce-Auto-Assign", out var v) ? v.Single() : null));
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static async Task<ClientHarness> StartAsync(string apiVersion = "62.0") =>
        await ClientHarness.StartAsync(clientSettings: new Dictionary<string, string?> { ["Salesforce:ApiVersion"] = apiVersion });

    private static IReadOnlyDictionary<string, long> Usage(ClientHarness h) => h.Emulator.Get<ApiUsage>().ByEndpoint;

    private static List<object> Leads(int count, string company = "Writes Co") =>
        Enumerable.Range(0, count).Select(i => (object)new { LastName = "W" + i, Company = company }).ToList();

    [Fact]
    public async Task CreateAsync_450Records_ThreeCallsResultsInInputOrder()
    {
        await using var h = await StartAsync();

        var results = await h.Get<SalesforceWrites>().CreateAsync("Lead", Leads(450));

        Assert.Equal(Enumerable.Range(0, 450), results.Select(r => r.Index));
        Assert.All(results, r => Assert.True(r.Success));
        Assert.Equal(450, results.Select(r => r.Id).Distinct().Count());
        Assert.Equal(3, Usage(h)[Create]);
        var names = await h.Get<SalesforceQueries>().QueryAsync(Soql.From("Lead").Select("Id", "LastName").Where(Soql.Field("Company").Equal("Writes Co"))).ToListAsync();
        var byId = names.ToDictionary(n => n.GetProperty("Id").GetString()!, n => n.GetProperty("LastName").GetString());
        Assert.All(results, r => Assert.Equal("W" + r.Index, byId[r.Id!]));
    }

    [Fact]
    public async Task UpdateAsync_1000Records_CostsExactlyFiveCalls()
    {
        await using var h = await StartAsync();
        var created = await h.Get<SalesforceWrites>().CreateAsync("Lead", Leads(1000));
        var usedBefore = h.Emulator.Get<ApiUsage>().Used;
        var tokenCallsBefore = Usage(h).GetValueOrDefault("POST /services/oauth2/token");

        var results = await h.Get<SalesforceWrites>().UpdateAsync("Lead", created.Select(c => new { Id = c.Id, Title = "Updated " + c.Index }).ToList());

        Assert.All(results, r => Assert.True(r.Success));
        Assert.Equal(5, Usage(h)[Update]);
        Assert.Equal(5, h.Emulator.Get<ApiUsage>().Used - usedBefore);
        Assert.Equal(tokenCallsBefore, Usage(h).GetValueOrDefault("POST /services/oauth2/token"));
        var count = await h.Get<SalesforceQueries>().CountAsync(Soql.From("Lead").Where(Soql.Field("Title").StartsWith("Updated ")));
        Assert.Equal(1000, count);
    }

    [Fact]
    public async Task CreateAsync_PartialFailureAcrossBatches_ReportsEachRecordAtItsIndex()
    {
        await using var h = await StartAsync();
        var records = Leads(250).Select((r, i) => i is 5 or 210 ? new { LastName = (string?)null, Company = "Writes Co" } : r).ToList();

        var results = await h.Get<SalesforceWrites>().CreateAsync("Lead", records);

        Assert.Equal(250, results.Count);
        Assert.Equal([5, 210], results.Where(r => !r.Success).Select(r => r.Index));
        var error = Assert.Single(results[210].Errors);
        Assert.Equal("REQUIRED_FIELD_MISSING", error.ErrorCode);
        Assert.Equal(["LastName"], error.Fields);
        Assert.Null(results[5].Id);
        Assert.Equal(248, results.Count(r => r.Success && r.Id is not null));
        Assert.Equal(248, await h.Get<SalesforceQueries>().CountAsync(Soql.From("Lead").Where(Soql.Field("Company").Equal("Writes Co"))));
    }

    [Fact]
    public async Task CreateAsync_AllOrNoneWithAFailure_WritesNothing()
    {
        await using var h = await StartAsync();
        var records = new List<object> { new { LastName = "A", Company = "Atomic Co" }, new { Company = "Atomic Co" }, new { LastName = "C", Company = "Atomic Co" } };

        var results = await h.Get<SalesforceWrites>().CreateAsync("Lead", records, new WriteOptions { AllOrNone = true });

        Assert.All(results, r => Assert.False(r.Success));
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", results[0].Errors[0].ErrorCode);
        Assert.Equal("REQUIRED_FIELD_MISSING", results[1].Errors[0].ErrorCode);
        Assert.Equal(0, await h.Get<SalesforceQueries>().CountAsync(Soql.From("Lead").Where(Soql.Field("Company").Equal("Atomic Co"))));
    }

    [Fact]
    public async Task Writes_InvalidRequests_AreRefusedBeforeAnyCall()
    {
        await using var h = await StartAsync();
        var writes = h.Get<SalesforceWrites>();

        await Assert.ThrowsAsync<ArgumentException>(() => writes.CreateAsync("Lead", Leads(201), new WriteOptions { AllOrNone = true }));
        await Assert.ThrowsAsync<ArgumentException>(() => writes.UpdateAsync("Lead", [new { LastName = "no id" }]));
        await Assert.ThrowsAsync<ArgumentException>(() => writes.UpsertAsync("Advocate__c", "External_Key__c", [new { Name = "no key" }]));

        Assert.DoesNotContain(Usage(h).Keys, k => k.Contains("composite", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpsertAsync_ByExternalId_CreatesThenUpdates()
    {
        await using var h = await StartAsync();
        var writes = h.Get<SalesforceWrites>();
        var advocates = Enumerable.Range(0, 3).Select(i => new Dictionary<string, object?> { ["External_Key__c"] = "adv-" + i, ["Name"] = "Advocate " + i }).ToList();

        var first = await writes.UpsertAsync("Advocate__c", "External_Key__c", advocates);
        advocates[1]["Status__c"] = "Active";
        var second = await writes.UpsertAsync("Advocate__c", "External_Key__c", advocates);

        Assert.All(first, r => Assert.True(r.Success && r.Created == true));
        Assert.All(second, r => Assert.True(r.Success && r.Created == false));
        Assert.Equal(first.Select(r => r.Id), second.Select(r => r.Id));
    }

    [Fact]
    public async Task UpsertOneAsync_CreatedThenUpdated()
    {
        await using var h = await StartAsync();
        var writes = h.Get<SalesforceWrites>();

        var created = await writes.UpsertOneAsync("Advocate__c", "External_Key__c", "key with spaces+plus&?#", new { Name = "Ada" });
        var updated = await writes.UpsertOneAsync("Advocate__c", "External_Key__c", "key with spaces+plus&?#", new { Status__c = "Active", External_Key__c = "ignored" });

        Assert.True(created.Created);
        Assert.False(updated.Created);
        Assert.Equal(created.Id, updated.Id);
        var row = await h.Get<SalesforceQueries>().QueryAsync(Soql.From("Advocate__c").Select("External_Key__c", "Status__c").Where(Soql.Field("Id").Equal(SoqlValue.Id(created.Id!)))).SingleAsync();
        Assert.Equal("key with spaces+plus&?#", row.GetProperty("External_Key__c").GetString());
        Assert.Equal("Active", row.GetProperty("Status__c").GetString());
    }

    [Fact]
    public async Task UpsertOneAsync_SlashInKey_IsRefusedInFavourOfCollections()
    {
        await using var h = await StartAsync();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => h.Get<SalesforceWrites>().UpsertOneAsync("Advocate__c", "External_Key__c", "a/b", new { Name = "Ada" }));
        var viaCollection = await h.Get<SalesforceWrites>().UpsertAsync("Advocate__c", "External_Key__c", [new { External_Key__c = "a/b", Name = "Ada" }]);

        Assert.Contains("UpsertAsync", e.Message, StringComparison.Ordinal);
        Assert.True(viaCollection[0].Created);
    }

    [Fact]
    public async Task UpsertOneAsync_BeforeApi46_UpdateAnswers204()
    {
        await using var h = await StartAsync("45.0");
        var writes = h.Get<SalesforceWrites>();

        var created = await writes.UpsertOneAsync("Advocate__c", "External_Key__c", "old-api", new { Name = "Ada" });
        var updated = await writes.UpsertOneAsync("Advocate__c", "External_Key__c", "old-api", new { Status__c = "Active" });

        Assert.True(created.Created);
        Assert.False(updated.Created);
        Assert.Null(updated.Id);
    }

    [Fact]
    public async Task UpsertOneAsync_SeveralMatches_ThrowsListingThemAndWritesNothing()
    {
        await using var h = await StartAsync();
        var store = h.Emulator.Store;
        var schema = store.Schema.Find("Advocate__c")!;
        var key = schema.FindField("External_Key__c")!;
        var name = schema.FindField("Name")!;
        string[] ids;
        // Two records sharing a key can only exist if uniqueness was off when they were written: bypass Dml.
        using (var tx = store.BeginTransaction(new DmlContext(SalesforceIds.Create("005", 1))))
        {
            ids = [tx.Insert(schema, [new(key, "dup"), new(name, "One")]).Id, tx.Insert(schema, [new(key, "dup"), new(name, "Two")]).Id];
            tx.Commit();
        }

        var e = await Assert.ThrowsAsync<UpsertMultipleMatchesException>(() =>
            h.Get<SalesforceWrites>().UpsertOneAsync("Advocate__c", "External_Key__c", "dup", new { Name = "Three" }));

        Assert.Equal(ids.Order(), e.MatchIds.Order());
        Assert.Equal(System.Net.HttpStatusCode.MultipleChoices, e.Status);
        var names = await h.Get<SalesforceQueries>().QueryAsync(Soql.From("Advocate__c").Select("Name").Where(Soql.Field("External_Key__c").Equal("dup"))).Select(r => r.GetProperty("Name").GetString()).ToListAsync();
        Assert.Equal(["One", "Two"], names.Order());
    }

    [Fact]
    public async Task Requests_CreatesAreNotIdempotent_UpdatesAndUpsertsAre_AutoAssignFollowsOwner()
    {
        await using var h = await ClientHarness.StartAsync(configure: s =>
        {
            s.AddTransient<Recorder>();
            s.AddHttpClient<SalesforceHttp>().AddHttpMessageHandler<Recorder>();
        });
        var writes = h.Get<SalesforceWrites>();
        var owner = await h.Get<SalesforceQueries>().QueryAsync(Soql.From("User").Select("Id")).Select(u => u.GetProperty("Id").GetString()!).FirstAsync();
        Recorder.Seen.Clear();

        var created = await writes.CreateAsync("Lead", [new { LastName = "Owned", Company = "Auto Co", OwnerId = owner }]);
        await writes.CreateAsync("Lead", [new { LastName = "Routed", Company = "Auto Co" }]);
        await writes.UpdateAsync("Lead", [new { Id = created[0].Id, Title = "x" }], new WriteOptions { AutoAssign = false });
        await writes.UpsertAsync("Advocate__c", "External_Key__c", [new { External_Key__c = "k1", Name = "A" }], new WriteOptions { AutoAssign = true });
        await writes.UpsertOneAsync("Advocate__c", "External_Key__c", "k2", new { Name = "B" });

        var seen = Recorder.Seen.Where(s => s.Path.Contains("/services/data/", StringComparison.Ordinal)).ToList();
        Assert.Equal(("POST", false, "FALSE"), (seen[0].Method, seen[0].Idempotent, seen[0].AutoAssign));
        Assert.Equal(("POST", false, (string?)null), (seen[1].Method, seen[1].Idempotent, seen[1].AutoAssign));
        Assert.Equal(("PATCH", true, "FALSE"), (seen[2].Method, seen[2].Idempotent, seen[2].AutoAssign));
        Assert.Equal(("PATCH", true, "TRUE"), (seen[3].Method, seen[3].Idempotent, seen[3].AutoAssign));
        Assert.Equal(("PATCH", true, (string?)null), (seen[4].Method, seen[4].Idempotent, seen[4].AutoAssign));

        // The owner we set survived because the create said Sforce-Auto-Assign: FALSE.
        var lead = await h.Get<SalesforceQueries>().QueryAsync(Soql.From("Lead").Select("OwnerId").Where(Soql.Field("Id").Equal(SoqlValue.Id(created[0].Id!)))).SingleAsync();
        Assert.Equal(owner, lead.GetProperty("OwnerId").GetString());
    }

    [Fact]
    public async Task CreateAsync_JsonObjectAndExplicitNull_AreSentAsGiven()
    {
        await using var h = await StartAsync();
        var writes = h.Get<SalesforceWrites>();
        var created = await writes.CreateAsync("Lead", [new JsonObject { ["LastName"] = "J", ["Company"] = "Json Co", ["Title"] = "set" }]);

        await writes.UpdateAsync("Lead", [new Dictionary<string, object?> { ["Id"] = created[0].Id, ["Title"] = null }]);

        var lead = await h.Get<SalesforceQueries>().QueryAsync(Soql.From("Lead").Select("Title").Where(Soql.Field("Id").Equal(SoqlValue.Id(created[0].Id!)))).SingleAsync();
        Assert.Equal(JsonValueKind.Null, lead.GetProperty("Title").ValueKind);
    }
}
