using System.Net.Http.Json;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Seeding;
using Connector.Worker.Hosting;

namespace Connector.Worker.Tests.EndToEnd;

/// <summary>Streaming first, polling as the safety net: what the stream cannot deliver is caught up by query.</summary>
public sealed class CatchUpTests
{
    [Fact]
    public async Task Referrals_created_during_a_downtime_longer_than_the_replay_retention_are_caught_up_and_routed()
    {
        // A 3-second replay retention stands in for Salesforce's 72 hours: the downtime outlasts it.
        await using var org = await ConnectorHarness.StartAsync(emulatorSettings: new Dictionary<string, string?> { ["Emulator:CdcRetention"] = "00:00:03" });
        var advocate = await org.CreateAdvocateAsync(org.Reps[3]);
        var first = await org.CreateAsync("Lead", new { LastName = "Before", Company = "A", Advocate__c = advocate, Referral_Method__c = "Email" });
        await org.UntilAsync(() => Task.FromResult(Equals(org.Field(first, "OwnerId"), org.Reps[3])), "the first lead routed while streaming");

        await org.StopConnectorAsync();
        var missed = new[]
        {
            await org.CreateAsync("Lead", new { LastName = "During1", Company = "B", Advocate__c = advocate, Referral_Method__c = "Social" }),
            await org.CreateAsync("Lead", new { LastName = "During2", Company = "C", Advocate__c = advocate, Referral_Method__c = "Lead Form" }),
        };
        await org.UntilAsync(async () => await RetainedAsync(org) == 0, "the downtime's change events to fall out of the replay retention");

        await org.StartConnectorAsync();
        foreach (var lead in missed)
        {
            await org.UntilAsync(() => Task.FromResult(Equals(org.Field(lead, "OwnerId"), org.Reps[3])), $"lead {lead} from the downtime routed");
        }

        var registered = await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT lead_id FROM referrals", null, ct));
        Assert.Equal(3, registered.Count);
        Assert.True(org.Get<ConnectorMetrics>().Count("catchup_runs_total") >= 1);
        // The stored replay id was past retention: the stream said so and the worker caught up because of it.
        await org.UntilAsync(() => Task.FromResult(org.Get<ConnectorMetrics>().Count("stream_replay_invalid_total") >= 1), "the invalid replay id reported");
    }

    [Fact]
    public async Task A_gap_event_makes_the_connector_re_read_the_records_it_names()
    {
        await using var org = await ConnectorHarness.StartAsync();
        var advocate = await org.CreateAdvocateAsync(org.Reps[1]);
        var lead = await org.CreateAsync("Lead", new { LastName = "Gappy", Company = "G", Advocate__c = advocate, Referral_Method__c = "Email" });
        await org.UntilAsync(async () => await StateAsync(org, lead) == "Submitted", "the referral registered");

        // A change Salesforce could not turn into an event (too large, a database-level change): the record moves, no event.
        var dml = org.Emulator.Get<Dml>();
        using (var tx = org.Emulator.Store.BeginTransaction(new DmlContext(org.Reps[1]) { PublishChanges = false }))
        {
            var record = tx.Reader.Find(lead)!;
            dml.Update(tx, record, Dml.ReadValues(record.Schema, [KeyValuePair.Create<string, object?>("Status", "Working - Contacted")]));
            tx.Commit();
        }

        Assert.Equal("Submitted", await StateAsync(org, lead));
        using var gap = await org.Simulation.PostAsJsonAsync("/emulator/streaming/gap", new { entity = "Lead", changeType = "GAP_UPDATE", recordIds = new[] { lead } });
        Assert.True(gap.IsSuccessStatusCode);
        await org.UntilAsync(async () => await StateAsync(org, lead) == "Working", "the gap's record re-read and its new status applied");
        Assert.True(org.Get<ConnectorMetrics>().Count("stream_gaps_total") >= 1);
    }

    [Fact]
    public async Task An_idle_catch_up_run_costs_one_API_call()
    {
        await using var org = await ConnectorHarness.StartAsync(Quiet);
        var catchUp = org.Get<Connector.Worker.Sync.CatchUp>();
        await catchUp.RunAsync("warm", CancellationToken.None);
        await PastTheLastRunsBoundAsync(org);

        org.Usage.Reset();
        Assert.Equal(0, await catchUp.RunAsync("idle", CancellationToken.None));

        var calls = RestCalls(org);
        Assert.True(calls.Values.Sum() == 1, "an idle catch-up made " + string.Join(", ", calls.Select(c => $"{c.Key} x{c.Value}")));
        Assert.Equal("POST /services/data/v{version}/composite", Assert.Single(calls).Key);
    }

    [Fact]
    public async Task An_idle_catch_up_run_whose_describes_are_due_for_revalidation_still_costs_one_API_call()
    {
        // MaxAge 0: every describe is due each time it is used, as all four are every 30 minutes by default.
        await using var org = await ConnectorHarness.StartAsync(new Dictionary<string, string?>(Quiet) { ["Salesforce:Describe:MaxAge"] = "00:00:00" });
        var catchUp = org.Get<Connector.Worker.Sync.CatchUp>();
        var describes = org.Get<Connector.Salesforce.Describe.DescribeCache>();
        await catchUp.RunAsync("warm", CancellationToken.None);
        await PastTheLastRunsBoundAsync(org);
        var notModified = describes.NotModified;

        org.Usage.Reset();
        Assert.Equal(0, await catchUp.RunAsync("idle", CancellationToken.None));

        var calls = RestCalls(org);
        Assert.True(calls.Values.Sum() == 1, "an idle catch-up made " + string.Join(", ", calls.Select(c => $"{c.Key} x{c.Value}")));
        Assert.True(describes.NotModified >= notModified + 4, $"the four describes were revalidated ({describes.NotModified - notModified})");
    }

    [Fact]
    public async Task A_catch_up_with_more_changes_than_one_query_reads_past_the_combined_first_page_and_applies_each_once()
    {
        await using var org = await ConnectorHarness.StartAsync(new Dictionary<string, string?>(Quiet) { ["Worker:Sync:CatchUpPageSize"] = "200" });
        var catchUp = org.Get<Connector.Worker.Sync.CatchUp>();
        var advocate = await org.CreateAdvocateAsync(org.Reps[2]);
        await org.UntilAsync(async () => (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT advocate_id FROM advocates", null, ct))).Count == 1, "the advocate streamed");

        // 450 referral leads the stream never hears of (one transaction, one second: the cursor's Id order must hold them apart).
        var leads = new List<string>();
        var dml = org.Emulator.Get<Dml>();
        var schema = org.Emulator.Store.Schema.Find("Lead")!;
        using (var tx = org.Emulator.Store.BeginTransaction(new DmlContext(org.Reps[2]) { PublishChanges = false }))
        {
            for (var i = 0; i < 450; i++)
            {
                leads.Add(dml.Insert(tx, schema, Dml.ReadValues(schema,
                [
                    KeyValuePair.Create<string, object?>("LastName", "Quiet" + i), KeyValuePair.Create<string, object?>("Company", "Q"),
                    KeyValuePair.Create<string, object?>("Advocate__c", advocate), KeyValuePair.Create<string, object?>("Referral_Method__c", "Email"),
                ])).Id);
            }

            tx.Commit();
        }

        await PastTheLastRunsBoundAsync(org);
        org.Usage.Reset();
        Assert.True(await catchUp.RunAsync("changes", CancellationToken.None) >= 450);

        // Leads: the first 200 came in the Composite call with the other objects' first queries; 200 + 50 more by queryAll.
        var calls = RestCalls(org);
        Assert.Equal(2, calls.GetValueOrDefault("GET /services/data/v{version}/queryAll"));
        Assert.False(calls.ContainsKey("GET /services/data/v{version}/query"), "no object but Lead needed a query of its own");
        var registered = await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT lead_id FROM referrals", null, ct));
        Assert.Equal(leads.Order(StringComparer.Ordinal), registered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_catch_up_covering_an_instant_reads_the_records_stamped_just_before_it()
    {
        // What a leader's start does: the run must include everything stamped before the subscription, even in its second.
        await using var org = await ConnectorHarness.StartAsync(Quiet);
        var catchUp = org.Get<Connector.Worker.Sync.CatchUp>();
        var advocate = await org.CreateAdvocateAsync(org.Reps[1]);
        await org.UntilAsync(async () => (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT advocate_id FROM advocates", null, ct))).Count == 1, "the advocate streamed");

        string lead;
        var dml = org.Emulator.Get<Dml>();
        var schema = org.Emulator.Store.Schema.Find("Lead")!;
        using (var tx = org.Emulator.Store.BeginTransaction(new DmlContext(org.Reps[1]) { PublishChanges = false }))
        {
            lead = dml.Insert(tx, schema, Dml.ReadValues(schema,
            [
                KeyValuePair.Create<string, object?>("LastName", "Unheard"), KeyValuePair.Create<string, object?>("Company", "U"),
                KeyValuePair.Create<string, object?>("Advocate__c", advocate), KeyValuePair.Create<string, object?>("Referral_Method__c", "Email"),
            ])).Id;
            tx.Commit();
        }

        // Started at once, the run's bound would stop before the record's second; covering the instant, it waits past it.
        var covering = TimeProvider.System.GetUtcNow();
        Assert.True(await catchUp.RunAsync("covering", CancellationToken.None, covering: covering) >= 1);
        Assert.Equal("Submitted", await StateAsync(org, lead));
    }

    /// <summary>
    /// A run reads up to the second before the current one (<see cref="Connector.Worker.Sync.CatchUp.Lag"/>); one started
    /// in the same second as the last has nothing it could read and sends nothing. Waits until a run would query again.
    /// </summary>
    private static Task PastTheLastRunsBoundAsync(ConnectorHarness org)
    {
        var next = TimeProvider.System.GetUtcNow() + Connector.Worker.Sync.CatchUp.Lag + TimeSpan.FromSeconds(1);
        return org.UntilAsync(() => Task.FromResult(TimeProvider.System.GetUtcNow() >= next), "the clock past the last run's bound");
    }

    /// <summary>No scheduled job but the catch-up's own runs: the profile job's every-half-second reads would be counted too.</summary>
    private static readonly Dictionary<string, string?> Quiet = new() { ["Worker:Sync:ProfileInterval"] = "1.00:00:00" };

    /// <summary>REST calls counted against the org's allocation (OAuth and streaming are not), by endpoint.</summary>
    private static Dictionary<string, long> RestCalls(ConnectorHarness org) =>
        org.Usage.ByEndpoint.Where(e => e.Key.Contains("/services/data/", StringComparison.Ordinal) && !e.Key.StartsWith("rejected:", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value);

    private static async Task<int> RetainedAsync(ConnectorHarness org)
    {
        using var stats = System.Text.Json.JsonDocument.Parse(await org.Simulation.GetStringAsync("/emulator/streaming/stats"));
        var cdc = stats.RootElement.GetProperty("streams").EnumerateObject().Where(s => s.Name.StartsWith("/data", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(cdc);
        Assert.True(cdc.Sum(s => s.Value.GetProperty("published").GetInt64()) > 0, "the emulator published change events");
        return cdc.Sum(s => s.Value.GetProperty("retained").GetInt32());
    }

    private static async Task<string?> StateAsync(ConnectorHarness org, string lead) =>
        (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT state FROM referrals WHERE lead_id = @Lead", new { Lead = lead }, ct))).SingleOrDefault();
}
