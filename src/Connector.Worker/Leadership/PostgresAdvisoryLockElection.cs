using Microsoft.Extensions.Logging;
using Npgsql;

namespace Connector.Worker.Leadership;

/// <summary>
/// Leadership over the ledger's PostgreSQL: a session-level advisory lock held on a dedicated connection. PostgreSQL
/// releases it when that session ends — the leader's process dies, its host loses the network (TCP keepalive) — so
/// another instance takes over at its next attempt. The leader checks its connection every heartbeat and gives up the
/// lease as soon as the check fails, so it stops acting before another instance can have been elected for long.
/// </summary>
public sealed partial class PostgresAdvisoryLockElection : ILeaderElection
{
    private readonly string _connectionString;
    private readonly long _lockKey;
    private readonly TimeSpan _retry;
    private readonly TimeSpan _heartbeat;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresAdvisoryLockElection> _logger;
    private volatile bool _isLeader;

    public PostgresAdvisoryLockElection(string connectionString, long lockKey, TimeSpan retry, TimeSpan heartbeat, TimeProvider time, ILogger<PostgresAdvisoryLockElection> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        // Keepalives make a leader whose host vanished lose the lock within seconds, not the kernel's two hours.
        _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { KeepAlive = 5, Pooling = false, ApplicationName = "referral-connector-leader" }.ConnectionString;
        _lockKey = lockKey;
        _retry = retry;
        _heartbeat = heartbeat;
        _time = time;
        _logger = logger;
    }

    public string InstanceId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    public bool IsLeader => _isLeader;

    public async Task<ILeaderLease> AcquireAsync(CancellationToken cancellationToken)
    {
        var announced = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            NpgsqlConnection? connection = null;
            try
            {
                connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
                command.Parameters.AddWithValue("key", _lockKey);
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
                {
                    _isLeader = true;
                    Log.Elected(_logger, InstanceId, _lockKey);
                    var lease = new Lease(this, connection);
                    connection = null;
                    lease.Start();
                    return lease;
                }

                if (!announced)
                {
                    Log.Following(_logger, InstanceId);
                    announced = true;
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                Log.AttemptFailed(_logger, e.GetType().Name, e.Message);
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }

            await Task.Delay(_retry, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Lease(PostgresAdvisoryLockElection owner, NpgsqlConnection connection) : ILeaderLease
    {
        private readonly CancellationTokenSource _lost = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _heartbeat = Task.CompletedTask;

        public CancellationToken Lost => _lost.Token;

        public void Start() => _heartbeat = Task.Run(() => HeartbeatAsync(_stop.Token));

        private async Task HeartbeatAsync(CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(owner._heartbeat, owner._time, stop).ConfigureAwait(false);
                    await using var command = new NpgsqlCommand("SELECT 1", connection);
                    await command.ExecuteScalarAsync(stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure of the lock's session means the lock may be gone: the lease is lost.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.LeaseLost(owner._logger, owner.InstanceId, e.GetType().Name, e.Message);
            }

            owner._isLeader = false;
            await _lost.CancelAsync().ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _heartbeat.ConfigureAwait(false);
            owner._isLeader = false;
            try
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                unlock.Parameters.AddWithValue("key", owner._lockKey);
                await unlock.ExecuteScalarAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The session is gone, and the lock with it.
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            _lost.Dispose();
            _stop.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9140, LogLevel.Information, "Instance {InstanceId} is the leader (advisory lock {LockKey}): it runs streaming and the outbox")]
        public static partial void Elected(ILogger logger, string instanceId, long lockKey);

        [LoggerMessage(9141, LogLevel.Information, "Instance {InstanceId} follows: another instance holds the leader lock")]
        public static partial void Following(ILogger logger, string instanceId);

        [LoggerMessage(9142, LogLevel.Warning, "Leader election attempt failed ({Error}: {Message}); retrying")]
        public static partial void AttemptFailed(ILogger logger, string error, string message);

        [LoggerMessage(9143, LogLevel.Warning, "Instance {InstanceId} lost the leader lock's session ({Error}: {Message}): stepping down")]
        public static partial void LeaseLost(ILogger logger, string instanceId, string error, string message);
    }
}
