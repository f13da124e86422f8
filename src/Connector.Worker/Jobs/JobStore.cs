using System.Globalization;
using Connector.Ledger;
using Connector.Worker.Leadership;
using Microsoft.Extensions.Configuration;
using Quartz;

namespace Connector.Worker.Jobs;

/// <summary>
/// Where Quartz keeps the schedule. Embedded mode (SQLite ledger, one process) keeps it in memory. On PostgreSQL the
/// instances of a deployment form a Quartz cluster in the ledger's database: each firing of a job runs on one instance
/// only, a job marked [DisallowConcurrentExecution] never runs on two at once, and the firings of an instance that dies
/// are recovered by the others.
/// </summary>
public static class JobStore
{
    /// <summary>How often a clustered instance records that it is alive; another recovers its firings after this plus the threshold.</summary>
    public static readonly TimeSpan CheckinInterval = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan CheckinMisfireThreshold = TimeSpan.FromSeconds(10);

    public static IQuartzBuilder UseConnectorJobStore(this IQuartzBuilder quartz, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(quartz);
        ArgumentNullException.ThrowIfNull(configuration);
        var ledger = configuration.GetSection(LedgerOptions.SectionName).Get<LedgerOptions>() ?? new LedgerOptions();
        if (ledger.Provider != LedgerProvider.PostgreSql || string.IsNullOrWhiteSpace(ledger.ConnectionString))
        {
            // In memory. (A PostgreSQL ledger without a connection string fails the ledger's validation at start, naming the key.)
            return quartz;
        }

        // The deployment's identity in the shared tables: the leader lock's key already tells deployments on one database apart.
        var leadership = configuration.GetSection(LeadershipOptions.SectionName).Get<LeadershipOptions>() ?? new LeadershipOptions();
        quartz.ConfigureScheduler(scheduler => scheduler.InstanceName = string.Create(CultureInfo.InvariantCulture, $"referral-connector-{leadership.LockKey:x}"));
        quartz.UsePersistentStore(store =>
        {
            store.UsePostgres(ledger.ConnectionString);
            store.UseClustering(cluster =>
            {
                cluster.CheckinInterval = CheckinInterval;
                cluster.CheckinMisfireThreshold = CheckinMisfireThreshold;
            });
            store.UseSystemTextJsonSerializer();
            // Quartz creates its own qrtz_ tables (its script for the version in use, guarded, safe when instances race)
            // and validates them at every start; upgrading Quartz may need its database/migrations scripts (RUNBOOK.md).
            store.ProvisionSchema();
        });

        // The schedule is declared in code and stored on every start: the replacing trigger keeps the stored one's last
        // firing, so restarting instances neither re-fires a job nor pushes its next run away.
        quartz.ConfigureOptions<QuartzOptions>(options => options.Scheduling.ScheduleTriggerRelativeToReplacedTrigger = true);
        return quartz;
    }
}
