using System.ComponentModel.DataAnnotations;

namespace Connector.Worker.Leadership;

/// <summary>Leader election over the ledger's PostgreSQL (section "Worker:Leadership"); embedded mode always leads.</summary>
public sealed class LeadershipOptions
{
    public const string SectionName = "Worker:Leadership";

    /// <summary>The advisory lock's key: instances of one deployment share it; two deployments on one database must not.</summary>
    public long LockKey { get; set; } = 0x5EFE_22A1;

    /// <summary>How often a follower tries to take over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = SectionName + ":RetryInterval must be between {1} and {2}.")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the leader checks the lock's session is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = SectionName + ":HeartbeatInterval must be between {1} and {2}.")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);
}
