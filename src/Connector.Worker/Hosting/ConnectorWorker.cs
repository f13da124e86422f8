using System.Threading.Channels;
using Connector.Referrals.Processing;
using Connector.Salesforce.Streaming;
using Connector.Worker.Leadership;
using Connector.Worker.Outbox;
using Connector.Worker.Programs;
using Connector.Worker.Sync;
using Connector.Ledger.Programs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Hosting;

/// <summary>
/// The worker's main loop. Every instance reads the program from the org (scheduled jobs need it); the elected leader
/// then subscribes to Change Data Capture for the synced objects, catches up what happened while nobody listened
/// (the first start backfills), and runs the outbox; it catches up again whenever the stream reports lost changes or
/// goes silent. Losing the lease stops all of that at once; the next leader resumes from the ledger's checkpoints.
/// </summary>
public sealed partial class ConnectorWorker(
    ProgramLoader loader,
    ProgramHolder program,
    IServiceProvider services,
    ILeaderElection election,
    ChangeApplier applier,
    CatchUp catchUp,
    SalesReps reps,
    StreamingClientFactory streaming,
    LedgerReplayCheckpoints checkpoints,
    OutboxDispatcher outbox,
    ConnectorMetrics metrics,
    IOptions<SyncOptions> options,
    TimeProvider time,
    ILogger<ConnectorWorker> logger) : BackgroundService
{
    public static readonly IReadOnlyList<string> Channels =
        [.. new[] { SyncedObjects.Lead, SyncedObjects.Opportunity, SyncedObjects.Contact, SyncedObjects.Advocate }.Select(ChannelOf)];

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once this instance has its program and, if it leads, streams and is caught up.</summary>
    public Task Ready => _ready.Task;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public static string ChannelOf(string sobject) =>
        "/data/" + (sobject.EndsWith("__c", StringComparison.Ordinal) ? sobject[..^3] + "__ChangeEvent" : sobject + "ChangeEvent");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await LoadProgramAsync(stoppingToken).ConfigureAwait(false);
        _ = FollowProgramVersionsAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            ILeaderLease lease;
            try
            {
                lease = await election.AcquireAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            await using (lease.ConfigureAwait(false))
            {
                using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
                try
                {
                    await LeadAsync(leading.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (leading.IsCancellationRequested)
                {
                    if (!stoppingToken.IsCancellationRequested)
                    {
                        Log.SteppedDown(logger, election.InstanceId);
                    }
                }
#pragma warning disable CA1031 // The leader's work failing (Salesforce down for longer than the retries) must not end the process: step down, try again.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Log.LeaderFailed(logger, e);
                    await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Applies the program version admins saved (at start, then as they save: another instance, the CLI).</summary>
    private async Task FollowProgramVersionsAsync(CancellationToken cancellationToken)
    {
        var refresher = services.GetRequiredService<ProgramVersionRefresher>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await refresher.RefreshAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(refresher.Interval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A stored version that cannot be read must not stop the worker: logged, the running program stays.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.ProgramVersionFailed(logger, e);
                await Task.Delay(refresher.Interval, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task LoadProgramAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await services.GetRequiredService<RoutingStart>().LoadAsync(cancellationToken).ConfigureAwait(false);
                program.Set(await loader.LoadAsync(cancellationToken).ConfigureAwait(false));
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < 1_000_000)
            {
                var wait = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(attempt, 6))));
                Log.ProgramLoadFailed(logger, e, (long)wait.TotalSeconds);
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        var triggers = Channel.CreateBounded<string>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropWrite });
        void OnCatchUpNeeded(ChangeEntity entity, string reason) => triggers.Writer.TryWrite($"{entity}: {reason}");
        applier.CatchUpNeeded += OnCatchUpNeeded;
        try
        {
            await reps.RefreshAsync(cancellationToken).ConfigureAwait(false);
            var tasks = new List<Task>();
            await using var client = options.Value.Streaming ? streaming.Create(checkpoints) : null;
            if (client is not null)
            {
                // Subscribed before the catch-up, so nothing committed between the two is missed.
                foreach (var channel in Channels)
                {
                    await client.SubscribeAsync(channel, applier.HandleStreamMessageAsync, cancellationToken).ConfigureAwait(false);
                    metrics.Channel(channel, false);
                }

                tasks.Add(client.RunAsync(cancellationToken));
                tasks.Add(WatchSignalsAsync(client, triggers.Writer, cancellationToken));
                foreach (var subscription in client.Subscriptions)
                {
                    await subscription.Active.WaitAsync(TimeSpan.FromSeconds(60), time, cancellationToken).ConfigureAwait(false);
                    metrics.Channel(subscription.Channel, true);
                }
            }

            // The stream delivers what is committed after the subscription; the catch-up reads what was stamped before it.
            // Its query reads wait until their bound has passed the subscription (or, without a stream, the start),
            // leaving no window between the two: records created just before would otherwise wait for the next scheduled
            // run. A first start's Bulk backfill does not wait: its query read comes after it.
            await catchUp.RunAsync("leader start", cancellationToken, covering: time.GetUtcNow()).ConfigureAwait(false);
            tasks.Add(outbox.RunAsync(cancellationToken));
            _ready.TrySetResult();
            Log.Leading(logger, election.InstanceId, client is not null);

            tasks.Add(CatchUpOnDemandAsync(triggers.Reader, cancellationToken));
            tasks.Add(ResyncLoopAsync(cancellationToken));
            var first = await Task.WhenAny(tasks).ConfigureAwait(false);
            await first.ConfigureAwait(false); // a streaming failure for good surfaces here
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            applier.CatchUpNeeded -= OnCatchUpNeeded;
        }
    }

    /// <summary>Batched re-reads the processor asked for, every couple of seconds (records have settled by then).</summary>
    private async Task ResyncLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(options.Value.ResyncInterval, time, cancellationToken).ConfigureAwait(false);
            if (applier.DeferredResyncs > 0)
            {
                await applier.ResyncDeferredAsync(options.Value.ResyncInterval, cancellationToken).ConfigureAwait(false);
            }

            await applier.ReadMissingOwnersAsync(cancellationToken).ConfigureAwait(false);
            if (applier.TakeAdvocatesArrived())
            {
                await catchUp.ReapplyWaitingAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task CatchUpOnDemandAsync(ChannelReader<string> triggers, CancellationToken cancellationToken)
    {
        await foreach (var reason in triggers.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            while (triggers.TryRead(out _))
            {
                // One catch-up covers every trigger queued meanwhile.
            }

            metrics.Increment("catchup_triggered_total");
            await catchUp.RunAsync(reason, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WatchSignalsAsync(StreamingClient client, ChannelWriter<string> triggers, CancellationToken cancellationToken)
    {
        await foreach (var signal in client.Signals.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (signal)
            {
                case StreamSilent silent:
                    metrics.Increment("stream_silent_total");
                    triggers.TryWrite($"stream silent for {silent.Waited.TotalSeconds:0}s");
                    break;
                case SessionStarted started when started.Handshakes > 1:
                    // A new session resumes from checkpoints; events past retention are caught up by query.
                    metrics.Increment("stream_rehandshakes_total");
                    triggers.TryWrite("streaming session restarted");
                    break;
                case SubscriptionFaulted faulted:
                    Log.SubscriptionFaulted(logger, faulted.Channel, faulted.Error);
                    metrics.Channel(faulted.Channel, false);
                    throw new InvalidOperationException($"The subscription to {faulted.Channel} stopped; the leader restarts its streaming.", faulted.Error);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9170, LogLevel.Information, "Instance {InstanceId} leads: streaming {Streaming}, caught up, outbox running")]
        public static partial void Leading(ILogger logger, string instanceId, bool streaming);

        [LoggerMessage(9171, LogLevel.Warning, "Instance {InstanceId} lost the leadership and stopped streaming and the outbox")]
        public static partial void SteppedDown(ILogger logger, string instanceId);

        [LoggerMessage(9172, LogLevel.Error, "The leader's work failed; stepping down and trying again")]
        public static partial void LeaderFailed(ILogger logger, Exception exception);

        [LoggerMessage(9173, LogLevel.Warning, "Could not read the program from the org; retrying in {Seconds}s")]
        public static partial void ProgramLoadFailed(ILogger logger, Exception exception, long seconds);

        [LoggerMessage(9175, LogLevel.Warning, "Could not apply the stored program version; the running program stays")]
        public static partial void ProgramVersionFailed(ILogger logger, Exception exception);

        [LoggerMessage(9174, LogLevel.Error, "Subscription to {Channel} faulted")]
        public static partial void SubscriptionFaulted(ILogger logger, string channel, Exception exception);
    }
}
