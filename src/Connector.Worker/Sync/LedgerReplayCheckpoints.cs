using Connector.Ledger.Checkpoints;
using Connector.Salesforce.Streaming;

namespace Connector.Worker.Sync;

/// <summary>
/// The streaming client's replay checkpoints, kept in the ledger. Events with effects already moved their channel's
/// replay id in the effects' own transaction (<see cref="ChangeApplier"/>), so saving again is skipped; events the
/// worker does not act on (an object it does not sync) move it here.
/// </summary>
public sealed class LedgerReplayCheckpoints(CheckpointStore store, ChangeApplier applier) : IReplayCheckpointStore
{
    public Task<long?> GetAsync(string channel, CancellationToken cancellationToken) => store.GetReplayIdAsync(channel, cancellationToken);

    public Task SaveAsync(string channel, long replayId, CancellationToken cancellationToken) =>
        applier.IsCommitted(channel, replayId) ? Task.CompletedTask : store.SaveReplayIdAsync(channel, replayId, cancellationToken);
}
