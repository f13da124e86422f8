using System.Globalization;
using System.Text.Json;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Rest;

namespace Connector.SalesforceEmulator.Soql;

/// <summary>
/// <c>GET /query?q=</c>, <c>GET /queryAll?q=</c> and their <c>nextRecordsUrl</c> continuations (fact sheet §2.3).
/// Pages hold <c>Sforce-Query-Options: batchSize=N</c> records (200–2000, default 2000); the matched ids are
/// kept in a <see cref="QueryLocators"/> cursor between pages. Bodies are streamed, a chunk of records at a
/// time, so a page never sits in memory as one string.
/// </summary>
public static class QueryEndpoints
{
    public const int DefaultBatchSize = 2000;
    public const int MinBatchSize = 200;

    /// <summary>Records rendered per hold of the org lock while a page streams out.</summary>
    private const int RecordsPerChunk = 200;

    public static RouteGroupBuilder MapQuery(this RouteGroupBuilder api)
    {
        var services = ((IEndpointRouteBuilder)api).ServiceProvider;
        // One cursor table per emulator instance; a host may register its own.
        var locators = services.GetService<QueryLocators>() ?? new QueryLocators(services.GetRequiredService<TimeProvider>());

        api.MapGet("/query", (HttpContext http, OrgStore store) => QueryAsync(http, store, locators, "query", includeDeleted: false));
        api.MapGet("/queryAll", (HttpContext http, OrgStore store) => QueryAsync(http, store, locators, "queryAll", includeDeleted: true));
        api.MapGet("/query/{locator}", (HttpContext http, OrgStore store, string locator) => MoreAsync(http, store, locators, "query", locator));
        api.MapGet("/queryAll/{locator}", (HttpContext http, OrgStore store, string locator) => MoreAsync(http, store, locators, "queryAll", locator));
        return api;
    }

    /// <summary>Reads <c>batchSize=N</c> from Sforce-Query-Options, clamped to what the real API honours.</summary>
    public static int BatchSize(string? queryOptions)
    {
        foreach (var part in (queryOptions ?? string.Empty).Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq].Trim().Equals("batchSize", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(part[(eq + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return Math.Clamp(n, MinBatchSize, DefaultBatchSize);
            }
        }

        return DefaultBatchSize;
    }

    private static async Task QueryAsync(HttpContext http, OrgStore store, QueryLocators locators, string resource, bool includeDeleted)
    {
        var soql = http.Request.Query["q"].ToString();
        if (string.IsNullOrWhiteSpace(soql))
        {
            throw new SalesforceException(400, "MALFORMED_QUERY", "A query string has to be specified");
        }

        var query = SoqlParser.Parse(soql, store.Schema);
        var rest = RestContext.Of(http);
        var ct = http.RequestAborted;

        if (query.IsCountOnly)
        {
            var count = store.Read(r => SoqlEvaluator.Execute(query, r, includeDeleted).Count());
            await WriteAsync(http, count, null, w => { }, ct);
            return;
        }

        if (query.IsAggregate)
        {
            var values = store.Read(r =>
            {
                var rows = SoqlEvaluator.Execute(query, r, includeDeleted).ToList();
                return query.Columns.Select(c => SoqlEvaluator.Aggregate(c, rows, r)).ToList();
            });
            await WriteAsync(http, 1, null, w => QueryResultWriter.WriteAggregate(w, query, values), ct);
            return;
        }

        var records = store.Read(r => SoqlEvaluator.Execute(query, r, includeDeleted).ToList());
        var batchSize = BatchSize(http.Request.Headers["Sforce-Query-Options"].FirstOrDefault());
        string? next = null;
        if (records.Count > batchSize)
        {
            var id = locators.Open(query, records, batchSize);
            next = $"{rest.BasePath}/{resource}/{id}-{batchSize.ToString(CultureInfo.InvariantCulture)}";
        }

        await WritePageAsync(http, store, query, records, 0, batchSize, next, ct);
    }

    private static async Task MoreAsync(HttpContext http, OrgStore store, QueryLocators locators, string resource, string locator)
    {
        var found = locators.Find(locator) ?? throw new SalesforceException(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
        var (cursor, id, offset) = found;
        var end = offset + cursor.BatchSize;
        var next = end < cursor.Records.Count
            ? $"{RestContext.Of(http).BasePath}/{resource}/{id}-{end.ToString(CultureInfo.InvariantCulture)}"
            : null;
        await WritePageAsync(http, store, cursor.Query, cursor.Records, offset, cursor.BatchSize, next, http.RequestAborted);
    }

    private static async Task WritePageAsync(HttpContext http, OrgStore store, SoqlQuery query, IReadOnlyList<SObjectRecord> records,
        int offset, int batchSize, string? next, CancellationToken ct)
    {
        var writer = new QueryResultWriter(query, RestContext.Of(http).BasePath);
        var end = Math.Min(records.Count, offset + batchSize);
        await WriteAsync(http, records.Count, next, null, ct, async (w, body) =>
        {
            for (var chunk = offset; chunk < end; chunk += RecordsPerChunk)
            {
                var chunkEnd = Math.Min(end, chunk + RecordsPerChunk);
                store.Read(reader =>
                {
                    for (var i = chunk; i < chunkEnd; i++)
                    {
                        writer.WriteRecord(w, records[i], reader);
                    }

                    w.Flush();
                    return 0;
                });
                await body.FlushAsync(ct);
            }
        });
    }

    /// <summary>Writes <c>{"totalSize","done"[,"nextRecordsUrl"],"records":[…]}</c>, key order as the real API.</summary>
    private static async Task WriteAsync(HttpContext http, int totalSize, string? next, Action<Utf8JsonWriter>? records, CancellationToken ct,
        Func<Utf8JsonWriter, System.IO.Pipelines.PipeWriter, Task>? streamRecords = null)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = SalesforceJson.ContentType;
        var body = http.Response.BodyWriter;
        await using var w = new Utf8JsonWriter(body, SalesforceJson.WriterOptions);
        w.WriteStartObject();
        w.WriteNumber("totalSize", totalSize);
        w.WriteBoolean("done", next is null);
        if (next is not null)
        {
            w.WriteString("nextRecordsUrl", next);
        }

        w.WritePropertyName("records");
        w.WriteStartArray();
        records?.Invoke(w);
        if (streamRecords is not null)
        {
            await streamRecords(w, body);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        await w.FlushAsync(ct);
        await body.FlushAsync(ct);
    }
}
