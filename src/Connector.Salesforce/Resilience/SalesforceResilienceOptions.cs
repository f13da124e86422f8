using System.ComponentModel.DataAnnotations;

namespace Connector.Salesforce.Resilience;

/// <summary>
/// Retries and circuit breaking of Salesforce calls (section "Salesforce:Resilience"). The per-attempt timeout
/// is <see cref="SalesforceOptions.RequestTimeout"/>.
/// </summary>
public sealed class SalesforceResilienceOptions : IValidatableObject
{
    public const string SectionName = SalesforceOptions.SectionName + ":Resilience";

    /// <summary>Attempts per call including the first (1 turns retries off).</summary>
    [Range(1, 10)] public int MaxAttempts { get; set; } = 4;

    /// <summary>First backoff; later ones grow exponentially with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Cap of any one backoff.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Share of failed attempts (5xx, network errors, timeouts) within the sampling window that opens the circuit.</summary>
    [Range(0.01, 1.0)] public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>Attempts the window must hold before the ratio counts, so a few failures at start-up don't open it.</summary>
    [Range(2, int.MaxValue)] public int CircuitMinimumThroughput { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long calls fail fast once the circuit opened, before one probe is let through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BaseDelay > MaxDelay)
        {
            yield return new ValidationResult($"{SectionName}:BaseDelay ({BaseDelay}) must not exceed {SectionName}:MaxDelay ({MaxDelay}).", [nameof(BaseDelay)]);
        }
    }
}
