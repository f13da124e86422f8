namespace Connector.Worker.Leadership;

/// <summary>
/// Who runs the streaming subscriber and the outbox: one instance at a time. Every effect is idempotent anyway (the
/// ledger's event keys and unique constraints), so an overlap during failover costs calls, never a double effect.
/// </summary>
public interface ILeaderElection
{
    /// <summary>This process, as other instances and the logs know it.</summary>
    string InstanceId { get; }

    bool IsLeader { get; }

    /// <summary>Waits until this instance leads; the lease's <see cref="ILeaderLease.Lost"/> fires if it stops leading.</summary>
    Task<ILeaderLease> AcquireAsync(CancellationToken cancellationToken);
}

public interface ILeaderLease : IAsyncDisposable
{
    CancellationToken Lost { get; }
}

/// <summary>Embedded mode (SQLite, one process): this instance always leads.</summary>
public sealed class SingleInstanceElection : ILeaderElection
{
    public string InstanceId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    public bool IsLeader { get; private set; }

    public Task<ILeaderLease> AcquireAsync(CancellationToken cancellationToken)
    {
        IsLeader = true;
        return Task.FromResult<ILeaderLease>(new Lease(this));
    }

    private sealed class Lease(SingleInstanceElection owner) : ILeaderLease
    {
        public CancellationToken Lost => CancellationToken.None;

        public ValueTask DisposeAsync()
        {
            owner.IsLeader = false;
            return ValueTask.CompletedTask;
        }
    }
}
