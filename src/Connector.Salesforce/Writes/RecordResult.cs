using System.Net;
using System.Text.Json;

namespace Connector.Salesforce.Writes;

/// <summary>
/// The outcome of one record of a collection write, at its position in the caller's input (across batches).
/// <see cref="Created"/> is set by upserts only; failed rows carry Salesforce's per-record errors (statusCode).
/// </summary>
public sealed record RecordResult(int Index, string? Id, bool Success, bool? Created, IReadOnlyList<SalesforceError> Errors)
{
    /// <summary>
    /// The record was never looked at: the Composite subrequest carrying it was refused as a whole (malformed, a field
    /// the org lacks), and <see cref="Errors"/> are that refusal's, shared by every record of the subrequest.
    /// </summary>
    public bool CallRefused { get; init; }

    /// <summary>Parses a collection answer (an array in request order), numbering rows from <paramref name="firstIndex"/>.</summary>
    public static IReadOnlyList<RecordResult> ParseBatch(JsonElement results, int firstIndex)
    {
        if (results.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("sObject Collections answered without a result array.");
        }

        return results.EnumerateArray().Select((r, i) => Parse(r, firstIndex + i)).ToList();
    }

    public static RecordResult Parse(JsonElement r, int index)
    {
        var id = r.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        var success = r.TryGetProperty("success", out var s) && s.ValueKind == JsonValueKind.True;
        bool? created = r.TryGetProperty("created", out var c) && c.ValueKind is JsonValueKind.True or JsonValueKind.False ? c.GetBoolean() : null;
        var errors = r.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Array
            ? e.EnumerateArray().Select(SalesforceApiException.ParseError).ToList()
            : [];
        return new RecordResult(index, id, success, created, errors);
    }
}

/// <summary>The answer of a single-record upsert by external id; Id is null for an update answered 204 (API &lt; 46.0).</summary>
public sealed record UpsertResult(string? Id, bool Created);

/// <summary>
/// An upsert whose external id matched several records (HTTP 300): nothing was written. Carries the
/// matching records' URLs and ids so the duplicates can be cleaned up.
/// </summary>
public sealed class UpsertMultipleMatchesException : SalesforceApiException
{
    public UpsertMultipleMatchesException(string request, IReadOnlyList<string> matchUrls)
        : base(HttpStatusCode.MultipleChoices,
            [new SalesforceError("MULTIPLE_CHOICES", $"{matchUrls.Count} records match the external id", [])], request)
    {
        MatchUrls = matchUrls;
        MatchIds = matchUrls.Select(u => u.TrimEnd('/')).Select(u => u[(u.LastIndexOf('/') + 1)..]).ToList();
    }

    public UpsertMultipleMatchesException()
        : this("request", [])
    {
    }

    public UpsertMultipleMatchesException(string message)
        : base(message)
    {
        MatchUrls = [];
        MatchIds = [];
    }

    public UpsertMultipleMatchesException(string message, Exception innerException)
        : base(message, innerException)
    {
        MatchUrls = [];
        MatchIds = [];
    }

    public IReadOnlyList<string> MatchUrls { get; }
    public IReadOnlyList<string> MatchIds { get; }

    /// <summary>Parses the 300 body: a JSON array of record URLs (older orgs) or of objects carrying them.</summary>
    public static IReadOnlyList<string> ParseMatches(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.ValueKind != JsonValueKind.Array
            ? []
            : doc.RootElement.EnumerateArray()
                .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()
                    : e.ValueKind == JsonValueKind.Object && e.TryGetProperty("attributes", out var a) && a.TryGetProperty("url", out var u) ? u.GetString()
                    : null)
                .OfType<string>()
                .ToList();
    }
}

/// <summary>
/// A write of several batches failed at the HTTP level after earlier batches were committed. Those
/// batches' results are in <see cref="Completed"/>; the failing batch and the ones after it were not applied
/// (or, for a create whose answer was lost, may have been: creates are not retry-safe).
/// </summary>
public sealed class PartialWriteException : Exception
{
    public PartialWriteException(IReadOnlyList<RecordResult> completed, int failedAtIndex, Exception innerException)
        : base($"Collection write failed at record {failedAtIndex} after {completed.Count} records were written: {innerException.Message}", innerException)
    {
        Completed = completed;
        FailedAtIndex = failedAtIndex;
    }

    public PartialWriteException()
        : this("Collection write failed.")
    {
    }

    public PartialWriteException(string message)
        : base(message)
    {
        Completed = [];
    }

    public PartialWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
        Completed = [];
    }

    public IReadOnlyList<RecordResult> Completed { get; }

    /// <summary>Input index of the first record of the batch that failed.</summary>
    public int FailedAtIndex { get; }
}
