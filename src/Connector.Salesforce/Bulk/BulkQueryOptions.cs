using Connector.Salesforce.Http;

namespace Connector.Salesforce.Bulk;

/// <summary>
/// How one Bulk API 2.0 query runs: which records (queryAll), how big a results page is, and how the job is
/// polled. Polling backs off from <see cref="FirstPollDelay"/> by <see cref="PollBackoffFactor"/> up to
/// <see cref="MaxPollDelay"/>: each status check is an API call counted against the org's daily allocation.
/// </summary>
public sealed record BulkQueryOptions
{
    public static BulkQueryOptions Default { get; } = new();

    /// <summary>queryAll: include deleted and archived records (fact sheet §6).</summary>
    public bool IncludeDeleted { get; init; }

    /// <summary>Rows per results page (<c>maxRecords</c>); null lets Salesforce choose. Each page is one API call.</summary>
    public int? MaxRecordsPerPage { get; init; }

    public TimeSpan FirstPollDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxPollDelay { get; init; } = TimeSpan.FromSeconds(30);
    public double PollBackoffFactor { get; init; } = 2;

    /// <summary>
    /// Request the next results page as soon as the current page's headers name it, while the current one is read: its
    /// round trip (and the org's time to start it) overlaps the reading instead of stalling the reader at each page
    /// boundary. The same requests are made, with at most one page opened ahead; a reader that stops early has made one
    /// request more. Off by default, so a consumer that may stop early pays for no page it does not reach.
    /// </summary>
    public bool ReadAhead { get; init; }

    /// <summary>Exports are backfills and reconciliations: they yield to routing when the API budget runs low.</summary>
    public CallPriority Priority { get; init; } = CallPriority.Background;

    internal void Validate()
    {
        if (MaxRecordsPerPage is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRecordsPerPage), MaxRecordsPerPage, "MaxRecordsPerPage must be positive.");
        }

        if (FirstPollDelay < TimeSpan.Zero || MaxPollDelay < FirstPollDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPollDelay), MaxPollDelay, "Poll delays must satisfy 0 <= FirstPollDelay <= MaxPollDelay.");
        }

        if (!(PollBackoffFactor >= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(PollBackoffFactor), PollBackoffFactor, "PollBackoffFactor must be at least 1.");
        }
    }
}
