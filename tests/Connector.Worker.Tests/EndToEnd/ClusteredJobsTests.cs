using System.Collections.Concurrent;
using Connector.Ledger.Tests.Support;
using Connector.SalesforceEmulator.Hosting;
using Connector.Worker.Hosting;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;
using Xunit.Abstractions;

using Connector.Worker.Tests.Support;

namespace Connector.Worker.Tests.EndToEnd;

/// <summary>
/// On a PostgreSQL ledger the instances form one Quartz cluster (<see cref="Jobs.JobStore"/>): a scheduled job's firing runs
/// on one of them, never on each. Proven with two connector hosts as `run` wires them, plus a job that records its firings.
/// </summary>
public sealed class ClusteredJobsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_instances_on_one_PostgreSQL_run_each_firing_of_a_scheduled_job_once()
    {
        await using var postgres = await ThrowawayPostgres.StartAsync();
        var ledger = await postgres.CreateDatabaseAsync("cluster");
        await using var emulator = await EmulatorServer.StartAsync();
        var firings = new Firings();
        // Both declare the same schedule (as instances of one deployment do): without the cluster each would run every firing.
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2);
        var instances = new List<WebApplication>();
        try
        {
            instances.AddRange(await Task.WhenAll(
                StartAsync("first", emulator.BaseUrl, ledger, firings, start),
                StartAsync("second", emulator.BaseUrl, ledger, firings, start)));
            // A host's start may return before its scheduler has started: Quartz finishes that in the background when it
            // does not complete at once (a busy machine), and the schedule is declared (the shared trigger replaced) then.
            foreach (var instance in instances)
            {
                var schedulers = instance.Services.GetRequiredService<ISchedulerFactory>();
                await Wait.UntilAsync(async () => (await schedulers.GetScheduler()).Status == SchedulerStatus.Running, Patience, "each instance's scheduler started");
            }

            await AssertEachFiringRunsOnceAsync(ledger, firings, DateTimeOffset.UtcNow);
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.StopAsync();
                await instance.DisposeAsync();
            }
        }
    }

    private async Task AssertEachFiringRunsOnceAsync(string ledger, Firings firings, DateTimeOffset bothRunning)
    {
        await Wait.UntilAsync(() => firings.All.Count(f => f.Scheduled > bothRunning) >= 12, "twelve firings while both instances run", Patience);
        var log = firings.All.ToList();
        output.WriteLine($"{log.Count} firings, {log.Count(f => f.Scheduled > bothRunning)} while both ran: " + string.Join(", ", log.GroupBy(f => f.Instance).Select(g => $"{g.Key} ran {g.Count()}")));
        // Steady state: while the instances start, one replacing the other's identical trigger may fire a slot again
        // (harmless, every job is idempotent); once both run, the cluster must run each slot exactly once.
        var twice = log.Where(f => f.Scheduled > bothRunning).GroupBy(f => f.Scheduled).Where(g => g.Count() > 1).Select(g => $"{g.Key:O} ran on {string.Join(" and ", g.Select(f => f.Instance))}").ToList();
        Assert.True(twice.Count == 0, "firings run more than once:\n" + string.Join('\n', twice));

        await using var db = new NpgsqlConnection(ledger);
        Assert.Equal(2, await db.ExecuteScalarAsync<long>("SELECT count(DISTINCT instance_name) FROM qrtz_scheduler_state"));
        // The connector's own jobs are stored once for the cluster, not once per instance.
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM qrtz_triggers WHERE trigger_name = 'CatchUpJob'"));
    }

    private static async Task<WebApplication> StartAsync(string name, Uri org, string ledger, Firings firings, DateTimeOffset start)
    {
        var settings = new Dictionary<string, string?>(EmulatorConnection.Settings(org))
        {
            ["Ledger:Provider"] = "PostgreSql",
            ["Ledger:ConnectionString"] = ledger,
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var app = ConnectorHost.Build([.. settings.SelectMany(kv => new[] { $"--{kv.Key}", kv.Value ?? string.Empty })], builder =>
        {
            builder.Services.AddSingleton(new InstanceName(name));
            builder.Services.AddSingleton(firings);
            builder.Services.AddQuartz(q => q.ScheduleJob<RecordingJob>(
                trigger => trigger.WithIdentity(nameof(RecordingJob)).StartAt(start).WithSimpleSchedule(x => x
                    .WithInterval(TimeSpan.FromMilliseconds(250)).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)), // an instance starting late keeps to the shared timeline
                job => job.WithIdentity(nameof(RecordingJob))));
        });
        await app.StartAsync();
        return app;
    }

    private sealed record InstanceName(string Value);

    private sealed record Firing(DateTimeOffset Scheduled, string Instance);

    private sealed class Firings
    {
        private readonly ConcurrentQueue<Firing> _all = new();

        public IReadOnlyCollection<Firing> All => _all;

        public void Add(Firing firing) => _all.Enqueue(firing);
    }

    private sealed class RecordingJob(Firings firings, InstanceName instance) : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            firings.Add(new Firing(context.ScheduledFireTimeUtc ?? context.FireTimeUtc, instance.Value));
            return ValueTask.CompletedTask;
        }
    }
}
