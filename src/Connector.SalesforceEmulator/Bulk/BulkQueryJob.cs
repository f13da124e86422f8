using System.Globalization;
using System.Text.Json;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Soql;

namespace Connector.SalesforceEmulator.Bulk;

/// <summary>Job states as Bulk API 2.0 spells them (Open is ingest-only).</summary>
public enum BulkJobState
{
    UploadComplete,
    InProgress,
    Aborted,
    JobComplete,
    Failed,
}

/// <summary>
/// One Bulk API 2.0 query job. The runner fills <see cref="Results"/> with the records the query matched when it
/// ran; result pages read those records' current values. State is guarded by the job itself (requests and the
/// runner touch it from different threads).
/// </summary>
public sealed class BulkQueryJob
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _locators = new(StringComparer.Ordinal);
    private BulkJobState _state = BulkJobState.UploadComplete;
    private SObjectRecord[] _results = [];
    private long _processed;
    private long _processingMs;
    private string? _errorMessage;
    private DateTimeOffset _systemModstamp;

    public BulkQueryJob(string id, SoqlQuery query, bool queryAll, string createdById, DateTimeOffset createdDate,
        string apiVersion, char delimiter, string delimiterName, string lineEnding, string lineEndingName)
    {
        Id = id;
        Query = query;
        QueryAll = queryAll;
        CreatedById = createdById;
        CreatedDate = createdDate;
        _systemModstamp = createdDate;
        ApiVersion = apiVersion;
        Delimiter = delimiter;
        DelimiterName = delimiterName;
        LineEnding = lineEnding;
        LineEndingName = lineEndingName;
    }

    public string Id { get; }
    public SoqlQuery Query { get; }
    public bool QueryAll { get; }
    public string Operation => QueryAll ? "queryAll" : "query";
    public string CreatedById { get; }
    public DateTimeOffset CreatedDate { get; }
    /// <summary>"62.0": results must be fetched with the same version.</summary>
    public string ApiVersion { get; }
    public char Delimiter { get; }
    public string DelimiterName { get; }
    public string LineEnding { get; }
    public string LineEndingName { get; }
    internal CancellationTokenSource Cancellation { get; } = new();

    public BulkJobState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    public IReadOnlyList<SObjectRecord> Results
    {
        get
        {
            lock (_lock)
            {
                return _results;
            }
        }
    }

    /// <summary>Moves to <paramref name="to"/> unless the job already ended (an abort wins over a finishing runner).</summary>
    internal bool TryMove(BulkJobState to, DateTimeOffset now, SObjectRecord[]? results = null, long processingMs = 0, string? error = null)
    {
        lock (_lock)
        {
            if (_state is BulkJobState.Aborted or BulkJobState.JobComplete or BulkJobState.Failed)
            {
                return false;
            }

            _state = to;
            _systemModstamp = now;
            if (results is not null)
            {
                _results = results;
                _processed = results.Length;
            }

            _processingMs = processingMs;
            _errorMessage = error;
            return true;
        }
    }

    /// <summary>The opaque locator for the page starting at <paramref name="offset"/> (stable per offset).</summary>
    internal string LocatorFor(int offset)
    {
        lock (_lock)
        {
            foreach (var (locator, start) in _locators)
            {
                if (start == offset)
                {
                    return locator;
                }
            }

            // API 49.0+ locators are pseudo-random strings, not offsets a client could compute.
            Span<byte> bytes = stackalloc byte[8];
            System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
            var text = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', 'x').Replace('/', 'y');
            _locators[text] = offset;
            return text;
        }
    }

    internal int? OffsetOf(string locator)
    {
        lock (_lock)
        {
            return _locators.TryGetValue(locator, out var offset) ? offset : null;
        }
    }

    /// <summary>Job info in the real key order (fixture bulk2/query_job_info_jobcomplete_doc_example.json).</summary>
    public void WriteInfo(Utf8JsonWriter writer, bool created)
    {
        lock (_lock)
        {
            writer.WriteStartObject();
            writer.WriteString("id", Id);
            writer.WriteString("operation", Operation);
            writer.WriteString("object", Query.SObject.Name);
            writer.WriteString("createdById", CreatedById);
            writer.WriteString("createdDate", FieldValues.FormatDateTime(CreatedDate));
            writer.WriteString("systemModstamp", FieldValues.FormatDateTime(_systemModstamp));
            writer.WriteString("state", _state.ToString());
            writer.WriteString("concurrencyMode", "Parallel");
            writer.WriteString("contentType", "CSV");
            writer.WritePropertyName("apiVersion");
            writer.WriteRawValue(ApiVersion);
            if (!created)
            {
                writer.WriteString("jobType", "V2Query");
            }

            writer.WriteString("lineEnding", LineEndingName);
            writer.WriteString("columnDelimiter", DelimiterName);
            if (!created)
            {
                writer.WriteNumber("numberRecordsProcessed", _processed);
                writer.WriteNumber("retries", 0);
                writer.WriteNumber("totalProcessingTime", _processingMs);
                if (_errorMessage is not null)
                {
                    writer.WriteString("errorMessage", _errorMessage);
                }

                writer.WriteBoolean("isPkChunkingSupported", PkChunkingSupported(Query.SObject.Name));
            }

            writer.WriteEndObject();
        }
    }

    // PK chunking is offered for standard objects like Account/Lead and for custom objects.
    private static bool PkChunkingSupported(string sobject) =>
        sobject.EndsWith("__c", StringComparison.Ordinal) || sobject is "Account" or "Contact" or "Lead" or "Opportunity" or "User";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Id} {Operation} {Query.SObject.Name} {State}");
}
