using Connector.Admin.Status;
using Connector.Worker.Leadership;

namespace Connector.Worker.Hosting;

/// <summary>The console's Connection page, from the worker's own view: streaming per channel, lag, last catch-up and reconciliation.</summary>
public sealed class WorkerConnectorStatus(ConnectorMetrics metrics, ILeaderElection election) : IConnectorStatus
{
    public Task<ConnectorStatusReport> GetAsync(CancellationToken cancellationToken)
    {
        var channels = metrics.Channels.Select(c => new ChannelStatus(
            c.Channel,
            c.Subscribed ? "streaming" : "not subscribed",
            c.LagMs is { } lag ? TimeSpan.FromMilliseconds(lag) : null,
            c.LastEventAt,
            c.LastReplayId is { } replay ? $"replay id {replay}" : null)).ToList();
        var note = election.IsLeader
            ? $"This instance ({election.InstanceId}) leads: it streams and runs the outbox."
            : $"This instance ({election.InstanceId}) follows; the leader streams. Channels below are empty here.";
        return Task.FromResult(new ConnectorStatusReport(channels, metrics.LastCatchUpAt, metrics.LastReconciliationAt, note));
    }
}
