using System.Text.Json;

namespace Connector.Salesforce.Bulk;

/// <summary>Bulk API 2.0 job states (fact sheet §6); <c>Open</c> exists for ingest jobs only.</summary>
public enum BulkJobState
{
    Unknown,
    UploadComplete,
    InProgress,
    JobComplete,
    Failed,
    Aborted,
}

/// <summary>What <c>GET jobs/query/{id}</c> reports about a query job.</summary>
public sealed record BulkQueryJob(string Id, string Operation, string Object, BulkJobState State, long RecordsProcessed, string? ErrorMessage)
{
    public bool IsTerminal => State is BulkJobState.JobComplete or BulkJobState.Failed or BulkJobState.Aborted;

    internal static BulkQueryJob Parse(JsonElement json)
    {
        static string? Str(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var state = Enum.TryParse<BulkJobState>(Str(json, "state"), ignoreCase: false, out var s) ? s : BulkJobState.Unknown;
        var processed = json.TryGetProperty("numberRecordsProcessed", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : 0;
        return new BulkQueryJob(
            Str(json, "id") ?? throw new SalesforceApiException("Bulk query job info without an id."),
            Str(json, "operation") ?? string.Empty,
            Str(json, "object") ?? string.Empty,
            state,
            processed,
            Str(json, "errorMessage"));
    }
}

/// <summary>
/// A Bulk API 2.0 query job ended without results (Failed, or Aborted by someone else) or its results could not
/// be read whole. <see cref="ErrorMessage"/> is Salesforce's own reason (e.g. "INVALID_FIELD : ...").
/// </summary>
public sealed class BulkQueryException : Exception
{
    public BulkQueryException(string jobId, BulkJobState state, string? errorMessage)
        : base($"Bulk query job {jobId} ended {state}: {errorMessage ?? "(no error message)"}")
    {
        JobId = jobId;
        State = state;
        ErrorMessage = errorMessage;
    }

    public BulkQueryException()
        : this(string.Empty, BulkJobState.Unknown, null)
    {
    }

    public BulkQueryException(string message)
        : base(message)
    {
        JobId = string.Empty;
    }

    public BulkQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
        JobId = string.Empty;
    }

    public string JobId { get; }
    public BulkJobState State { get; }
    public string? ErrorMessage { get; }
}
