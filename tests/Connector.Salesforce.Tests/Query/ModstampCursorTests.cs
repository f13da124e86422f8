using System.Text.Json;
using Connector.Salesforce.Http;
using Connector.Salesforce.Query;
using Connector.Salesforce.Tests.Support;
using Connector.Salesforce.Writes;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Tests.Query;

public sealed class ModstampCursorTests
{
    private static readonly ModstampRequest Leads = new("Lead", ["Company", "LastName"])
    {
        Filter = Soql.Field("Company").Equal("Cursor Co"),
        PageSize = 200,
        IncludeDeleted = true,
    };

    private static async Task<(ClientHarness Harness, FakeTimeProvider Clock)> StartAsync()
    {
        var clock = new FakeTimeProvider(SoqlValue.TruncateToSecond(TimeProvider.System.GetUtcNow()));
        var h = await ClientHarness.StartAsync(
            configure: s => s.AddSingleton<TimeProvider>(clock),
            configureEmulator: s => s.AddSingleton<TimeProvider>(clock));
        return (h, clock);
    }

    private static async Task<List<string>> SeedAsync(ClientHarness h, int count)
    {
        var results = await h.Get<SalesforceWrites>().CreateAsync("Lead",
            Enumerable.Range(0, count).Select(i => new { LastName = "L" + i, Company = "Cursor Co" }).ToList());
        Assert.All(results, r => Assert.True(r.Success));
        return results.Select(r => r.Id!).ToList();
    }

    private static async Task<(List<ModstampRecord<JsonElement>> Records, ModstampPosition Position)> RunAsync(ClientHarness h, ModstampRequest request, ModstampPosition from)
    {
        var list = new List<ModstampRecord<JsonElement>>();
        await foreach (var r in h.Get<ModstampCursor>().ReadAsync<JsonElement>(request, from))
        {
            list.Add(r);
        }

        return (list, list.Count > 0 ? list[^1].Position : from);
    }

    private static string IdOf(ModstampRecord<JsonElement> r) => r.Record.GetProperty("Id").GetString()!;

    [Fact]
    public void Statement_RendersTheTotalOrderCondition()
    {
        var ts = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var soql = ModstampCursor.Statement(Leads, new ModstampPosition(ts, "00Q000000000001AAA"), ts.AddMinutes(1)).ToSoql();

        Assert.Equal(
            "SELECT Id, SystemModstamp, IsDeleted, Company, LastName FROM Lead WHERE (SystemModstamp > 2026-01-02T03:04:05Z OR (SystemModstamp = 2026-01-02T03:04:05Z AND Id > '00Q000000000001AAA')) " +
            "AND SystemModstamp < 2026-01-02T03:05:05Z AND Company = 'Cursor Co' ORDER BY SystemModstamp, Id LIMIT 200",
            soql);
    }

    [Fact]
    public async Task ReadAsync_HundredsSharingOneSecond_EachReadExactlyOnce()
    {
        var (h, clock) = await StartAsync();
        await using var _ = h;
        var t0 = clock.GetUtcNow();
        var first = await SeedAsync(h, 450);
        clock.Advance(TimeSpan.FromSeconds(1));
        var second = await SeedAsync(h, 50);

        // The current second (t0 + 1) may still be receiving records: it is left for the next run.
        var (run1, position1) = await RunAsync(h, Leads, ModstampPosition.Since(t0.AddMinutes(-1)));
        Assert.Equal(first.Order(), run1.Select(IdOf).Order());
        Assert.Equal(450, run1.Select(IdOf).Distinct().Count());
        Assert.Equal(t0, position1.SystemModstamp);

        clock.Advance(TimeSpan.FromSeconds(1));
        var (run2, position2) = await RunAsync(h, Leads, position1);
        Assert.Equal(second.Order(), run2.Select(IdOf).Order());
        Assert.Equal(t0.AddSeconds(1), position2.SystemModstamp);

        var (run3, position3) = await RunAsync(h, Leads, position2);
        Assert.Empty(run3);
        Assert.Equal(position2, position3);
    }

    [Fact]
    public async Task ReadAsync_RecordsUpdatedAndDeletedWhilePaging_NoMissNoDuplicate()
    {
        var (h, clock) = await StartAsync();
        await using var _ = h;
        var ids = await SeedAsync(h, 450);
        clock.Advance(TimeSpan.FromSeconds(1));
        var writes = h.Get<SalesforceWrites>();
        var http = h.Get<SalesforceHttp>();

        var run1 = new List<ModstampRecord<JsonElement>>();
        string? updatedAhead = null, deletedAhead = null, updatedBehind = null;
        await foreach (var r in h.Get<ModstampCursor>().ReadAsync<JsonElement>(Leads, ModstampPosition.Since(clock.GetUtcNow().AddMinutes(-1))))
        {
            run1.Add(r);
            if (run1.Count == 100)
            {
                var unread = ids.Except(run1.Select(IdOf)).ToList();
                updatedBehind = IdOf(run1[10]);
                updatedAhead = unread[^1];
                deletedAhead = unread[^2];
                var updates = await writes.UpdateAsync("Lead", [new { Id = updatedBehind, Company = "Cursor Co", LastName = "changed" }, new { Id = updatedAhead, Company = "Cursor Co", LastName = "changed" }]);
                Assert.All(updates, u => Assert.True(u.Success));
                await http.SendJsonAsync(HttpMethod.Delete, http.Api("sobjects/Lead/" + deletedAhead), null, CallPriority.Normal, CancellationToken.None);
            }
        }

        Assert.Equal(run1.Count, run1.Select(IdOf).Distinct().Count());
        Assert.Equal(448, run1.Count); // the two changed ahead of the cursor moved past this run's upper bound

        clock.Advance(TimeSpan.FromSeconds(1));
        var (run2, _) = await RunAsync(h, Leads, run1[^1].Position);

        Assert.Equal(new[] { updatedBehind, updatedAhead, deletedAhead }.Order(), run2.Select(IdOf).Order());
        Assert.True(run2.Single(r => IdOf(r) == deletedAhead).IsDeleted);
        Assert.All(run2.Where(r => !r.IsDeleted), r => Assert.Equal("changed", r.Record.GetProperty("LastName").GetString()));
        Assert.Equal(ids.Order(), run1.Concat(run2).Select(IdOf).Distinct().Order());
    }

    [Fact]
    public async Task ReadAsync_Lag_HoldsBackRecentRecords()
    {
        var (h, clock) = await StartAsync();
        await using var _ = h;
        var t0 = clock.GetUtcNow();
        await SeedAsync(h, 5);
        var lagged = Leads with { Lag = TimeSpan.FromSeconds(30) };
        var from = ModstampPosition.Since(t0.AddMinutes(-1));

        clock.Advance(TimeSpan.FromSeconds(20));
        var (early, position) = await RunAsync(h, lagged, from);
        clock.Advance(TimeSpan.FromSeconds(20));
        var (late, _) = await RunAsync(h, lagged, position);

        Assert.Empty(early);
        Assert.Equal(from, position);
        Assert.Equal(5, late.Count);
    }

    [Fact]
    public async Task StartCombinedAsync_FirstQueriesInOneCall_ThenEachReadGoesOnAsAlone_NoMissNoDuplicate()
    {
        var (h, clock) = await StartAsync();
        await using var _ = h;
        var t0 = clock.GetUtcNow();
        var leads = await SeedAsync(h, 450);
        clock.Advance(TimeSpan.FromSeconds(2));
        var accounts = Statementless("Account");
        var usage = h.Emulator.Get<Connector.SalesforceEmulator.Limits.ApiUsage>();
        var cursor = h.Get<ModstampCursor>();
        var from = ModstampPosition.Since(t0.AddMinutes(-1));

        var (reads, alongside) = await cursor.StartCombinedAsync([(Leads, from), (accounts, from)], CancellationToken.None);

        Assert.Empty(alongside);
        Assert.Equal(1, usage.ByEndpoint.GetValueOrDefault("POST /services/data/v{version}/composite"));
        Assert.All(reads, r => Assert.Equal(SoqlValue.TruncateToSecond(clock.GetUtcNow()), r.Upper));
        var read = new List<ModstampRecord<JsonElement>>();
        await foreach (var r in cursor.ReadAsync<JsonElement>(reads[0]))
        {
            read.Add(r);
        }

        Assert.Equal(leads.Order(StringComparer.Ordinal), read.Select(IdOf).Order(StringComparer.Ordinal));
        Assert.Equal(450, read.Select(IdOf).Distinct().Count());
        // 200 came in the Composite call; the other two LIMIT steps (200, 50) are queries of their own.
        Assert.Equal(2, usage.ByEndpoint.GetValueOrDefault("GET /services/data/v{version}/queryAll"));
        var (alone, _) = await RunAsync(h, Leads, from);
        Assert.Equal(read.Select(IdOf), alone.Select(IdOf));
        Assert.Equal(read.Select(r => r.Position), alone.Select(r => r.Position));
    }

    [Fact]
    public async Task StartCombinedAsync_ReadsAlreadyAtTheirBound_SendNothing()
    {
        var (h, clock) = await StartAsync();
        await using var _ = h;
        var usage = h.Emulator.Get<Connector.SalesforceEmulator.Limits.ApiUsage>();
        var cursor = h.Get<ModstampCursor>();
        var at = ModstampPosition.Since(clock.GetUtcNow());

        var (reads, _) = await cursor.StartCombinedAsync([(Leads, at), (Statementless("Account"), at)], CancellationToken.None);

        Assert.All(reads, r => Assert.False(r.HasWork));
        Assert.Equal(at, reads[0].End);
        Assert.Equal(0, usage.ByEndpoint.GetValueOrDefault("POST /services/data/v{version}/composite"));
        await foreach (var r in cursor.ReadAsync<JsonElement>(reads[0]))
        {
            Assert.Fail("a read at its bound yielded " + IdOf(r));
        }

        Assert.DoesNotContain(usage.ByEndpoint, e => e.Key.Contains("/query", StringComparison.Ordinal));
    }

    private static ModstampRequest Statementless(string sobject) => new(sobject, ["Name"]) { PageSize = 200 };
}
