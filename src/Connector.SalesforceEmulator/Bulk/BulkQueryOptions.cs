using System.ComponentModel.DataAnnotations;

namespace Connector.SalesforceEmulator.Bulk;

/// <summary>Bulk API 2.0 query behaviour (section "Emulator:BulkQuery").</summary>
public sealed class BulkQueryOptions
{
    public const string SectionName = "Emulator:BulkQuery";

    /// <summary>
    /// How long a job stays InProgress before it runs: zero by default; tests and demos raise it to watch the
    /// state machine or to download results too early.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ProcessingDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Rows per results page when the caller sends no maxRecords.</summary>
    [Range(1, int.MaxValue)]
    public int DefaultMaxRecords { get; set; } = 100_000;
}
