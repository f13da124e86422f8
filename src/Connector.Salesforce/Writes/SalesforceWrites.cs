using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Connector.Salesforce.Http;
using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Writes;

/// <summary>
/// Record writes through sObject Collections (fact sheet §2.8): up to 200 records per call, one API call each,
/// per-record outcomes mapped back to the caller's order. Updates and upserts are marked idempotent (a replay
/// writes the same values again); creates are POSTs and are not: a create whose answer was lost cannot be
/// retried blindly without risking a duplicate. Records that must be created retry-safely should be written
/// with <see cref="UpsertAsync{T}"/> by an external id instead. Writes of several objects or kinds at once go
/// through <see cref="WriteCompositeAsync"/>: up to five collections subrequests in one Composite call, 1,000
/// records for one API call.
/// </summary>
public sealed class SalesforceWrites
{
    /// <summary>Records per sObject Collections call.</summary>
    public const int MaxBatch = 200;

    /// <summary>sObject Collections subrequests one Composite call may carry (Salesforce's cap, fact sheet §2.9).</summary>
    public const int MaxCollectionSubrequests = 5;

    /// <summary>Records one Composite call of collection subrequests writes at most: 5 × 200.</summary>
    public const int MaxCompositeRecords = MaxBatch * MaxCollectionSubrequests;

    private static readonly JsonSerializerOptions DefaultJson = new(SalesforceJson.Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly SalesforceHttp _http;
    private readonly ILogger<SalesforceWrites> _logger;

    public SalesforceWrites(SalesforceHttp http, ILogger<SalesforceWrites> logger)
    {
        _http = http;
        _logger = logger;
    }

    /// <summary>
    /// Creates records (POST, not idempotent: see the class remarks). <typeparamref name="T"/> is any type that
    /// serializes to a JSON object: a class, a dictionary or a <see cref="JsonObject"/>.
    /// </summary>
    public Task<IReadOnlyList<RecordResult>> CreateAsync<T>(string sObject, IReadOnlyList<T> records, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteAsync("Create", HttpMethod.Post, "composite/sobjects", sObject, records, null, idempotent: false, options, cancellationToken);

    /// <summary>Updates records; each must carry its Id.</summary>
    public Task<IReadOnlyList<RecordResult>> UpdateAsync<T>(string sObject, IReadOnlyList<T> records, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        WriteAsync("Update", HttpMethod.Patch, "composite/sobjects", sObject, records, "Id", idempotent: true, options, cancellationToken);

    /// <summary>Upserts records by an external-id field each record carries; results say created or updated.</summary>
    public Task<IReadOnlyList<RecordResult>> UpsertAsync<T>(string sObject, string externalIdField, IReadOnlyList<T> records, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(externalIdField);
        return WriteAsync("Upsert", HttpMethod.Patch, $"composite/sobjects/{Uri.EscapeDataString(sObject)}/{Uri.EscapeDataString(externalIdField)}",
            sObject, records, externalIdField, idempotent: true, options, cancellationToken);
    }

    /// <summary>
    /// Upserts one record by external id (<c>PATCH /sobjects/{type}/{field}/{value}</c>). 201 → created; 200 (API
    /// 46.0+) or 204 (older) → updated. Several matches (300) → <see cref="UpsertMultipleMatchesException"/>.
    /// </summary>
    public async Task<UpsertResult> UpsertOneAsync<T>(string sObject, string externalIdField, string externalId, T record, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sObject);
        ArgumentException.ThrowIfNullOrWhiteSpace(externalIdField);
        ArgumentException.ThrowIfNullOrEmpty(externalId);
        if (externalId.Contains('/', StringComparison.Ordinal))
        {
            // An encoded slash in a path segment is not reliably decoded on the way in; the value could land
            // as "a%2Fb". The collection upsert carries the key in the body, where any character is safe.
            throw new ArgumentException($"An external id containing '/' cannot travel in the upsert URL; use {nameof(UpsertAsync)} (sObject Collections) for it.", nameof(externalId));
        }

        options ??= WriteOptions.Default;
        var body = ToJsonObject(record, options);
        // The URL names the key; the same field in the body would be a second, possibly different, value.
        foreach (var key in body.Select(p => p.Key).Where(k => k.Equals(externalIdField, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            body.Remove(key);
        }

        var path = _http.Api($"sobjects/{Uri.EscapeDataString(sObject)}/{Uri.EscapeDataString(externalIdField)}/{Uri.EscapeDataString(externalId)}");
        using var request = new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = JsonContent.Create(body, options: SalesforceJson.Options),
        }.WithPriority(options.Priority).AsIdempotent();
        AddAutoAssign(request, options, [body]);

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.MultipleChoices)
        {
            var matches = UpsertMultipleMatchesException.ParseMatches(text);
            Log.UpsertMultipleMatches(_logger, sObject, externalIdField, matches.Count);
            throw new UpsertMultipleMatchesException(SalesforceRequest.Describe(request), matches);
        }

        if (response.StatusCode == HttpStatusCode.NoContent || string.IsNullOrWhiteSpace(text))
        {
            // API < 46.0 answers an update with 204 and no body: the record's id is not told.
            return new UpsertResult(null, Created: false);
        }

        using var doc = JsonDocument.Parse(text);
        var result = RecordResult.Parse(doc.RootElement, 0);
        return new UpsertResult(result.Id, result.Created ?? response.StatusCode == HttpStatusCode.Created);
    }

    /// <summary>
    /// Sends several collection writes through Composite (fact sheet §2.9): each write is cut into subrequests of at
    /// most 200 records, at most 5 subrequests per Composite call, so up to 1,000 records cost one API call whatever
    /// their objects and operations. allOrNone is false at both levels: every subrequest and every record stands
    /// alone. Returns, for each write, its records' results in input order (<see cref="RecordResult.Index"/> counts
    /// within the write). A subrequest refused as a whole (malformed, a field the org lacks) fails each of its records
    /// with the subrequest's errors; the other subrequests' records keep their own outcomes. If a Composite call after
    /// the first fails at the HTTP level, <see cref="PartialWriteException"/> carries the results of the calls before
    /// it, their indexes counted across the writes' records laid end to end.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<RecordResult>>> WriteCompositeAsync(IReadOnlyList<CollectionWrite> writes,
        CallPriority priority = CallPriority.Normal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var subrequests = new List<CompositeSubrequest>();
        var offsets = new int[writes.Count];
        for (int w = 0, offset = 0; w < writes.Count; offset += writes[w].Records.Count, w++)
        {
            ArgumentNullException.ThrowIfNull(writes[w], nameof(writes));
            offsets[w] = offset;
            for (var start = 0; start < writes[w].Records.Count; start += MaxBatch)
            {
                subrequests.Add(new CompositeSubrequest($"w{w}_{start}", w, start, Math.Min(MaxBatch, writes[w].Records.Count - start)));
            }
        }

        var results = writes.Select(w => new RecordResult[w.Records.Count]).ToArray();
        var calls = 0;
        for (var first = 0; first < subrequests.Count; first += MaxCollectionSubrequests)
        {
            var chunk = subrequests.GetRange(first, Math.Min(MaxCollectionSubrequests, subrequests.Count - first));
            var payload = new JsonObject
            {
                ["allOrNone"] = false,
                ["compositeRequest"] = new JsonArray([.. chunk.Select(c => Subrequest(writes[c.Write], c))]),
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, _http.Api("composite"))
            {
                Content = JsonContent.Create(payload, options: SalesforceJson.Options),
            }.WithPriority(priority).AsIdempotent(chunk.All(c => writes[c.Write].Idempotent));
            try
            {
                calls++;
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
                var byReference = CompositeAnswer.Parse(answer);
                foreach (var c in chunk)
                {
                    var sub = byReference.TryGetValue(c.ReferenceId, out var found) ? found
                        : throw new JsonException($"Composite answered without a result for subrequest {c.ReferenceId}.");
                    foreach (var r in CompositeAnswer.RecordResults(sub, c.Start, c.Count))
                    {
                        results[c.Write][r.Index] = r;
                    }
                }
            }
            catch (Exception e) when (first > 0 && e is not OperationCanceledException)
            {
                var completed = subrequests.Take(first)
                    .SelectMany(c => results[c.Write].Skip(c.Start).Take(c.Count).Select(r => r with { Index = offsets[c.Write] + r.Index }))
                    .ToList();
                throw new PartialWriteException(completed, offsets[chunk[0].Write] + chunk[0].Start, e);
            }
        }

        for (var w = 0; w < writes.Count; w++)
        {
            Log.CollectionWritten(_logger, "Composite " + writes[w].Operation, writes[w].Records.Count, writes[w].SObject, results[w].Count(r => !r.Success), calls);
        }

        return results;
    }

    private JsonObject Subrequest(CollectionWrite write, CompositeSubrequest c)
    {
        var records = write.Records.Skip(c.Start).Take(c.Count).ToList();
        var subrequest = new JsonObject
        {
            ["method"] = write.Method.Method,
            ["url"] = "/" + _http.Api(write.Relative).TrimStart('/'),
            ["referenceId"] = c.ReferenceId,
            ["body"] = new JsonObject { ["allOrNone"] = false, ["records"] = new JsonArray([.. records.Select(r => r.DeepClone())]) },
        };
        // Only Sforce-Auto-Assign travels per subrequest; Accept, Authorization and Content-Type are refused there.
        if (write.AutoAssignHeader(records) is { } autoAssign)
        {
            subrequest["httpHeaders"] = new JsonObject { ["Sforce-Auto-Assign"] = autoAssign };
        }

        return subrequest;
    }

    private sealed record CompositeSubrequest(string ReferenceId, int Write, int Start, int Count);

    private async Task<IReadOnlyList<RecordResult>> WriteAsync<T>(string operation, HttpMethod method, string relative, string sObject, IReadOnlyList<T> records,
        string? requiredField, bool idempotent, WriteOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sObject);
        ArgumentNullException.ThrowIfNull(records);
        options ??= WriteOptions.Default;
        if (options.AllOrNone && records.Count > MaxBatch)
        {
            throw new ArgumentException($"AllOrNone is atomic within one call of at most {MaxBatch} records; {records.Count} would span several.", nameof(options));
        }

        var bodies = Bodies(operation, sObject, records, requiredField, options.Json);
        var results = new List<RecordResult>(records.Count);
        var calls = 0;
        for (var start = 0; start < bodies.Count; start += MaxBatch)
        {
            var batch = bodies.GetRange(start, Math.Min(MaxBatch, bodies.Count - start));
            var payload = new JsonObject { ["allOrNone"] = options.AllOrNone, ["records"] = new JsonArray([.. batch]) };
            using var request = new HttpRequestMessage(method, _http.Api(relative))
            {
                Content = JsonContent.Create(payload, options: SalesforceJson.Options),
            }.WithPriority(options.Priority).AsIdempotent(idempotent);
            AddAutoAssign(request, options, batch);
            try
            {
                calls++;
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
                var parsed = RecordResult.ParseBatch(answer, start);
                if (parsed.Count != batch.Count)
                {
                    throw new JsonException($"sObject Collections answered {parsed.Count} results for {batch.Count} records.");
                }

                results.AddRange(parsed);
            }
            catch (Exception e) when (start > 0 && e is not OperationCanceledException)
            {
                throw new PartialWriteException(results, start, e);
            }
        }

        Log.CollectionWritten(_logger, operation, records.Count, sObject, results.Count(r => !r.Success), calls);
        return results;
    }

    private static JsonObject ToJsonObject<T>(T record, WriteOptions options) => ToJsonObject(record, options.Json);

    private static JsonObject ToJsonObject<T>(T record, JsonSerializerOptions? json)
    {
        ArgumentNullException.ThrowIfNull(record);
        var node = record is JsonObject o ? o.DeepClone() : JsonSerializer.SerializeToNode(record, json ?? DefaultJson);
        return node as JsonObject ?? throw new ArgumentException($"A {typeof(T).Name} does not serialize to a JSON object.", nameof(record));
    }

    /// <summary>Records as collection rows: JSON objects led by <c>attributes.type</c>, each carrying <paramref name="requiredField"/> when given.</summary>
    internal static List<JsonObject> Bodies<T>(string operation, string sObject, IReadOnlyList<T> records, string? requiredField, JsonSerializerOptions? json)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sObject);
        ArgumentNullException.ThrowIfNull(records);
        var bodies = new List<JsonObject>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var body = ToJsonObject(records[i], json);
            if (requiredField is not null && !body.Any(p => p.Key.Equals(requiredField, StringComparison.OrdinalIgnoreCase) && p.Value is not null))
            {
                throw new ArgumentException($"Record {i} has no {requiredField}: {operation.ToLowerInvariant()} needs it on every record.", nameof(records));
            }

            body.Remove("attributes");
            var withType = new JsonObject { ["attributes"] = new JsonObject { ["type"] = sObject } };
            foreach (var (key, value) in body.ToList())
            {
                body.Remove(key);
                withType[key] = value;
            }

            bodies.Add(withType);
        }

        return bodies;
    }

    /// <summary>
    /// Sforce-Auto-Assign: as asked, else FALSE when any record sets OwnerId (an assignment rule would otherwise
    /// overwrite the owner chosen, fact sheet §3.1), else none (Salesforce's default, TRUE).
    /// </summary>
    internal static string? AutoAssignValue(bool? autoAssign, IEnumerable<JsonObject> records) => autoAssign switch
    {
        true => "TRUE",
        false => "FALSE",
        null when records.Any(r => r.Any(p => p.Key.Equals("OwnerId", StringComparison.OrdinalIgnoreCase) && p.Value is not null)) => "FALSE",
        null => null,
    };

    private static void AddAutoAssign(HttpRequestMessage request, WriteOptions options, IEnumerable<JsonObject> records)
    {
        if (AutoAssignValue(options.AutoAssign, records) is { } value)
        {
            request.Headers.TryAddWithoutValidation("Sforce-Auto-Assign", value);
        }
    }
}
