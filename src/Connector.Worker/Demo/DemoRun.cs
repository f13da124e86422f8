using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Connector.Ledger.Applying;
using Connector.Ledger.Ledger;
using Connector.Ledger.Reading;
using Connector.Referrals;
using Connector.Referrals.Benchmarks;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Seeding;
using Connector.Worker.Hosting;
using Connector.Worker.Profiles;
using Connector.Worker.Programs;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Connector.Worker.Demo;

/// <summary>
/// The one-command demo: an emulated org seeded with a referral program's history, the connector run against it on
/// SQLite exactly as `run` wires it, and a sales period played by people in the org — reps log verbal referrals,
/// advocates refer by every method, leads are worked, converted, won and lost, some wins are reversed, 90 days pass.
/// Ends with a report and a consistency check of the ledger against the org's ground truth.
/// </summary>
public sealed class DemoRun(DemoSettings settings, TextWriter output)
{
    private static readonly string[] Methods = ["Verbal", "Email", "Lead Form", "Social", "Shareable URL", "Print Card"];
    private static readonly double[] MethodMix = [0.22, 0.22, 0.2, 0.2, 0.12, 0.04];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private sealed record DemoLead(string Id, string AdvocateId, string AdvocateOwner, string Method, string? LoggedBy, long CreatedAt);

    public async Task<(DemoReport Report, int ExitCode)> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var clock = new DemoClock();
        await output.WriteLineAsync($"Starting an emulated Salesforce org with {settings.SeedLeads:N0} seeded leads and its referral program's history...").ConfigureAwait(false);
        await using var emulator = await EmulatorServer.StartAsync(new Dictionary<string, string?>
        {
            ["Emulator:Seed:Leads"] = settings.SeedLeads.ToString(CultureInfo.InvariantCulture),
            ["Emulator:StreamingPollTimeout"] = "00:00:05",
            ["Logging:LogLevel:Default"] = "Warning",
        }, s => s.AddSingleton<TimeProvider>(clock), cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"Org: {emulator.BaseUrl}").ConfigureAwait(false);

        var ledgerFile = settings.LedgerFile ?? Path.Combine(Path.GetTempPath(), $"referral-demo-{Guid.NewGuid():N}.db");
        var args = new Dictionary<string, string?>
        {
            ["Salesforce:LoginUrl"] = emulator.BaseUrl.ToString(),
            ["Salesforce:ClientId"] = "emulator-client",
            ["Salesforce:Username"] = "integration@emulator.local",
            ["Salesforce:PrivateKeyFile"] = Path.Combine(AppContext.BaseDirectory, "Dev", "jwt-signing-key.DEVELOPMENT-ONLY.pem"),
            ["Ledger:Provider"] = settings.PostgresConnectionString is null ? "Sqlite" : "PostgreSql",
            ["Ledger:ConnectionString"] = settings.PostgresConnectionString ?? new SqliteConnectionStringBuilder { DataSource = ledgerFile }.ConnectionString,
            ["Worker:Outbox:VerifyOwners"] = "false",
            ["Worker:Sync:ProfileInterval"] = "00:00:05",
            ["Worker:Rewards:Formula"] = "RevenueShare",
            ["Worker:Rewards:Percent"] = "5",
            ["Worker:Rewards:Floor"] = "50",
            ["Worker:Rewards:Cap"] = "2500",
            ["Worker:Rewards:WonPercent"] = "25",
            ["Worker:Rewards:RetentionDays"] = "90",
            ["Worker:Rewards:RefereeAmount"] = "50",
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        await using var app = ConnectorHost.Build([.. args.SelectMany(kv => new[] { $"--{kv.Key}", kv.Value ?? string.Empty })],
            b => b.Services.AddSingleton<TimeProvider>(clock));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync("Connector starting: reading the org's stages and statuses, subscribing to Change Data Capture, backfilling the referral history...").ConfigureAwait(false);
        await app.Services.GetRequiredService<ConnectorWorker>().Ready.WaitAsync(Patience, cancellationToken).ConfigureAwait(false);
        var store = app.Services.GetRequiredService<LedgerStore>();
        var backfilled = await CountAsync(store, "SELECT COUNT(*) FROM referrals", cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"Connector ready: {backfilled:N0} referrals backfilled from the org; streaming live.").ConfigureAwait(false);

        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };
        if (settings.LatencyMs > 0)
        {
            using var faults = await http.PutAsJsonAsync("/emulator/faults", new { latencyMs = settings.LatencyMs }, cancellationToken).ConfigureAwait(false);
            faults.EnsureSuccessStatusCode();
            await output.WriteLineAsync($"The org now answers every API call {settings.LatencyMs} ms late.").ConfigureAwait(false);
        }

        var usage = emulator.Get<ApiUsage>();
        var byEndpointBefore = usage.ByEndpoint;
        var reps = emulator.Get<OrgBootstrap>().SalesRepIds;
        var advocates = emulator.Store.Read(org => org.All("Advocate__c")
            .Where(a => (string?)a.Get("Status__c") == "Active" && a.Get("OwnerId") is string)
            .Select(a => (Id: a.Id, Owner: (string)a.Get("OwnerId")!)).ToList());
        if (advocates.Count == 0)
        {
            throw new InvalidOperationException("The seeded org has no active advocates: seed more leads (--seed-leads).");
        }

        // Phase 1: referrals arrive; reps log verbal ones. A watcher measures lead created → owner is the advocate's rep.
        var random = new Random(settings.RandomSeed);
        var leads = new List<DemoLead>();
        var latencies = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        var ruleMissed = 0;
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = WatchRoutingAsync(emulator, store, leads, latencies, watching.Token);
        await output.WriteLineAsync($"A sales period begins: {settings.Referrals} referrals from {advocates.Count} active advocates...").ConfigureAwait(false);
        for (var i = 0; i < settings.Referrals; i++)
        {
            // Referral volume is concentrated: a few advocates refer most (seed report), so pick with a skew.
            var advocate = advocates[(int)(advocates.Count * Math.Pow(random.NextDouble(), 2.5))];
            var method = Pick(random, Methods, MethodMix);
            var rep = reps[random.Next(reps.Count)];
            var verbal = method == "Verbal";
            var email = i > 20 && random.NextDouble() < 0.03 ? leads[random.Next(leads.Count)].Id + "@dup.example" : $"referee{i}@example{i % 97}.com";
            var id = await CreateAsync(http, "Lead", new Dictionary<string, object?>
            {
                ["FirstName"] = $"Referee{i}", ["LastName"] = $"Demo{i}", ["Company"] = $"Company {i % 150}",
                ["Email"] = email, ["Advocate__c"] = advocate.Id, ["Referral_Method__c"] = method,
                ["Logged_By__c"] = verbal ? rep : null,
            }, verbal ? rep : null, cancellationToken).ConfigureAwait(false);
            if (emulator.Store.Read(org => org.Find(id)!.Get("OwnerId")) as string != advocate.Owner)
            {
                ruleMissed++;
            }

            lock (leads)
            {
                leads.Add(new DemoLead(id, advocate.Id, advocate.Owner, method, verbal ? rep : null, Stopwatch.GetTimestamp()));
            }

            if ((i + 1) % 100 == 0)
            {
                await output.WriteLineAsync($"  {i + 1} referrals logged; {latencies.Count} routed so far").ConfigureAwait(false);
            }
        }

        var expectRouted = await WaitAsync(async () =>
        {
            var duplicates = await DuplicateLeadsAsync(store, cancellationToken).ConfigureAwait(false);
            return leads.Where(l => !duplicates.Contains(l.Id)).All(l => latencies.ContainsKey(l.Id));
        }, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"  {latencies.Count} referral leads routed to their advocate's rep (the org's round-robin rule had picked another rep for {ruleMissed}).").ConfigureAwait(false);

        // Phase 2: leads are worked, converted, won and lost; some wins are reversed.
        var duplicateLeads = await DuplicateLeadsAsync(store, cancellationToken).ConfigureAwait(false);
        var working = leads.Where(l => !duplicateLeads.Contains(l.Id)).ToList();
        var reversed = 0;
        var opportunities = new List<(string Opportunity, bool Won)>();
        foreach (var lead in working)
        {
            var roll = random.NextDouble();
            if (roll < 0.25)
            {
                continue; // not worked yet
            }

            await PatchAsync(http, $"/emulator/records/{lead.Id}?actAs={lead.AdvocateOwner}", new { Status = "Working - Contacted" }, cancellationToken).ConfigureAwait(false);
            if (roll < 0.45)
            {
                continue;
            }

            if (roll < 0.55)
            {
                await PatchAsync(http, $"/emulator/records/{lead.Id}?actAs={lead.AdvocateOwner}", new { Status = "Closed - Not Converted" }, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var opportunity = await ConvertAsync(http, lead.Id, cancellationToken).ConfigureAwait(false);
            var outcome = random.NextDouble();
            if (outcome < 0.45)
            {
                await StageAsync(http, opportunity, "Closed Won", Math.Round((decimal)(5_000 + (random.NextDouble() * 75_000)), 2), cancellationToken).ConfigureAwait(false);
                opportunities.Add((opportunity, true));
            }
            else if (outcome < 0.75)
            {
                await StageAsync(http, opportunity, "Closed Lost", null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await StageAsync(http, opportunity, "Negotiation/Review", Math.Round((decimal)(5_000 + (random.NextDouble() * 75_000)), 2), cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var (opportunity, _) in opportunities.Where(_ => random.NextDouble() < 0.12).ToList())
        {
            await StageAsync(http, opportunity, "Negotiation/Review", null, cancellationToken).ConfigureAwait(false);
            reversed++;
        }

        await output.WriteLineAsync($"  leads worked: {opportunities.Count} deals won, {reversed} wins reversed by reps reopening the deal.").ConfigureAwait(false);
        var program = app.Services.GetRequiredService<ProgramHolder>().Current;
        await WaitAsync(async () => (await MismatchesAsync(emulator, store, program, cancellationToken).ConfigureAwait(false)).Count == 0, cancellationToken).ConfigureAwait(false);

        // The sales period's calls, apart: the jump below renews the session and, past the 72-hour replay retention,
        // makes the connector catch up by query, which a connector running through those days would not need.
        var byEndpointSalesPeriod = usage.ByEndpoint;
        var salesPeriodCalls = ApiCallsOf(Delta(byEndpointBefore, byEndpointSalesPeriod));

        // Phase 3: 90 days pass; retention stages mature for deals that still stand.
        clock.Advance(TimeSpan.FromDays(91));
        var matured = await app.Services.GetRequiredService<ReferralLedger>().EvaluateRetentionAsync(clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"91 days pass: {matured} retention-stage rewards matured.").ConfigureAwait(false);
        var profiles = await app.Services.GetRequiredService<ProfileSync>().RunAsync(cancellationToken).ConfigureAwait(false);
        await WaitAsync(async () => await CountAsync(store, "SELECT COUNT(*) FROM outbox_messages WHERE dispatched_at IS NULL", cancellationToken).ConfigureAwait(false) == 0,
            cancellationToken).ConfigureAwait(false);
        await watching.CancelAsync().ConfigureAwait(false);
        await watcher.ConfigureAwait(false);

        // One reading of the counters for every figure, so the period's parts add up to its total.
        var byEndpointEnd = usage.ByEndpoint;
        var byEndpoint = Delta(byEndpointBefore, byEndpointEnd);
        var report = await ReportAsync(emulator, app, store, program, leads, latencies, duplicateLeads, backfilled, ruleMissed, reversed, matured, profiles,
            ApiCallsOf(byEndpoint), salesPeriodCalls, byEndpoint, ApiCalls(Delta(byEndpointSalesPeriod, byEndpointEnd)), Stopwatch.GetElapsedTime(started), clock,
            cancellationToken).ConfigureAwait(false);
        await app.StopAsync(cancellationToken).ConfigureAwait(false);
        if (settings.LedgerFile is null && settings.PostgresConnectionString is null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { ledgerFile, ledgerFile + "-wal", ledgerFile + "-shm" })
            {
                File.Delete(file);
            }
        }

        _ = expectRouted;
        return (report, report.Check.Holds ? 0 : 1);
    }

    private static async Task<DemoReport> ReportAsync(EmulatorServer emulator, WebApplication app, LedgerStore store, LedgerProgram program, List<DemoLead> leads,
        ConcurrentDictionary<string, double> latencies, HashSet<string> duplicates, long backfilled, int ruleMissed, int reversed, int matured, int profiles,
        int apiCalls, int salesPeriodCalls, IReadOnlyDictionary<string, long> byEndpoint, IReadOnlyDictionary<string, long> afterJumpByEndpoint, TimeSpan elapsed,
        DemoClock clock, CancellationToken cancellationToken)
    {
        var ids = leads.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
        var rows = (await store.InTransactionAsync((tx, ct) => tx.QueryAsync<(string LeadId, string State, string Method, string? LoggedById)>(
            "SELECT lead_id, state, method, logged_by_id FROM referrals WHERE lead_id IS NOT NULL", null, ct), cancellationToken).ConfigureAwait(false))
            .Where(r => ids.Contains(r.LeadId)).ToList();
        var routingReasons = await store.InTransactionAsync((tx, ct) => tx.QueryAsync<string>(
            "SELECT reason FROM audit_entries WHERE decision_kind = 'RoutingDecision'", null, ct), cancellationToken).ConfigureAwait(false);
        var entries = await store.InTransactionAsync((tx, ct) => tx.QueryAsync<(string Kind, string Beneficiary, decimal Amount, string Currency)>(
            "SELECT kind, beneficiary, amount, currency FROM reward_entries", null, ct), cancellationToken).ConfigureAwait(false);
        var duplicateRewards = await CountAsync(store, """
            SELECT COUNT(*) FROM (SELECT referral_key FROM reward_entries WHERE kind IN ('Earned', 'Scheduled', 'Matured')
            GROUP BY referral_key, beneficiary, stage, won_at, kind HAVING COUNT(*) > 1) d
            """, cancellationToken).ConfigureAwait(false);
        var quarantined = await CountAsync(store, "SELECT COUNT(*) FROM quarantine WHERE resolved_at IS NULL", cancellationToken).ConfigureAwait(false);
        var ledgerLeads = (await store.InTransactionAsync((tx, ct) => tx.QueryAsync<string>("SELECT lead_id FROM referrals WHERE lead_id IS NOT NULL", null, ct), cancellationToken)
            .ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var orgReferralLeads = emulator.Store.Read(org => org.All("Lead").Where(l => l.Get("Advocate__c") is string).Select(l => l.Id).ToList());
        var lost = orgReferralLeads.Where(id => !ledgerLeads.Contains(id)).ToList();
        var mismatches = await MismatchesAsync(emulator, store, program, cancellationToken).ConfigureAwait(false);
        var eligible = leads.Where(l => !duplicates.Contains(l.Id)).ToList();
        var owned = emulator.Store.Read(org => eligible.Count(l => (string?)org.Find(l.Id)!.Get("OwnerId") == l.AdvocateOwner));
        var notRouted = eligible.Where(l => !latencies.ContainsKey(l.Id)).Select(l => $"not routed: lead {l.Id}").ToList();

        var data = await app.Services.GetRequiredService<ProgramReads>().ReadAsync(cancellationToken).ConfigureAwait(false);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var benchmarks = ProgramBenchmarks.Compute(new Period(today.AddDays(-365), today), data.Advocates, data.Referrals, data.Rewards);
        var latency = latencies.Values.Order().ToList();
        var routed = latencies.Count;
        return new DemoReport
        {
            Referrals = rows.Count,
            ReferralsByMethod = rows.GroupBy(r => r.Method).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            ReferralsByState = rows.GroupBy(r => r.State).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            BackfilledReferrals = (int)backfilled,
            Routed = routed,
            RoutedToAdvocateRep = owned,
            AssignmentRuleWouldHaveMissed = ruleMissed,
            RoutingDecisions = routingReasons.GroupBy(r => r.Split(':')[0]).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            VerbalReferralsCredited = rows.Count(r => r.Method == "Verbal" && r.LoggedById is not null),
            RewardsCount = entries.Count,
            RewardsTotal = entries.Where(e => e.Kind is "Earned" or "Matured" or "Scheduled" or "Cancelled" or "Clawback")
                .GroupBy(e => e.Currency).ToDictionary(g => g.Key, g => g.Sum(e => e.Kind == "Cancelled" ? -Math.Abs(e.Amount) : e.Amount)),
            RewardsByKind = entries.GroupBy(e => $"{e.Beneficiary}/{e.Kind}").OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(e => Math.Abs(e.Amount))),
            WinsReversed = reversed,
            RetentionMatured = matured,
            ProfilesWritten = profiles,
            Benchmarks = new Dictionary<string, object>
            {
                ["activeAdvocateRate"] = Math.Round(benchmarks.ActiveAdvocateRate, 3),
                ["referralsPerActiveAdvocate"] = Math.Round(benchmarks.ReferralsPerActiveAdvocate, 2),
                ["distribution1/2-10/11+"] = $"{benchmarks.Distribution.OneReferral}/{benchmarks.Distribution.TwoToTen}/{benchmarks.Distribution.ElevenPlus}",
                ["conversion"] = Math.Round(benchmarks.Conversion.Rate, 3),
                ["conversionVerbal"] = benchmarks.ConversionByMethod.TryGetValue(ReferralMethod.Verbal, out var verbal) ? Math.Round(verbal.Rate, 3) : 0m,
                ["top1PercentReferralShare"] = Math.Round(benchmarks.Top1Percent.ReferralShare, 3),
                ["top10PercentReferralShare"] = Math.Round(benchmarks.Top10Percent.ReferralShare, 3),
                ["averageReward"] = string.Join(" ", benchmarks.AverageRewardByCurrency.Select(kv => $"{kv.Value.Amount} {kv.Key}")),
            },
            ApiCalls = apiCalls,
            ApiCallsByEndpoint = byEndpoint,
            ApiCallsPer1000Routed = routed == 0 ? 0 : Math.Round(apiCalls * 1000.0 / routed, 1),
            ApiCallsSalesPeriod = salesPeriodCalls,
            ApiCallsAfterJumpByEndpoint = afterJumpByEndpoint,
            ApiCallsPer1000RoutedSalesPeriod = routed == 0 ? 0 : Math.Round(salesPeriodCalls * 1000.0 / routed, 1),
            LatencyP50Ms = Percentile(latency, 0.50),
            LatencyP99Ms = Percentile(latency, 0.99),
            Quarantined = (int)quarantined,
            Check = new DemoReport.Consistency(lost.Count, (int)duplicateRewards, mismatches.Count, notRouted.Count,
                [.. lost.Take(3).Select(id => $"lost: lead {id}"), .. mismatches.Take(5), .. notRouted.Take(3)]),
            ElapsedSeconds = Math.Round(elapsed.TotalSeconds, 1),
            ConnectorCounters = app.Services.GetRequiredService<ConnectorMetrics>().Counters.OrderBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => c.Value),
        };
    }

    /// <summary>Referrals whose ledger state differs from what the org's lead status / opportunity stage maps to.</summary>
    private static async Task<List<string>> MismatchesAsync(EmulatorServer emulator, LedgerStore store, LedgerProgram program, CancellationToken cancellationToken)
    {
        var rows = await store.InTransactionAsync((tx, ct) => tx.QueryAsync<(string LeadId, string State, string? OpportunityId)>(
            "SELECT lead_id, state, opportunity_id FROM referrals WHERE lead_id IS NOT NULL AND state <> 'Duplicate'", null, ct), cancellationToken).ConfigureAwait(false);
        var mapping = program.Config.Mapping;
        return emulator.Store.Read(org =>
        {
            var wrong = new List<string>();
            foreach (var row in rows)
            {
                var lead = org.Find(row.LeadId);
                if (lead is null)
                {
                    continue;
                }

                var opportunityId = lead.Get("ConvertedOpportunityId") as string;
                var expected = opportunityId is not null && org.Find(opportunityId) is { } opportunity
                    ? mapping.MapStage(opportunity.Get("StageName") as string).State
                    : mapping.MapLeadStatus(lead.Get("Status") as string).State;
                // An opportunity reopened after a win is back to Opportunity; the ledger's name for a lost lead may be Disqualified.
                if (expected is { } state && state.ToString() != row.State)
                {
                    wrong.Add($"state: lead {row.LeadId} is {row.State} in the ledger, {state} in the org");
                }
            }

            return wrong;
        });
    }

    /// <summary>Lead created → registered in the ledger and owned by the advocate's rep in the org (end-to-end, as a rep would see it).</summary>
    private static async Task WatchRoutingAsync(EmulatorServer emulator, LedgerStore store, List<DemoLead> leads, ConcurrentDictionary<string, double> latencies, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            List<DemoLead> pending;
            lock (leads)
            {
                pending = [.. leads.Where(l => !latencies.ContainsKey(l.Id))];
            }

            HashSet<string> registered;
            try
            {
                registered = pending.Count == 0 ? [] : (await store.InTransactionAsync((tx, ct) => tx.QueryAsync<string>(
                    "SELECT lead_id FROM referrals WHERE lead_id IS NOT NULL AND state <> 'Duplicate'", null, ct), cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = Stopwatch.GetTimestamp();
            emulator.Store.Read(org =>
            {
                foreach (var lead in pending.Where(l => registered.Contains(l.Id)))
                {
                    if ((string?)org.Find(lead.Id)?.Get("OwnerId") == lead.AdvocateOwner)
                    {
                        latencies.TryAdd(lead.Id, Stopwatch.GetElapsedTime(lead.CreatedAt, now).TotalMilliseconds);
                    }
                }

                return 0;
            });
            try
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<HashSet<string>> DuplicateLeadsAsync(LedgerStore store, CancellationToken cancellationToken) =>
        (await store.InTransactionAsync((tx, ct) => tx.QueryAsync<string>("SELECT lead_id FROM referrals WHERE state = 'Duplicate' AND lead_id IS NOT NULL", null, ct),
            cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);

    private static async Task<long> CountAsync(LedgerStore store, string sql, CancellationToken cancellationToken) =>
        (await store.InTransactionAsync((tx, ct) => tx.QueryAsync<long>(sql, null, ct), cancellationToken).ConfigureAwait(false))[0];

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (!await condition().ConfigureAwait(false))
        {
            if (Stopwatch.GetElapsedTime(started) > Patience)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static async Task<string> CreateAsync(HttpClient http, string type, object fields, string? actAs, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync($"/emulator/records/{type}{(actAs is null ? "" : "?actAs=" + actAs)}", fields, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating a {type} in the emulated org failed: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task PatchAsync(HttpClient http, string path, object fields, CancellationToken cancellationToken)
    {
        using var response = await http.PatchAsJsonAsync(path, fields, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PATCH {path} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }

    private static async Task<string> ConvertAsync(HttpClient http, string leadId, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri($"/emulator/leads/{leadId}/convert", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Converting lead {leadId} failed: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("opportunityId").GetString()!;
    }

    private static async Task StageAsync(HttpClient http, string opportunityId, string stage, decimal? amount, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync($"/emulator/opportunities/{opportunityId}/stage", new { stage, amount }, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Moving {opportunityId} to {stage} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }

    private static string Pick(Random random, string[] values, double[] weights)
    {
        var roll = random.NextDouble() * weights.Sum();
        for (var i = 0; i < values.Length; i++)
        {
            roll -= weights[i];
            if (roll <= 0)
            {
                return values[i];
            }
        }

        return values[^1];
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)], 1);

    /// <summary>Calls that count against the org's API allocation: REST, not OAuth token requests.</summary>
    private static int ApiCallsOf(IReadOnlyDictionary<string, long> byEndpoint) => (int)ApiCalls(byEndpoint).Values.Sum();

    /// <summary>The REST API's endpoints only: the OAuth token endpoint is not an API call (it counts against no limit).</summary>
    private static Dictionary<string, long> ApiCalls(IReadOnlyDictionary<string, long> byEndpoint) =>
        byEndpoint.Where(kv => kv.Key.Contains("/services/data", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static Dictionary<string, long> Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.Select(kv => (kv.Key, Value: kv.Value - before.GetValueOrDefault(kv.Key))).Where(kv => kv.Value > 0)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value);
}

/// <param name="LatencyMs">Latency the emulated org adds to every REST call once the connector is up (the benchmark uses 80 ms).</param>
/// <param name="PostgresConnectionString">The ledger on this PostgreSQL database instead of a SQLite file.</param>
public sealed record DemoSettings(int Referrals, int SeedLeads, int RandomSeed, string? LedgerFile, int LatencyMs = 0, string? PostgresConnectionString = null);
