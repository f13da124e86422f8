using System.ComponentModel.DataAnnotations;

namespace Connector.Salesforce.Streaming;

/// <summary>Streaming API client settings (section "Salesforce:Streaming"); defaults follow Salesforce's documented timings.</summary>
public sealed class StreamingClientOptions : IValidatableObject
{
    public const string SectionName = "Salesforce:Streaming";

    /// <summary>Where a channel without a checkpoint starts: -1 only new events, -2 everything retained (24 h / 72 h).</summary>
    [Range(-2, -1)] public long ReplayFromWithoutCheckpoint { get; set; } = -1;

    /// <summary>Where to resubscribe after the server refused a stored replay id: -2 (retained history) or -1.</summary>
    [Range(-2, -1)] public long ReplayFromAfterInvalidReplayId { get; set; } = -2;

    /// <summary>Timeout of the short Bayeux requests (handshake, subscribe, unsubscribe, disconnect).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The watchdog: a held /meta/connect must be answered within advice.timeout (110 s at Salesforce) plus this
    /// grace, else the stream is deemed silent and the client re-handshakes. Also the long poll's HTTP timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SilenceGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Optional stricter watchdog window: a connect answer is expected at least this often whatever the server's
    /// advice (for infrastructure known to cut long polls sooner). Must exceed the real poll hold time, else the
    /// client re-handshakes on every poll.
    /// </summary>
    public TimeSpan? HeartbeatWindow { get; set; }

    /// <summary>Jittered exponential backoff after failures: first delay (about) and the cap.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Endpoint relative to the instance; default "cometd/{ApiVersion}".</summary>
    public string? EndpointPath { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBackoff < InitialBackoff)
        {
            yield return new ValidationResult("Salesforce:Streaming:MaxBackoff must not be below InitialBackoff.", [nameof(MaxBackoff)]);
        }

        if (HeartbeatWindow is { } window && window <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Salesforce:Streaming:HeartbeatWindow must be positive when set.", [nameof(HeartbeatWindow)]);
        }
    }
}
