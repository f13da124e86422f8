using Connector.Ledger.Applying;
using Connector.Worker.Profiles;
using Connector.Worker.Programs;
using Connector.Worker.Sync;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Connector.Worker.Jobs;

/// <summary>
/// The periodic work, scheduled by Quartz: catch-up, reconciliation, retention, profile write-back, sales reps.
/// Every job is idempotent through the ledger, so in a cluster whichever instance Quartz picks may run it; none runs
/// twice at once. A job skips while its instance has not read the program from the org yet.
/// </summary>
public abstract class ConnectorJob(ProgramHolder program) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (program.IsLoaded)
        {
            await RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected abstract Task RunAsync(CancellationToken cancellationToken);
}

[DisallowConcurrentExecution]
public sealed class CatchUpJob(ProgramHolder program, CatchUp catchUp) : ConnectorJob(program)
{
    protected override Task RunAsync(CancellationToken cancellationToken) => catchUp.RunAsync("scheduled", cancellationToken);
}

[DisallowConcurrentExecution]
public sealed class ReconcileJob(ProgramHolder program, Reconciliation reconciliation) : ConnectorJob(program)
{
    protected override Task RunAsync(CancellationToken cancellationToken) => reconciliation.RunAsync(cancellationToken);
}

[DisallowConcurrentExecution]
public sealed class RetentionJob(ProgramHolder program, IServiceProvider services, TimeProvider time) : ConnectorJob(program)
{
    protected override Task RunAsync(CancellationToken cancellationToken) =>
        services.GetRequiredService<ReferralLedger>().EvaluateRetentionAsync(time.GetUtcNow(), cancellationToken);
}

[DisallowConcurrentExecution]
public sealed class ProfileJob(ProgramHolder program, ProfileSync profiles) : ConnectorJob(program)
{
    protected override Task RunAsync(CancellationToken cancellationToken) => profiles.RunAsync(cancellationToken);
}

[DisallowConcurrentExecution]
public sealed class SalesRepsJob(ProgramHolder program, SalesReps reps) : ConnectorJob(program)
{
    protected override Task RunAsync(CancellationToken cancellationToken) => reps.RefreshAsync(cancellationToken);
}
