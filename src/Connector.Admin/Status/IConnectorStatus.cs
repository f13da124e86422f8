using Connector.Ledger.Inspection;

namespace Connector.Admin.Status;

/// <summary>One streaming channel as the worker sees it.</summary>
public sealed record ChannelStatus(string Channel, string State, TimeSpan? Lag, DateTimeOffset? LastEventAt, string? Position);

/// <summary>What the worker reports about its sync for the Connection page.</summary>
public sealed record ConnectorStatusReport(
    IReadOnlyList<ChannelStatus> Channels, DateTimeOffset? LastCatchUp, DateTimeOffset? LastReconciliation, string? Note = null);

/// <summary>
/// The worker's live sync status (streaming state and lag per channel, last catch-up and reconciliation). The worker
/// host registers its implementation; without one the console shows what the ledger's checkpoints say.
/// </summary>
public interface IConnectorStatus
{
    Task<ConnectorStatusReport> GetAsync(CancellationToken cancellationToken);
}

/// <summary>The default: each stream's stored checkpoint and when it last moved (lag measured from then).</summary>
public sealed class CheckpointConnectorStatus(LedgerInspector inspector, TimeProvider time) : IConnectorStatus
{
    public async Task<ConnectorStatusReport> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var streams = await inspector.StreamsAsync(cancellationToken).ConfigureAwait(false);
        return new ConnectorStatusReport(
            [.. streams.Select(s => new ChannelStatus(s.Stream, "checkpoint only", now - s.UpdatedAt, s.UpdatedAt,
                s.ReplayId is { } replay ? $"replay id {replay}" : s.CursorValue))],
            null, null, "Live streaming status comes from the worker; this host reports the ledger's stored checkpoints only.");
    }
}
