using System.Text.Json;
using Connector.Admin;
using Connector.Admin.Status;
using Connector.Ledger;
using Connector.Ledger.Applying;
using Connector.Ledger.Programs;
using Connector.Salesforce;
using Connector.Salesforce.Limits;
using Connector.Worker.Jobs;
using Connector.Worker.Leadership;
using Connector.Worker.Outbox;
using Connector.Worker.Profiles;
using Connector.Worker.Programs;
using Connector.Worker.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;

namespace Connector.Worker.Hosting;

/// <summary>
/// The connector as a service: the Salesforce client, the ledger, the sync (streaming, catch-up, resync), the
/// outbox, leader election, the scheduled jobs, and the HTTP endpoints operators probe (/healthz, /readyz, /metrics).
/// Used by <c>run</c>, by the demo and by the end-to-end tests, so all three run the same wiring.
/// </summary>
public static class ConnectorHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        builder.Services.AddConnector(builder.Configuration);
        var app = builder.Build();
        app.MapConnectorEndpoints();
        app.MapAdminConsole();
        return app;
    }

    public static IServiceCollection AddConnector(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSalesforceClient(configuration);
        services.AddReferralLedger(configuration);
        services.AddSingleton<ProgramHolder>();
        services.AddReferralLedgerProgram(sp => sp.GetRequiredService<ProgramHolder>().Current);
        // Versioned: the ledger applies the version admins saved (console, API, CLI), starting from the program read from
        // the org. Resolved only once the worker has read it; ConnectorWorker publishes stored versions as they are saved.
        services.AddSingleton(sp => new PublishedLedgerProgramSource(sp.GetRequiredService<ProgramHolder>().Current));
        services.AddSingleton<RoutingStart>();
        services.AddSingleton<ILedgerProgramSource>(sp => new RoutingGuardedProgramSource(
            sp.GetRequiredService<PublishedLedgerProgramSource>(), sp.GetRequiredService<RoutingStart>()));
        services.AddSingleton(sp => new ProgramVersionRefresher(sp.GetRequiredService<ProgramVersionStore>(),
            sp.GetRequiredService<PublishedLedgerProgramSource>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<ProgramVersionRefresher>>()));
        services.AddSingleton<IConnectorStatus, WorkerConnectorStatus>();
        services.AddAdminConsole(configuration);
        services.AddOutboxDispatcher(configuration, hosted: false);

        services.AddOptions<SyncOptions>().Bind(configuration.GetSection(SyncOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ProgramOptions>().Bind(configuration.GetSection(ProgramOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RewardOptions>().Bind(configuration.GetSection(RewardOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LeadershipOptions>().Bind(configuration.GetSection(LeadershipOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<ConnectorMetrics>();
        services.AddSingleton<ChangeNormalizer>();
        services.AddSingleton<ProgramLoader>();
        services.AddSingleton<ChangeApplier>();
        services.AddSingleton<LedgerReplayCheckpoints>();
        services.AddSingleton<BulkBackfill>();
        services.AddSingleton<CatchUp>();
        services.AddSingleton<SalesReps>();
        services.AddSingleton<Reconciliation>();
        services.AddSingleton<ProfileSync>();
        services.AddSingleton<ILeaderElection>(sp =>
        {
            var ledger = sp.GetRequiredService<IOptions<LedgerOptions>>().Value;
            var leadership = sp.GetRequiredService<IOptions<LeadershipOptions>>().Value;
            return ledger.Provider == LedgerProvider.PostgreSql
                ? new PostgresAdvisoryLockElection(ledger.ConnectionString!, leadership.LockKey, leadership.RetryInterval, leadership.HeartbeatInterval,
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresAdvisoryLockElection>>())
                : new SingleInstanceElection();
        });
        services.AddSingleton<ConnectorWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectorWorker>());

        var sync = configuration.GetSection(SyncOptions.SectionName).Get<SyncOptions>() ?? new SyncOptions();
        services.AddQuartz(q =>
        {
            q.UseConnectorJobStore(configuration); // clustered on PostgreSQL, in memory on SQLite
            Schedule<CatchUpJob>(q, sync.CatchUpInterval);
            Schedule<ReconcileJob>(q, sync.ReconcileInterval);
            Schedule<RetentionJob>(q, sync.RetentionInterval);
            Schedule<ProfileJob>(q, sync.ProfileInterval);
            Schedule<SalesRepsJob>(q, sync.RepsInterval);
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return services;
    }

    private static void Schedule<TJob>(IQuartzBuilder quartz, TimeSpan interval)
        where TJob : class, IJob =>
        quartz.ScheduleJob<TJob>(trigger => trigger
            .WithIdentity(typeof(TJob).Name)
            .StartAt(TimeProvider.System.GetUtcNow().Add(interval)) // first run one interval after start: the leader catches up at start anyway
            .WithSimpleSchedule(interval), job => job.WithIdentity(typeof(TJob).Name));

    public static IEndpointRouteBuilder MapConnectorEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", (ConnectorWorker worker, ProgramHolder program, ILeaderElection election) =>
        {
            var state = new
            {
                programLoaded = program.IsLoaded,
                leader = election.IsLeader,
                leaderReady = worker.IsReady,
                instance = election.InstanceId,
            };
            var ready = program.IsLoaded && (!election.IsLeader || worker.IsReady);
            return Results.Json(state, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", (ConnectorMetrics metrics, ApiBudget budget, ILeaderElection election, ProgramHolder program) =>
        {
            var gauges = new Dictionary<string, double>
            {
                ["leader"] = election.IsLeader ? 1 : 0,
                ["program_loaded"] = program.IsLoaded ? 1 : 0,
                ["api_calls_waiting"] = budget.WaitingCalls,
            };
            // Memory, so a backfill's footprint can be watched (and a leak told from a large batch).
            var gc = GC.GetGCMemoryInfo();
            using (var process = System.Diagnostics.Process.GetCurrentProcess())
            {
                gauges["process_resident_memory_bytes"] = process.WorkingSet64;
            }

            gauges["gc_heap_size_bytes"] = gc.HeapSizeBytes;
            gauges["gc_committed_bytes"] = gc.TotalCommittedBytes;

            // Allocation and collections since start: what a change costs the GC, steadier to compare than timings.
            gauges["gc_allocated_bytes_total"] = GC.GetTotalAllocatedBytes();
            for (var generation = 0; generation <= GC.MaxGeneration; generation++)
            {
                gauges[$"gc_collections_total{{generation=\"{generation}\"}}"] = GC.CollectionCount(generation);
            }

            // How long the GC has held the process's threads since start: on a backfill, time the one apply thread lost.
            gauges["gc_pause_seconds_total"] = GC.GetTotalPauseDuration().TotalSeconds;

            if (budget.Snapshot is { } usage)
            {
                gauges["api_daily_used"] = usage.Used;
                gauges["api_daily_max"] = usage.Max;
            }

            return Results.Text(metrics.ToPrometheus(gauges), "text/plain; version=0.0.4");
        });
        return app;
    }
}
