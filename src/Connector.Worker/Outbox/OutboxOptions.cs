using System.ComponentModel.DataAnnotations;
using Connector.Salesforce.Writes;

namespace Connector.Worker.Outbox;

/// <summary>How the outbox dispatcher batches and retries Salesforce writes (section "Worker:Outbox").</summary>
public sealed class OutboxOptions : IValidatableObject
{
    public const string SectionName = "Worker:Outbox";

    /// <summary>
    /// Messages per flush. A flush is one Composite call of at most five sObject Collections subrequests of 200
    /// records, so at most 1,000 writes; fewer when they span several objects or kinds.
    /// </summary>
    [Range(1, SalesforceWrites.MaxCompositeRecords, ErrorMessage = SectionName + ":BatchSize must be between {1} and {2} (one Composite call carries at most 5 sObject Collections subrequests of 200 records).")]
    public int BatchSize { get; set; } = SalesforceWrites.MaxCompositeRecords;

    /// <summary>
    /// The longest an owner change waits for company before a batch that is not full goes out: the bound on what
    /// batching adds to lead routing's latency. With leads arriving steadily, batches go out every Linger.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = SectionName + ":Linger must be between {1} and {2}.")]
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>
    /// A batch with owner changes goes out early when no new message has joined it for this long: the burst is over
    /// (or it is a trickle), and waiting out the rest of <see cref="Linger"/> would add latency without saving calls.
    /// At or above Linger it never acts.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = SectionName + ":QuietPeriod must be between {1} and {2}.")]
    public TimeSpan QuietPeriod { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// The longest a profile write (ProfileUpdate, ProfileUpsert) waits: while leads flow it rides along with the next
    /// owner changes' flush (they go out at least every <see cref="Linger"/>, so a little more than Linger is enough),
    /// otherwise it goes on its own after this. ProfileSync already gathers an interval's profile changes into one burst.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = SectionName + ":BackgroundLinger must be between {1} and {2}.")]
    public TimeSpan BackgroundLinger { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often an idle dispatcher looks for new messages (the sync path can wake it sooner with <see cref="OutboxDispatcher.Notify"/>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = SectionName + ":PollInterval must be between {1} and {2}.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Failed attempts after which a message is left for an operator (it is never dropped).</summary>
    [Range(1, 100, ErrorMessage = SectionName + ":MaxAttempts must be between {1} and {2}.")]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait after a message's first failure, doubling per attempt up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = SectionName + ":RetryBaseDelay must be between {1} and {2}.")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = SectionName + ":RetryMaxDelay must be between {1} and {2}.")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Pause of the whole dispatcher after a transient failure (Salesforce 5xx, circuit open, API budget at the
    /// reserve), doubling while it lasts up to <see cref="TransientRetryMaxDelay"/>. Costs no message an attempt.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = SectionName + ":TransientRetryDelay must be between {1} and {2}.")]
    public TimeSpan TransientRetryDelay { get; set; } = TimeSpan.FromSeconds(15);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = SectionName + ":TransientRetryMaxDelay must be between {1} and {2}.")]
    public TimeSpan TransientRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Pending messages read beyond a batch, so messages waiting out their retry backoff at the head of the queue do
    /// not hold back newer ones (the ledger offers them oldest first and knows nothing of backoff).
    /// </summary>
    [Range(0, 10_000, ErrorMessage = SectionName + ":LookAhead must be between {1} and {2}.")]
    public int LookAhead { get; set; } = 800;

    /// <summary>Re-read owners after each owner-change batch (one query) to catch an assignment rule or automation that overrode them.</summary>
    public bool VerifyOwners { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {

        if (RetryBaseDelay > RetryMaxDelay)
        {
            yield return new ValidationResult($"{SectionName}:RetryBaseDelay ({RetryBaseDelay}) must not exceed {SectionName}:RetryMaxDelay ({RetryMaxDelay}).", [nameof(RetryBaseDelay)]);
        }

        if (TransientRetryDelay > TransientRetryMaxDelay)
        {
            yield return new ValidationResult($"{SectionName}:TransientRetryDelay ({TransientRetryDelay}) must not exceed {SectionName}:TransientRetryMaxDelay ({TransientRetryMaxDelay}).", [nameof(TransientRetryDelay)]);
        }
    }

    /// <summary>How long a message that failed <paramref name="attempts"/> times waits before its next try.</summary>
    public TimeSpan RetryDelay(int attempts) => Doubling(RetryBaseDelay, RetryMaxDelay, attempts);

    /// <summary>How long the dispatcher pauses after <paramref name="failures"/> transient failures in a row.</summary>
    public TimeSpan TransientDelay(int failures) => Doubling(TransientRetryDelay, TransientRetryMaxDelay, failures);

    private static TimeSpan Doubling(TimeSpan first, TimeSpan max, int count)
    {
        if (count <= 0)
        {
            return TimeSpan.Zero;
        }

        var factor = Math.Pow(2, Math.Min(count - 1, 30));
        var ticks = first.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}
