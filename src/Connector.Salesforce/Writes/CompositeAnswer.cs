using System.Text.Json;

namespace Connector.Salesforce.Writes;

/// <summary>One subrequest's outcome in a Composite answer: its HTTP status and body (fact sheet §2.9).</summary>
public sealed record CompositeSubresult(string ReferenceId, int HttpStatusCode, JsonElement Body)
{
    /// <summary>The subrequest's response headers (Location of a create, Last-Modified of a describe), by name case-insensitively.</summary>
    public IReadOnlyDictionary<string, string> HttpHeaders { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public bool IsSuccess => HttpStatusCode is >= 200 and < 300;
}

/// <summary>Reads Composite answers: <c>{"compositeResponse":[{"body":…,"httpHeaders":{},"httpStatusCode":200,"referenceId":"…"}]}</c>.</summary>
public static class CompositeAnswer
{
    /// <summary>The subrequests' outcomes by reference id.</summary>
    public static IReadOnlyDictionary<string, CompositeSubresult> Parse(JsonElement answer)
    {
        if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("compositeResponse", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("Composite answered without a compositeResponse array.");
        }

        var results = new Dictionary<string, CompositeSubresult>(StringComparer.Ordinal);
        foreach (var item in items.EnumerateArray())
        {
            var referenceId = item.TryGetProperty("referenceId", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : throw new JsonException("A Composite result has no referenceId.");
            var status = item.TryGetProperty("httpStatusCode", out var s) && s.TryGetInt32(out var code) ? code : throw new JsonException($"Composite result {referenceId} has no httpStatusCode.");
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (item.TryGetProperty("httpHeaders", out var h) && h.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in h.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
                {
                    headers[header.Name] = header.Value.GetString()!;
                }
            }

            results[referenceId] = new CompositeSubresult(referenceId, status, item.TryGetProperty("body", out var body) ? body.Clone() : default) { HttpHeaders = headers };
        }

        return results;
    }

    /// <summary>
    /// The per-record results of a collection subrequest that carried <paramref name="count"/> records starting at
    /// <paramref name="firstIndex"/>. A 2xx subrequest answers one result per record, in order; any other status
    /// (the subrequest refused as a whole) fails each of its records with the subrequest's errors, except a 5xx: the
    /// org failed, not the records, so it is thrown as a <see cref="SalesforceApiException"/> of that status, as the
    /// same failure of a call of its own would be.
    /// </summary>
    public static IReadOnlyList<RecordResult> RecordResults(CompositeSubresult subresult, int firstIndex, int count)
    {
        ArgumentNullException.ThrowIfNull(subresult);
        if (subresult.HttpStatusCode is >= 200 and < 300)
        {
            var parsed = RecordResult.ParseBatch(subresult.Body, firstIndex);
            return parsed.Count == count ? parsed
                : throw new JsonException($"Composite subrequest {subresult.ReferenceId} answered {parsed.Count} results for {count} records.");
        }

        var errors = Errors(subresult);
        if (subresult.HttpStatusCode >= 500)
        {
            throw new SalesforceApiException((System.Net.HttpStatusCode)subresult.HttpStatusCode, errors, $"Composite subrequest {subresult.ReferenceId}");
        }

        return Enumerable.Range(firstIndex, count).Select(i => new RecordResult(i, null, false, null, errors) { CallRefused = true }).ToList();
    }

    /// <summary>The errors a failed subrequest answered (Salesforce's usual error array), or one naming its bare status.</summary>
    public static IReadOnlyList<SalesforceError> Errors(CompositeSubresult subresult)
    {
        ArgumentNullException.ThrowIfNull(subresult);
        var errors = subresult.Body.ValueKind == JsonValueKind.Array
            ? subresult.Body.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(SalesforceApiException.ParseError).ToList()
            : [];
        return errors.Count > 0 ? errors
            : [new SalesforceError($"HTTP_{subresult.HttpStatusCode}", $"Composite subrequest {subresult.ReferenceId} failed without an error body", [])];
    }
}
