using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Limits;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>
/// Composite (≤ 25 dependent subrequests, of which ≤ 5 sObject Collections or query ones, one API call, optional
/// allOrNone in one transaction, @{ref.path} references) and Composite Batch (≤ 25 independent subrequests, each one
/// API call) — fact sheet §2.9.
/// </summary>
public static partial class CompositeEndpoints
{
    public const int MaxSubrequests = 25;

    /// <summary>
    /// "Up to 5 of these subrequests can be sObject Collections or query operations, including Query and QueryAll
    /// requests" (REST API guide, Composite). A collection subrequest carries up to 200 records, so one Composite call
    /// writes at most 1,000 records through collections.
    /// </summary>
    public const int MaxCollectionOrQuerySubrequests = 5;

    private static readonly string[] ForbiddenHeaders = ["Accept", "Authorization", "Content-Type"];

    public static RouteGroupBuilder MapComposite(this RouteGroupBuilder api)
    {
        api.MapPost("/composite", CompositeAsync);
        api.MapPost("/composite/batch", BatchAsync);
        return api;
    }

    private static async Task<IResult> CompositeAsync(HttpContext http, SubrequestDispatcher dispatcher, OrgStore store)
    {
        var rest = RestContext.Of(http);
        var body = JsonNode.Parse((await SObjectEndpoints.ReadBodyAsync(http)).GetRawText()) as JsonObject
            ?? throw new SalesforceException(400, "JSON_PARSER_ERROR", "The request body must be a JSON object.");
        if (body["compositeRequest"] is not JsonArray requests || requests.Count == 0)
        {
            throw new SalesforceException(400, "INVALID_INPUT", "compositeRequest is required and must not be empty");
        }

        if (requests.Count > MaxSubrequests)
        {
            throw new SalesforceException(400, "LIMIT_EXCEEDED", $"Limit Exceeded: Too many subrequests. Max: {MaxSubrequests}");
        }

        var allOrNone = body["allOrNone"]?.GetValue<bool>() ?? false;
        var parsed = requests.Select(Parse).ToList();
        var duplicates = parsed.GroupBy(r => r.ReferenceId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicates is not null)
        {
            throw new SalesforceException(400, "INVALID_INPUT", $"Duplicate ReferenceId provided in the request: {duplicates.Key}");
        }

        var heavy = parsed.Count(s => IsCollectionOrQuery(s.Url));
        if (heavy > MaxCollectionOrQuerySubrequests)
        {
            // The whole request is refused before anything runs, as for too many subrequests.
            throw new SalesforceException(400, "LIMIT_EXCEEDED",
                $"Limit Exceeded: Too many sObject Collections or query subrequests: {heavy}. Max: {MaxCollectionOrQuerySubrequests}");
        }

        var results = new Dictionary<string, SubResponse>(StringComparer.Ordinal);
        var output = new JsonArray();
        // allOrNone: one transaction around every subrequest; theirs nest inside it as savepoints.
        using var tx = allOrNone ? store.BeginTransaction(rest.Dml) : null;
        var halted = false;
        foreach (var sub in parsed)
        {
            SubResponse response;
            if (halted)
            {
                response = Halted();
            }
            else
            {
                try
                {
                    var url = Substitute(sub.Url, results, urlEncode: true);
                    var subBody = sub.Body is null ? null : JsonNode.Parse(Substitute(SalesforceJson.Serialize(sub.Body), results, urlEncode: false));
                    response = await dispatcher.SendAsync(http, sub.Method, url, subBody, sub.Headers);
                }
                catch (SalesforceException e)
                {
                    response = new SubResponse(e.HttpStatus, RestErrors.Body(e), null);
                }
            }

            results[sub.ReferenceId] = response;
            if (allOrNone && response.Status >= 400 && !halted)
            {
                halted = true;
            }

            output.Add(Render(sub.ReferenceId, response));
        }

        if (allOrNone && halted)
        {
            // Everything before the failure is rolled back and reported as halted, as the real API does.
            for (var i = 0; i < parsed.Count; i++)
            {
                var r = results[parsed[i].ReferenceId];
                if (r.Status < 400)
                {
                    output[i] = Render(parsed[i].ReferenceId, Halted());
                }
            }
        }
        else
        {
            tx?.Commit();
        }

        return RestErrors.Json(200, new JsonObject { ["compositeResponse"] = output });
    }

    private static async Task<IResult> BatchAsync(HttpContext http, SubrequestDispatcher dispatcher, ApiUsage usage)
    {
        var body = JsonNode.Parse((await SObjectEndpoints.ReadBodyAsync(http)).GetRawText()) as JsonObject
            ?? throw new SalesforceException(400, "JSON_PARSER_ERROR", "The request body must be a JSON object.");
        if (body["batchRequests"] is not JsonArray requests || requests.Count == 0)
        {
            throw new SalesforceException(400, "INVALID_INPUT", "batchRequests is required and must not be empty");
        }

        if (requests.Count > MaxSubrequests)
        {
            throw new SalesforceException(400, "LIMIT_EXCEEDED", $"Limit Exceeded: Too many subrequests. Max: {MaxSubrequests}");
        }

        var haltOnError = body["haltOnError"]?.GetValue<bool>() ?? false;
        var results = new JsonArray();
        var hasErrors = false;
        var halted = false;
        foreach (var node in requests)
        {
            if (halted)
            {
                results.Add(new JsonObject { ["result"] = RestErrors.Body(HaltedError()), ["statusCode"] = 412 });
                continue;
            }

            // Each batch subrequest is its own API call (the batch itself was counted by the pipeline once).
            if (results.Count > 0 && !usage.TryConsume("POST /composite/batch (subrequest)"))
            {
                results.Add(new JsonObject { ["result"] = RestErrors.Body(new SalesforceException(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")), ["statusCode"] = 403 });
                hasErrors = true;
                continue;
            }

            var method = node?["method"]?.GetValue<string>() ?? "GET";
            var url = node?["url"]?.GetValue<string>() ?? string.Empty;
            url = url.StartsWith("/services/data/", StringComparison.Ordinal) ? url : "/services/data/" + url.TrimStart('/');
            var response = await dispatcher.SendAsync(http, method, url, node?["richInput"]?.DeepClone(), new Dictionary<string, string>());
            results.Add(new JsonObject { ["result"] = response.Body?.DeepClone(), ["statusCode"] = response.Status });
            if (response.Status >= 400)
            {
                hasErrors = true;
                halted = haltOnError;
            }
        }

        return RestErrors.Json(200, new JsonObject { ["hasErrors"] = hasErrors, ["results"] = results });
    }

    /// <summary>sObject Collections (/composite/sobjects…) or a query (/query, /queryAll, and their next-page URLs).</summary>
    internal static bool IsCollectionOrQuery(string url)
    {
        var path = url.Split('?', 2)[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // services / data / vNN.N / resource…
        var version = Array.FindIndex(segments, s => s.Length > 1 && s[0] == 'v' && char.IsAsciiDigit(s[1]));
        if (version < 0 || version + 1 >= segments.Length)
        {
            return false;
        }

        var resource = segments[version + 1];
        return resource.Equals("query", StringComparison.OrdinalIgnoreCase)
            || resource.Equals("queryAll", StringComparison.OrdinalIgnoreCase)
            || (resource.Equals("composite", StringComparison.OrdinalIgnoreCase) && version + 2 < segments.Length
                && segments[version + 2].Equals("sobjects", StringComparison.OrdinalIgnoreCase));
    }

    private sealed record Subrequest(string Method, string Url, string ReferenceId, JsonNode? Body, IReadOnlyDictionary<string, string> Headers);

    private static Subrequest Parse(JsonNode? node)
    {
        var method = node?["method"]?.GetValue<string>();
        var url = node?["url"]?.GetValue<string>();
        var referenceId = node?["referenceId"]?.GetValue<string>();
        if (method is null || url is null || referenceId is null)
        {
            throw new SalesforceException(400, "INVALID_INPUT", "Each subrequest needs method, url and referenceId.");
        }

        if (!ReferenceIdPattern().IsMatch(referenceId))
        {
            throw new SalesforceException(400, "INVALID_INPUT", $"Invalid referenceId: {referenceId}. It must start with a letter and contain only letters, numbers and underscores.");
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (node?["httpHeaders"] is JsonObject h)
        {
            foreach (var (name, value) in h)
            {
                if (ForbiddenHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    throw new SalesforceException(400, "INVALID_INPUT", $"The {name} header is not allowed in a subrequest.");
                }

                headers[name] = value?.ToString() ?? string.Empty;
            }
        }

        return new Subrequest(method, url, referenceId, node?["body"]?.DeepClone(), headers);
    }

    /// <summary>Replaces @{ref.path} with values from earlier subrequests' response bodies.</summary>
    private static string Substitute(string text, Dictionary<string, SubResponse> results, bool urlEncode) =>
        ReferencePattern().Replace(text, m =>
        {
            var refId = m.Groups[1].Value;
            if (!results.TryGetValue(refId, out var earlier))
            {
                throw new SalesforceException(400, "INVALID_INPUT", $"Invalid reference specified. No value for {m.Groups[1].Value}{m.Groups[2].Value} found in {refId}. Provided referenceId ('{refId}') must be defined earlier in the request.");
            }

            if (earlier.Status >= 400)
            {
                throw new SalesforceException(400, "PROCESSING_HALTED", $"Invalid reference specified. No value for {refId}{m.Groups[2].Value} found in {refId}. Provided referenceId ('{refId}') refers to a failed subrequest.");
            }

            var value = Navigate(earlier.Body, m.Groups[2].Value)
                ?? throw new SalesforceException(400, "INVALID_INPUT", $"Invalid reference specified. No value for {refId}{m.Groups[2].Value} found in {refId}.");
            var s = value is JsonValue v && v.TryGetValue<string>(out var str) ? str : value.ToJsonString();
            return urlEncode ? Uri.EscapeDataString(s) : JsonEncodedText.Encode(s, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();
        });

    private static JsonNode? Navigate(JsonNode? node, string path)
    {
        foreach (Match part in PathPartPattern().Matches(path))
        {
            node = part.Groups[1].Success ? node?[part.Groups[1].Value] : node?[int.Parse(part.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)];
        }

        return node;
    }

    private static JsonObject Render(string referenceId, SubResponse response)
    {
        var headers = new JsonObject();
        if (response.Location is not null)
        {
            headers["Location"] = response.Location;
        }

        if (response.LastModified is not null)
        {
            headers["Last-Modified"] = response.LastModified;
        }

        return new JsonObject
        {
            ["body"] = response.Body?.DeepClone(),
            ["httpHeaders"] = headers,
            ["httpStatusCode"] = response.Status,
            ["referenceId"] = referenceId,
        };
    }

    private static SalesforceException HaltedError() => new(400, "PROCESSING_HALTED", "The transaction was rolled back since another operation in the same transaction failed.");

    private static SubResponse Halted() => new(400, new JsonArray(new JsonObject
    {
        ["errorCode"] = "PROCESSING_HALTED",
        ["message"] = "The transaction was rolled back since another operation in the same transaction failed.",
    }), null);

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex ReferenceIdPattern();

    [GeneratedRegex(@"@\{([A-Za-z][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex(@"\.([A-Za-z0-9_]+)|\[(\d+)\]")]
    private static partial Regex PathPartPattern();
}
