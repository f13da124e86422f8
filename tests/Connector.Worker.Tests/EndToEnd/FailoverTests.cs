using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Connector.Ledger.Outbox;
using Connector.Ledger.Tests.Support;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Seeding;
using Dapper;
using Npgsql;
using Xunit.Abstractions;

using Connector.Worker.Tests.Support;

namespace Connector.Worker.Tests.EndToEnd;

/// <summary>
/// Scale-out (issue 5, "How it runs"): three `connector run` processes on one PostgreSQL ledger and one org. One leads;
/// killing it hands the streaming subscriber and the outbox to another within 30 s, and nothing is routed, registered
/// or rewarded twice — including the leads created and won while nobody led.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FailoverGoal = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Killing_the_leader_of_three_worker_processes_fails_over_within_30_s_without_a_duplicate_effect()
    {
        await using var postgres = await ThrowawayPostgres.StartAsync();
        var ledger = await postgres.CreateDatabaseAsync("failover");
        await using var emulator = await EmulatorServer.StartAsync(new Dictionary<string, string?> { ["Emulator:StreamingPollTimeout"] = "00:00:02" });
        var bootstrap = emulator.Get<OrgBootstrap>();
        var ownerWrites = new OwnerWrites(bootstrap.IntegrationUserId);
        emulator.Store.AddListener(ownerWrites);
        using var org = new OrgActions(emulator);

        var settings = WorkerSettings(emulator.BaseUrl, ledger);
        var workers = new List<WorkerProcess>();
        try
        {
            foreach (var name in new[] { "worker-a", "worker-b", "worker-c" })
            {
                workers.Add(WorkerProcess.Start(name, settings));
            }

            await Task.WhenAll(workers.Select(w => w.ListeningAsync()));
            var leader = await SingleReadyLeaderAsync(workers, "one of three instances to lead, stream and catch up");

            // Three advocates, owned by three reps; the org's round-robin rule assigns leads to anyone.
            var advocateReps = bootstrap.SalesRepIds.Take(3).ToArray();
            var advocates = new List<(string Id, string Rep)>();
            foreach (var rep in advocateReps)
            {
                advocates.Add((await org.CreateAsync("Advocate__c", new { Name = $"Advocate of {rep}", OwnerId = rep, Status__c = "Active" }), rep));
            }

            var leads = new Dictionary<string, string>(); // lead id → the rep it must end with
            async Task CreateLeadsAsync(string batch, int count)
            {
                for (var i = 0; i < count; i++)
                {
                    var (advocate, rep) = advocates[leads.Count % advocates.Count];
                    var lead = await org.CreateAsync("Lead", new
                    {
                        LastName = $"{batch}{i}", Company = "Failover Co", Email = $"{batch}{i}@failover.example", Advocate__c = advocate, Referral_Method__c = "Email",
                    });
                    leads[lead] = rep;
                }
            }

            await CreateLeadsAsync("before", 12);
            await UntilAllRoutedAsync(org, leads, "the leads created before the failover routed to their advocates' reps");
            var toWin = leads.Keys.Take(2).ToArray();

            // The leader dies; work keeps arriving while nobody leads: new leads, and two referred deals won.
            var clock = Stopwatch.StartNew();
            await leader.KillAsync();
            await CreateLeadsAsync("during", 12);
            foreach (var lead in toWin)
            {
                var opportunity = await org.ConvertAsync(lead);
                await org.MoveStageAsync(opportunity, "Closed Won", 10_000m);
            }

            var survivors = workers.Where(w => w != leader).ToList();
            var successor = await UntilAsync(async () => await LeaderAsync(survivors), "another instance to take the leader lock", FailoverGoal);
            var elected = clock.Elapsed;
            await UntilAsync(async () => await successor.ReadinessAsync() is { LeaderReady: true } ? successor : null, "the new leader to stream and catch up", FailoverGoal);
            var ready = clock.Elapsed;
            output.WriteLine(FormattableString.Invariant($"failover: {leader.Name} killed; {successor.Name} elected after {elected.TotalSeconds:0.0} s, streaming and caught up after {ready.TotalSeconds:0.0} s"));
            Assert.True(ready < FailoverGoal, $"failover took {ready.TotalSeconds:0.0} s");

            await CreateLeadsAsync("after", 12);
            await UntilAllRoutedAsync(org, leads, "every lead routed to its advocate's rep, those created during the failover too");
            await using var db = new NpgsqlConnection(ledger);
            await UntilAsync(async () => await db.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM referrals WHERE lead_id = ANY(@Leads)", new { Leads = leads.Keys.ToArray() }) == leads.Count ? true : (bool?)null,
                "every referral lead registered in the ledger", Patience);
            await UntilAsync(async () => await db.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM reward_entries e JOIN referrals r ON r.referral_key = e.referral_key WHERE r.lead_id = ANY(@Won) AND e.beneficiary = 'Advocate'",
                    new { Won = toWin }) >= 4 ? true : (bool?)null,
                "the rewards of the two deals won during the failover", Patience);
            await UntilAsync(async () => await db.ExecuteScalarAsync<long>(
                    "SELECT count(*) FROM outbox_messages WHERE dispatched_at IS NULL AND kind = @Kind", new { Kind = OutboxKinds.OwnerChange }) == 0 ? true : (bool?)null,
                "the outbox drained", Patience);

            // Exactly once, all of it.
            var referralsPerLead = (await db.QueryAsync<(string Lead, long Count)>(
                "SELECT lead_id, count(*) FROM referrals WHERE lead_id = ANY(@Leads) GROUP BY lead_id", new { Leads = leads.Keys.ToArray() })).ToList();
            Assert.Equal(leads.Count, referralsPerLead.Count);
            Assert.All(referralsPerLead, r => Assert.Equal(1, r.Count));
            Assert.Equal(leads.Count, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM referrals"));

            var ownerMessages = (await db.QueryAsync<(string Target, long Count, long Dispatched)>(
                "SELECT target_id, count(*), count(dispatched_at) FROM outbox_messages WHERE kind = @Kind GROUP BY target_id", new { Kind = OutboxKinds.OwnerChange })).ToList();
            Assert.All(ownerMessages, m => Assert.True(m.Count == 1 && m.Dispatched == 1, $"owner change of {m.Target}: {m.Count} messages, {m.Dispatched} dispatched"));
            var routedByTheOrg = leads.Keys.Count(id => !ownerWrites.ByLead.ContainsKey(id));
            Assert.Equal(leads.Count - routedByTheOrg, ownerMessages.Count(m => leads.ContainsKey(m.Target)));
            Assert.All(ownerWrites.ByLead, w => Assert.True(w.Value == 1, $"the connector changed the owner of {w.Key} {w.Value} times"));

            var rewards = (await db.QueryAsync<(string Lead, string Kind, decimal Amount)>(
                "SELECT r.lead_id, e.kind, e.amount FROM reward_entries e JOIN referrals r ON r.referral_key = e.referral_key WHERE e.beneficiary = 'Advocate' ORDER BY r.lead_id, e.kind")).ToList();
            foreach (var lead in toWin)
            {
                Assert.Equal([("Earned", 250m), ("Scheduled", 750m)], rewards.Where(r => r.Lead == lead).Select(r => (r.Kind, r.Amount)));
            }

            Assert.Equal(toWin.Length * 2, rewards.Count);
            Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM quarantine WHERE resolved_at IS NULL"));

            var usage = emulator.Get<ApiUsage>().ByEndpoint;
            // Owner changes and profile writes go as Composite calls of collection subrequests (or plain collection calls).
            var collectionWrites = usage.Where(u => u.Key.Contains("/composite", StringComparison.Ordinal)).Sum(u => u.Value);
            output.WriteLine($"owner writes: {ownerWrites.ByLead.Count} leads re-owned by the connector, {routedByTheOrg} already with the right rep; Composite and sObject Collections calls: {collectionWrites}");
            output.WriteLine("API calls by endpoint: " + string.Join(", ", usage.Select(u => $"{u.Key}={u.Value}")));
            // Batched writes: at most one collection call per lead re-owned (plus the verification reads), never one per instance.
            Assert.InRange(collectionWrites, 1, ownerWrites.ByLead.Count + 6);
            Assert.All(survivors.Where(w => w != successor), w => Assert.False(w.HasExited, $"{w.Name} exited:\n{w.Output}"));
        }
        catch
        {
            foreach (var worker in workers)
            {
                output.WriteLine($"--- {worker.Name} (pid {worker.ProcessId}, exited {worker.HasExited}) ---\n{worker.Output}");
            }

            throw;
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    private static Dictionary<string, string?> WorkerSettings(Uri org, string ledger) => new(EmulatorConnection.ConnectorSettings(org))
    {
        ["Ledger:Provider"] = "PostgreSql",
        ["Ledger:ConnectionString"] = ledger,
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging:LogLevel:Connector.Worker.Leadership"] = "Information",
        ["Logging:LogLevel:Connector.Worker.Hosting"] = "Information",
    };

    private static async Task<WorkerProcess?> LeaderAsync(IEnumerable<WorkerProcess> workers)
    {
        foreach (var worker in workers)
        {
            if (await worker.ReadinessAsync() is { Leader: true })
            {
                return worker;
            }
        }

        return null;
    }

    private static async Task<WorkerProcess> SingleReadyLeaderAsync(IReadOnlyList<WorkerProcess> workers, string what) =>
        await UntilAsync(async () =>
        {
            var states = await Task.WhenAll(workers.Select(w => w.ReadinessAsync()));
            if (states.Any(s => s is not { ProgramLoaded: true }))
            {
                return null;
            }

            var leaders = states.Select((s, i) => (s, i)).Where(x => x.s!.Leader).ToList();
            Assert.True(leaders.Count <= 1, $"{leaders.Count} instances lead at once");
            return leaders is [var only] && only.s!.LeaderReady ? workers[only.i] : null;
        }, what, Patience);

    private static Task UntilAllRoutedAsync(OrgActions org, Dictionary<string, string> leads, string what) =>
        UntilAsync(() => Task.FromResult(leads.All(l => Equals(org.Field(l.Key, "OwnerId"), l.Value)) ? true : (bool?)null), what, Patience);

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, TimeSpan timeout)
        where T : class
    {
        T? found = null;
        await Wait.UntilAsync(async () => (found = await probe()) is not null, timeout, what);
        return found!;
    }

    private static async Task UntilAsync(Func<Task<bool?>> probe, string what, TimeSpan timeout) =>
        await Wait.UntilAsync(async () => await probe() is true, timeout, what);

    /// <summary>Counts, per lead, the committed updates by the integration user that changed OwnerId: the org's view of routing.</summary>
    private sealed class OwnerWrites(string integrationUserId) : IOrgChangeListener
    {
        public ConcurrentDictionary<string, int> ByLead { get; } = new(StringComparer.Ordinal);

        public void OnCommitted(IReadOnlyList<RecordChange> changes)
        {
            foreach (var change in changes)
            {
                if (change.Object.Name == "Lead" && change.Type == ChangeType.Update && change.CommitUser == integrationUserId && change.ChangedFields.Contains("OwnerId"))
                {
                    foreach (var id in change.RecordIds)
                    {
                        ByLead.AddOrUpdate(id, 1, (_, n) => n + 1);
                    }
                }
            }
        }
    }

    /// <summary>People acting in the org through the emulator's control plane (as <see cref="ConnectorHarness"/> does, without a connector in-process).</summary>
    private sealed class OrgActions(EmulatorServer emulator) : IDisposable
    {
        private readonly HttpClient _http = new() { BaseAddress = emulator.BaseUrl };

        public async Task<string> CreateAsync(string type, object fields)
        {
            using var response = await _http.PostAsJsonAsync($"/emulator/records/{type}", fields);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"create {type}: {(int)response.StatusCode} {body}");
            return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        }

        public async Task<string> ConvertAsync(string leadId)
        {
            using var response = await _http.PostAsync($"/emulator/leads/{leadId}/convert", null);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"convert {leadId}: {(int)response.StatusCode} {body}");
            return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("opportunityId").GetString()!;
        }

        public async Task MoveStageAsync(string opportunityId, string stage, decimal amount)
        {
            using var response = await _http.PostAsJsonAsync($"/emulator/opportunities/{opportunityId}/stage", new { stage, amount });
            Assert.True(response.IsSuccessStatusCode, $"stage {opportunityId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        public object? Field(string id, string field) => emulator.Store.Read(o => (o.Find(id) ?? throw new InvalidOperationException($"no record {id}")).Get(field));

        public void Dispose() => _http.Dispose();
    }
}
