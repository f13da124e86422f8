namespace Connector.SalesforceEmulator.Faults;

/// <summary>
/// Injected misbehaviour (section "Emulator:Faults", and live through POST /emulator/faults). Rates are
/// probabilities per request in [0, 1], drawn from one seeded generator so a run can be repeated.
/// </summary>
public sealed record FaultSettings
{
    public int Seed { get; init; } = 1;

    /// <summary>Added to every REST call: fixed part plus a uniformly drawn jitter.</summary>
    public int LatencyMs { get; init; }
    public int JitterMs { get; init; }

    public double Http503Rate { get; init; }
    public double Http500Rate { get; init; }
    public double UnableToLockRowRate { get; init; }

    /// <summary>Requests that never answer: the server holds them for <see cref="TimeoutHoldMs"/> then drops the connection.</summary>
    public double TimeoutRate { get; init; }
    public int TimeoutHoldMs { get; init; } = 30_000;

    /// <summary>Only REST calls whose "METHOD /route" contains this text are affected (null: all).</summary>
    public string? EndpointFilter { get; init; }

    /// <summary>Streaming: probability that a /meta/connect long poll is cut (connection aborted).</summary>
    public double DropStreamingConnectionRate { get; init; }

    /// <summary>Streaming: extra delay before an event is delivered to subscribers.</summary>
    public int EventDeliveryDelayMs { get; init; }

    public void Validate()
    {
        foreach (var (name, rate) in new[] { (nameof(Http503Rate), Http503Rate), (nameof(Http500Rate), Http500Rate), (nameof(UnableToLockRowRate), UnableToLockRowRate), (nameof(TimeoutRate), TimeoutRate), (nameof(DropStreamingConnectionRate), DropStreamingConnectionRate) })
        {
            if (rate is < 0 or > 1 || double.IsNaN(rate))
            {
                throw new ArgumentException($"Fault setting {name} must be a probability between 0 and 1, got {rate}.");
            }
        }

        if (LatencyMs < 0 || JitterMs < 0 || TimeoutHoldMs < 0 || EventDeliveryDelayMs < 0)
        {
            throw new ArgumentException("Fault delays (LatencyMs, JitterMs, TimeoutHoldMs, EventDeliveryDelayMs) must not be negative.");
        }
    }
}
