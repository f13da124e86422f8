using System.Collections.Concurrent;

namespace Connector.Salesforce.Streaming;

/// <summary>
/// Durable "last handled replay id" per channel. The streaming client saves an id only after the handler for
/// that event returned, i.e. after its effects were committed; on restart it resumes after the stored id.
/// The ledger implements this in the same store as the effects (ideally in the same transaction).
/// </summary>
public interface IReplayCheckpointStore
{
    Task<long?> GetAsync(string channel, CancellationToken cancellationToken);

    Task SaveAsync(string channel, long replayId, CancellationToken cancellationToken);
}

/// <summary>Checkpoints in memory: for tests and demos; a restarted process starts from the configured default.</summary>
public sealed class InMemoryReplayCheckpointStore : IReplayCheckpointStore
{
    private readonly ConcurrentDictionary<string, long> _ids = new(StringComparer.Ordinal);

    public Task<long?> GetAsync(string channel, CancellationToken cancellationToken) =>
        Task.FromResult(_ids.TryGetValue(channel, out var id) ? id : (long?)null);

    public Task SaveAsync(string channel, long replayId, CancellationToken cancellationToken)
    {
        _ids[channel] = replayId;
        return Task.CompletedTask;
    }
}
