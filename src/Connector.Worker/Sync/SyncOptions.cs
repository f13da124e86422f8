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

    /// <summary>Refresh of the sales reps (User: active or not), which routing reads.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SectionName + ":RepsInterval must be between {1} and {2}.")]
    public TimeSpan RepsInterval { get; set; } = TimeSpan.FromMinutes(30);
}
