using System.Net.Http.Json;
using Connector.Ledger.Checkpoints;
using Connector.SalesforceEmulator.Bulk;
using Connector.Worker.Hosting;
using Connector.Worker.Sync;

namespace Connector.Worker.Tests.EndToEnd;

/// <summary>First start on a large org: the catch-up backfills by Bulk API 2.0, with progress, resumable.</summary>
public sealed class BulkBackfillTests
{
    private const int SeededLeads = 1500;

    private static Dictionary<string, string?> Seeded(int leads) => new() { ["Emulator:Seed:Leads"] = leads.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Fact]
    public async Task A_bulk_backfill_leaves_the_ledger_as_the_REST_catch_up_does()
    {
        // One org read twice, into two ledgers: by REST pages (threshold out of reach), then by Bulk.
        await using var org = await ConnectorHarness.StartAsync(
            new Dictionary<string, string?> { ["Worker:Sync:BulkBackfillThreshold"] = "100000000", ["Worker:Sync:Streaming"] = "false" },
            Seeded(SeededLeads), startConnector: false);
        // A few referees referred again (the seeded org has none): the Bulk load decides these duplicates by email
        // without the email index (see the end).
        var referred = org.Emulator.Store.Read(r => r.All("Lead", includeDeleted: false)
            .Where(l => l.Get("Advocate__c") is not null && l.Get("Email") is not null).Take(3)
            .Select(l => (Email: (string)l.Get("Email")!, Advocate: (string)l.Get("Advocate__c")!)).ToList());
        foreach (var (email, advocate) in referred)
        {
            await org.CreateAsync("Lead", new { LastName = "Again", Company = "Again", Email = email.ToUpperInvariant(), Advocate__c = advocate, Referral_Method__c = "Email" });
        }

        await org.StartConnectorAsync();
        var byRest = await ReferralsAsync(org);
        Assert.Empty(org.Emulator.Get<BulkQueryJobs>().All);
        await AssertNoContactLinkWrittenAgainAsync(org);
        await org.StopConnectorAsync();

        org.Settings["Worker:Sync:BulkBackfillThreshold"] = "100";
        org.Settings["Worker:Sync:BulkPageSize"] = "400";
        org.Settings["Worker:Sync:BulkApplyBatchSize"] = "50"; // the referees referred again come batches after the first referral
        org.Settings["Ledger:ConnectionString"] = $"Data Source={org.LedgerFile}.bulk";
        try
        {
            await org.StartConnectorAsync();
            var byBulk = await ReferralsAsync(org);

            // One job per object over the threshold (leads, and opportunities/contacts of the seeded org), none for the rest.
            var jobs = org.Emulator.Get<BulkQueryJobs>().All.ToList();
            Assert.Contains(jobs, j => j.Query.SObject.Name == "Lead");
            Assert.Equal(jobs.Count, jobs.Select(j => j.Query.SObject.Name).Distinct().Count());
            var metrics = org.Get<ConnectorMetrics>();
            var leadsDone = metrics.Count("backfill_records_done{sobject=\"Lead\"}");
            Assert.True(leadsDone > 100, $"the lead backfill reported {leadsDone} records done");
            Assert.Equal(metrics.Count("backfill_records_total{sobject=\"Lead\"}"), leadsDone);

            Assert.True(byRest.Count > 100, $"the seeded org has referrals ({byRest.Count})");
            Assert.Equal(byRest, byBulk);
            await AssertNoContactLinkWrittenAgainAsync(org);

            // The lead backfill went without the referral indexes with random keys (SQLite), duplicates by email found
            // all the same, and built them at the end; the opportunities' went without the rewards' advocate index,
            // the same rewards decided. (advocate, state) was built once, after the opportunities (the wins index,
            // which counted wins meanwhile, is gone).
            Assert.Contains(jobs, j => j.Query.SObject.Name == "Opportunity");
            Assert.Equal(3, byBulk.Count(r => r.Contains(" Duplicate ", StringComparison.Ordinal)));
            Assert.Contains(byBulk, r => r.StartsWith("reward ", StringComparison.Ordinal));
            Assert.False(org.Get<Connector.Ledger.LedgerDatabase>().DeferredIndexes.Active);
            Assert.Equal(3, (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>(
                "SELECT name FROM sqlite_master WHERE name IN ('ix_referrals_advocate_state', 'ix_referrals_referee_email_key', 'ix_reward_entries_advocate_id', 'ix_referrals_advocate_wins_load')", null, ct))).Count);

            // The REST catch-up continues from the last record the job returned.
            var cursor = await org.Get<CheckpointStore>().GetCursorAsync(CatchUp.StreamOf(Referrals.Processing.ChangeEntity.Lead), CancellationToken.None);
            Assert.NotNull(cursor);
            Assert.True(CatchUp.Parse(cursor).Id.Length > 0);
        }
        finally
        {
            await org.StopConnectorAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { ".bulk", ".bulk-wal", ".bulk-shm" })
            {
                File.Delete(org.LedgerFile + file);
            }
        }
    }

    /// <summary>
    /// The seeded org's advocates predate the connector: each one's contact already names it (Contact.Advocate__c).
    /// Enrolling them must not queue the link's write-back (an update of every such contact, and its change event back).
    /// </summary>
    private static async Task AssertNoContactLinkWrittenAgainAsync(ConnectorHarness org)
    {
        var linked = org.Emulator.Store.Read(r => r.All("Contact", includeDeleted: false).Count(c => c.Get("Advocate__c") is not null));
        var enrolled = (await org.LedgerAsync((tx, ct) => tx.QueryAsync<long>("SELECT COUNT(*) FROM advocates WHERE contact_id IS NOT NULL", null, ct)))[0];
        var written = (await org.LedgerAsync((tx, ct) => tx.QueryAsync<long>(
            "SELECT COUNT(*) FROM outbox_messages WHERE kind = 'ProfileUpdate' AND target_sobject = 'Contact'", null, ct)))[0];
        Assert.True(linked > 10 && enrolled >= linked, $"the seeded org's advocates are in the ledger ({enrolled} for {linked} linked contacts)");
        Assert.Equal(0, written);
    }

    [Fact]
    public async Task A_backfill_that_fails_midway_resumes_the_same_job_where_it_stood()
    {
        await using var org = await SmallBatchOrgAsync();
        var start = await StartThenFailResultsAsync(org);
        var doneAtFailure = Metrics(org)!.Count("backfill_records_done{sobject=\"Lead\"}");
        var total = Metrics(org)!.Count("backfill_records_total{sobject=\"Lead\"}");
        Assert.True(doneAtFailure < total, $"the failure came mid-backfill ({doneAtFailure} of {total})");
        var stored = await org.Get<CheckpointStore>().GetCursorAsync(BulkBackfill.StreamOf(Referrals.Processing.ChangeEntity.Lead), CancellationToken.None);
        Assert.StartsWith("bulk1|", stored, StringComparison.Ordinal);
        Assert.EndsWith("|0", stored, StringComparison.Ordinal);

        // Salesforce recovers; the leader tries again and the backfill resumes.
        await RecoverAsync(org, start);
        var leadJobs = org.Emulator.Get<BulkQueryJobs>().All.Where(j => j.Query.SObject.Name == "Lead").ToList();
        Assert.Single(leadJobs); // the same job, not a new export

        var m = Metrics(org)!;
        Assert.Equal(total, m.Count("backfill_records_done{sobject=\"Lead\"}"));
        // At worst the rows of the page in flight are read again: they are duplicates, not second effects.
        var duplicates = m.Count("events_total{source=\"backfill\",status=\"duplicate\"}");
        Assert.True(duplicates <= 200, $"{duplicates} backfilled rows were re-applied");
        await AssertEveryReferralLeadRegisteredOnceAsync(org);
        // The try that failed left the referral indexes deferred; the one that finished built them (and the opportunities' backfill its own).
        Assert.False(org.Get<Connector.Ledger.LedgerDatabase>().DeferredIndexes.Active);
        Assert.Equal(3, (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>(
            "SELECT name FROM sqlite_master WHERE name IN ('ix_referrals_advocate_state', 'ix_referrals_referee_email_key', 'ix_reward_entries_advocate_id', 'ix_referrals_advocate_wins_load')", null, ct))).Count);
    }

    [Fact]
    public async Task A_backfill_whose_job_Salesforce_deleted_runs_the_query_again_without_second_effects()
    {
        // The results fail, then Salesforce deletes the job (it keeps terminal jobs 7 days): the stored position names a
        // job that is gone, so the next try must run the query again (the failure reaches it through the read-ahead).
        await using var org = await SmallBatchOrgAsync();
        var start = await StartThenFailResultsAsync(org);
        var jobs = org.Emulator.Get<BulkQueryJobs>();
        var first = Assert.Single(jobs.All, j => j.Query.SObject.Name == "Lead");
        Assert.True(jobs.Delete(first));
        await RecoverAsync(org, start);
        var again = Assert.Single(jobs.All, j => j.Query.SObject.Name == "Lead");
        Assert.NotEqual(first.Id, again.Id);
        var leads = await AssertEveryReferralLeadRegisteredOnceAsync(org);
        var history = await org.LedgerAsync((tx, ct) => tx.QueryAsync<long>("SELECT COUNT(*) FROM referral_state_changes WHERE from_state IS NULL", null, ct));
        Assert.Equal(leads.Count, history.Single()); // registered once each, though the new job returned every row again
    }

    [Fact]
    public async Task A_first_catch_up_starts_the_later_objects_jobs_while_the_first_object_is_still_loading()
    {
        // Salesforce takes seconds to minutes to run a large object's query: the later objects' jobs start with the
        // first object's backfill, not each in its turn. Shown with the advocates' backfill held (every results page
        // fails): the other objects' jobs are started all the same.
        await using var org = await SmallBatchOrgAsync();
        await SetFaultsAsync(org, new { http500Rate = 1.0, endpointFilter = "/results" });
        var start = org.StartConnectorAsync();
        var jobs = org.Emulator.Get<BulkQueryJobs>();
        string[] later = ["Contact", "Lead", "Opportunity"];
        await org.UntilAsync(() => Task.FromResult(later.All(o => jobs.All.Any(j => j.Query.SObject.Name == o))), "the later objects' jobs started");
        await org.UntilAsync(async () => await InjectedAsync(org) > 0, "the advocates' results failing");
        Assert.Equal(0, Metrics(org)!.Count("backfill_records_done{sobject=\"Advocate__c\"}"));
        var advocates = await org.Get<CheckpointStore>().GetCursorAsync(BulkBackfill.StreamOf(Referrals.Processing.ChangeEntity.Advocate), CancellationToken.None);
        Assert.EndsWith("|0", advocates, StringComparison.Ordinal); // its backfill unfinished

        // Salesforce recovers: each object's backfill reads the job started for it (however many tries the leader made).
        await RecoverAsync(org, start);
        foreach (var sobject in later.Append("Advocate__c"))
        {
            Assert.Single(jobs.All, j => j.Query.SObject.Name == sobject);
            var m = Metrics(org)!;
            Assert.Equal(m.Count($"backfill_records_total{{sobject=\"{sobject}\"}}"), m.Count($"backfill_records_done{{sobject=\"{sobject}\"}}"));
        }

        await AssertEveryReferralLeadRegisteredOnceAsync(org);
    }

    /// <summary>An org whose leads the connector backfills by Bulk in small batches (many positions to resume from), not started.</summary>
    /// <remarks>Returned once the seeded records are older than a catch-up's bound: a first start counts and backfills
    /// them all by Bulk (its job does not wait for the seconds just seeded; the query read after it reads those).</remarks>
    private static async Task<ConnectorHarness> SmallBatchOrgAsync()
    {
        var org = await ConnectorHarness.StartAsync(
            new Dictionary<string, string?>
            {
                ["Worker:Sync:BulkBackfillThreshold"] = "100",
                ["Worker:Sync:BulkPageSize"] = "200",
                ["Worker:Sync:BulkApplyBatchSize"] = "20",
                ["Worker:Sync:Streaming"] = "false",
            },
            Seeded(SeededLeads), startConnector: false);
        var seeded = TimeProvider.System.GetUtcNow();
        var bound = seeded.AddTicks(-(seeded.UtcTicks % TimeSpan.TicksPerSecond)) + TimeSpan.FromSeconds(1) + CatchUp.Lag;
        await org.UntilAsync(() => Task.FromResult(TimeProvider.System.GetUtcNow() >= bound), "the seeded records older than a catch-up's bound");
        return org;
    }

    /// <summary>Starts the connector and, once the lead backfill is under way, makes Salesforce fail every results page: the leader's catch-up fails and it steps down.</summary>
    private static async Task<Task> StartThenFailResultsAsync(ConnectorHarness org)
    {
        var start = org.StartConnectorAsync();
        await org.UntilAsync(() => Task.FromResult(Metrics(org)?.Count("backfill_records_done{sobject=\"Lead\"}") >= 20), "the lead backfill under way");
        await SetFaultsAsync(org, new { http500Rate = 1.0, endpointFilter = "/results" });
        await org.UntilAsync(async () => await InjectedAsync(org) > 0, "a results page failed");
        return start;
    }

    /// <summary>Salesforce recovers; the leader tries again until its first catch-up is done.</summary>
    private static async Task RecoverAsync(ConnectorHarness org, Task start)
    {
        await SetFaultsAsync(org, new { http500Rate = 0.0 });
        try
        {
            await start;
        }
        catch (TimeoutException)
        {
            // The harness waits 30 s for the leader; after a failure it takes its retry pause on top.
        }

        await org.Get<ConnectorWorker>().Ready.WaitAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>Every referral lead of the org is in the ledger once (or quarantined); returns the ledger's lead ids.</summary>
    private static async Task<IReadOnlyList<string>> AssertEveryReferralLeadRegisteredOnceAsync(ConnectorHarness org)
    {
        var leads = await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT lead_id FROM referrals", null, ct));
        Assert.Equal(leads.Count, leads.Distinct().Count());
        var referralLeads = org.Emulator.Store.Read(r => r.All("Lead", includeDeleted: false).Count(l => l.Get("Advocate__c") is not null || l.Get("Referral_Code__c") is not null));
        var quarantined = await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>("SELECT record_id FROM quarantine WHERE entity = 'Lead' AND resolved_at IS NULL", null, ct));
        Assert.Equal(referralLeads, leads.Count + quarantined.Distinct().Count());
        return leads;
    }

    private static ConnectorMetrics? Metrics(ConnectorHarness org) => org.App?.Services.GetService(typeof(ConnectorMetrics)) as ConnectorMetrics;

    private static async Task<List<string>> ReferralsAsync(ConnectorHarness org)
    {
        var rows = await org.LedgerAsync((tx, ct) => tx.QueryAsync<(string, string, string, string, string?)>(
            "SELECT lead_id, advocate_id, state, method, opportunity_id FROM referrals ORDER BY lead_id", null, ct));
        var rewards = await org.LedgerAsync((tx, ct) => tx.QueryAsync<(string, string, decimal, string)>(
            "SELECT referral_key, kind, amount, currency FROM reward_entries ORDER BY referral_key, kind, amount", null, ct));
        return [.. rows.Select(r => $"{r.Item1} {r.Item2} {r.Item3} {r.Item4} {r.Item5}"), .. rewards.Select(r => $"reward {r.Item1} {r.Item2} {r.Item3} {r.Item4}")];
    }

    private static async Task SetFaultsAsync(ConnectorHarness org, object faults)
    {
        using var response = await org.Simulation.PutAsJsonAsync("/emulator/faults", faults);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<long> InjectedAsync(ConnectorHarness org)
    {
        using var state = System.Text.Json.JsonDocument.Parse(await org.Simulation.GetStringAsync("/emulator/faults"));
        return state.RootElement.GetProperty("injected").GetProperty("http500").GetInt64();
    }
}
