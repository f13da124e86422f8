using System.ComponentModel.DataAnnotations;

namespace Connector.Worker.Sync;

/// <summary>How the worker keeps up with Salesforce (section "Worker:Sync").</summary>
public sealed class SyncOptions
{
    public const string SectionName = "Worker:Sync";

    /// <summary>Real-time sync over Change Data Capture; off leaves the catch-up schedule alone (polling mode).</summary>
    public bool Streaming { get; set; } = true;

    /// <summary>How often the catch-up query runs as a safety net even when streaming is healthy.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SectionName + ":CatchUpInterval must be between {1} and {2}.")]
    public TimeSpan CatchUpInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the reconciliation sweep compares the ledger with Salesforce (drift detection).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = SectionName + ":ReconcileInterval must be between {1} and {2}.")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often matured retention stages are evaluated.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SectionName + ":RetentionInterval must be between {1} and {2}.")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often changed advocate profiles are written back to Advocate__c (batched; coalesces bursts).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00", ErrorMessage = SectionName + ":ProfileInterval must be between {1} and {2}.")]
    public TimeSpan ProfileInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the records the processor asked to re-read (converted leads' opportunities) are read, batched.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = SectionName + ":ResyncInterval must be between {1} and {2}.")]
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(2);

    [Range(200, 2000, ErrorMessage = SectionName + ":CatchUpPageSize must be between {1} and {2}.")]
    public int CatchUpPageSize { get; set; } = 2000;

    [Range(1, 1000, ErrorMessage = SectionName + ":ApplyBatchSize must be between {1} and {2}.")]
    public int ApplyBatchSize { get; set; } = 100;

    /// <summary>
    /// A first catch-up (no cursor yet) of an object with more matching records than this runs as one Bulk API 2.0
    /// query job instead of REST pages of 2,000 (a COUNT() query decides).
    /// </summary>
    [Range(0, int.MaxValue, ErrorMessage = SectionName + ":BulkBackfillThreshold must be 0 or more.")]
    public int BulkBackfillThreshold { get; set; } = 10_000;

    /// <summary>
    /// Records per ledger transaction during a Bulk backfill (each commit also stores the backfill's progress). Small
    /// enough that a batch's objects die in the GC's first generation: measured, 500 is as fast as 2,000 at a million
    /// leads and faster at 300,000, with 40–50 MB less memory (larger batches were promoted and collected old).
    /// </summary>
    [Range(1, 20_000, ErrorMessage = SectionName + ":BulkApplyBatchSize must be between {1} and {2}.")]
    public int BulkApplyBatchSize { get; set; } = 500;

    /// <summary>Rows per Bulk results page (each page is one API call); empty lets Salesforce choose.</summary>
    [Range(100, 1_000_000, ErrorMessage = SectionName + ":BulkPageSize must be between {1} and {2}.")]
    public int? BulkPageSize { get; set; }

    /// <summary>First wait before checking a Bulk job's state; doubles up to 30 s (each check is an API call).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = SectionName + ":BulkPollDelay must be between {1} and {2}.")]
    public TimeSpan BulkPollDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Refresh of the sales reps (User: active or not), which routing reads.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SectionName + ":RepsInterval must be between {1} and {2}.")]
    public TimeSpan RepsInterval { get; set; } = TimeSpan.FromMinutes(30);
}
