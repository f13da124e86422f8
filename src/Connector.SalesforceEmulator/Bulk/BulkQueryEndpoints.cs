using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Rest;
using Connector.SalesforceEmulator.Soql;

namespace Connector.SalesforceEmulator.Bulk;

/// <summary>
/// Bulk API 2.0 query (fact sheet §6): <c>/jobs/query</c> create, info, list, abort, delete, and CSV results
/// paged by <c>Sforce-Locator</c>. Results are streamed: rows are formatted a block at a time under the org lock
/// and written between blocks, so a million-row page never sits in memory.
/// </summary>
public static partial class BulkQueryEndpoints
{
    /// <summary>Bulk API 2.0 query exists from API 47.0.</summary>
    private const decimal MinimumVersion = 47.0m;
    private const int RowsPerBlock = 1_000;

    public static IServiceCollection AddBulkQuery(this IServiceCollection services)
    {
        services.AddOptions<BulkQueryOptions>().BindConfiguration(BulkQueryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BulkQueryJobs>();
        return services;
    }

    public static RouteGroupBuilder MapBulkQuery(this RouteGroupBuilder api)
    {
        api.MapPost("/jobs/query", CreateAsync);
        api.MapGet("/jobs/query", List);
        api.MapGet("/jobs/query/{id}", Info);
        api.MapMethods("/jobs/query/{id}", ["PATCH"], AbortAsync);
        api.MapDelete("/jobs/query/{id}", Delete);
        api.MapGet("/jobs/query/{id}/results", ResultsAsync);
        return api;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, BulkQueryJobs jobs, OrgStore store)
    {
        var rest = Context(http);
        using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new SalesforceException(400, "JSON_PARSER_ERROR", "The request body must be a JSON object.");
        }

        var operation = Text(root, "operation");
        if (operation is not ("query" or "queryAll"))
        {
            throw ApiError(operation is null ? "Operation is required." : $"Invalid operation: {operation}. Valid values are query and queryAll.");
        }

        var contentType = Text(root, "contentType") ?? "CSV";
        if (contentType != "CSV")
        {
            throw ApiError($"Invalid contentType: {contentType}. Query jobs support CSV only.");
        }

        var delimiterName = Text(root, "columnDelimiter") ?? "COMMA";
        if (!BulkCsv.Delimiters.TryGetValue(delimiterName, out var delimiter))
        {
            throw ApiError($"Invalid columnDelimiter: {delimiterName}. Valid values are {string.Join(", ", BulkCsv.Delimiters.Keys)}.");
        }

        var lineEndingName = Text(root, "lineEnding") ?? "LF";
        if (!BulkCsv.LineEndings.TryGetValue(lineEndingName, out var lineEnding))
        {
            throw ApiError($"Invalid lineEnding: {lineEndingName}. Valid values are LF and CRLF.");
        }

        var soql = Text(root, "query");
        if (string.IsNullOrWhiteSpace(soql))
        {
            throw ApiError("Query is required.");
        }

        var query = ParseForBulk(soql, store);
        var job = jobs.Start(query, operation == "queryAll", rest.Session.UserId, rest.Version, (delimiter, delimiterName), (lineEnding, lineEndingName));
        return Json(200, w => job.WriteInfo(w, created: true));
    }

    private static IResult List(HttpContext http, BulkQueryJobs jobs)
    {
        Context(http);
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("done", true);
            w.WriteStartArray("records");
            foreach (var job in jobs.All)
            {
                job.WriteInfo(w, created: false);
            }

            w.WriteEndArray();
            w.WriteNull("nextRecordsUrl");
            w.WriteEndObject();
        });
    }

    private static IResult Info(HttpContext http, string id, BulkQueryJobs jobs)
    {
        Context(http);
        var job = Find(jobs, id);
        return Json(200, w => job.WriteInfo(w, created: false));
    }

    private static async Task<IResult> AbortAsync(HttpContext http, string id, BulkQueryJobs jobs)
    {
        Context(http);
        var job = Find(jobs, id);
        using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        var state = body.RootElement.ValueKind == JsonValueKind.Object ? Text(body.RootElement, "state") : null;
        if (state != "Aborted")
        {
            throw new SalesforceException(400, "INVALIDJOBSTATE", $"Invalid state: {state ?? "null"}. A query job can only be set to Aborted.");
        }

        if (!jobs.Abort(job))
        {
            throw new SalesforceException(400, "INVALIDJOBSTATE", $"Cannot abort a job in state {job.State}.");
        }

        return Json(200, w => job.WriteInfo(w, created: false));
    }

    private static IResult Delete(HttpContext http, string id, BulkQueryJobs jobs)
    {
        Context(http);
        var job = Find(jobs, id);
        if (!jobs.Delete(job))
        {
            throw new SalesforceException(400, "INVALIDJOBSTATE", $"Cannot delete a job in state {job.State}; abort it first.");
        }

        return Results.NoContent();
    }

    private static async Task ResultsAsync(HttpContext http, string id, BulkQueryJobs jobs, OrgStore store)
    {
        var rest = Context(http);
        var job = Find(jobs, id);
        if (job.ApiVersion != rest.Version)
        {
            throw new SalesforceException(409, "INVALIDJOB",
                $"The API version of this request ({rest.Version}) does not match the API version of the job ({job.ApiVersion}); use /services/data/v{job.ApiVersion}.");
        }

        switch (job.State)
        {
            case BulkJobState.UploadComplete or BulkJobState.InProgress:
                throw new SalesforceException(412, "JOB_NOT_COMPLETE",
                    "can only download query results of successfully completed bulk job, job in state: " + job.State);
            case BulkJobState.Aborted or BulkJobState.Failed:
                throw new SalesforceException(400, "INVALIDJOBSTATE", $"Results are not available for a job in state {job.State}.");
        }

        var maxRecords = jobs.Options.DefaultMaxRecords;
        if (http.Request.Query["maxRecords"].FirstOrDefault() is { Length: > 0 } max
            && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out maxRecords) || maxRecords <= 0))
        {
            throw new SalesforceException(400, "INVALID_ARGUMENT", $"maxRecords must be a positive integer: {max}");
        }

        var offset = 0;
        if (http.Request.Query["locator"].FirstOrDefault() is { Length: > 0 } locator && locator != "null")
        {
            offset = job.OffsetOf(locator) ?? throw new SalesforceException(400, "INVALID_LOCATOR", $"Invalid locator: {locator}");
        }

        var rows = job.Results;
        var count = Math.Max(0, Math.Min(maxRecords, rows.Count - offset));
        var end = offset + count;
        var response = http.Response;
        response.StatusCode = 200;
        response.ContentType = "text/csv";
        response.Headers["Sforce-NumberOfRecords"] = count.ToString(CultureInfo.InvariantCulture);
        response.Headers["Sforce-Locator"] = end < rows.Count ? job.LocatorFor(end) : "null";

        var columns = job.Query.Columns;
        var block = new StringBuilder();
        BulkCsv.AppendRow(block, columns.Select(c => (object?)c.Name).ToArray(), job.Delimiter, job.LineEnding);
        await using var writer = new StreamWriter(response.Body, new UTF8Encoding(false), 1 << 16);
        var values = new object?[columns.Count];
        for (var start = offset; start < end; start += RowsPerBlock)
        {
            var stop = Math.Min(end, start + RowsPerBlock);
            store.Read(r =>
            {
                for (var i = start; i < stop; i++)
                {
                    for (var c = 0; c < columns.Count; c++)
                    {
                        values[c] = SoqlEvaluator.GetColumnValue(columns[c], rows[i], r).Value;
                    }

                    BulkCsv.AppendRow(block, values, job.Delimiter, job.LineEnding);
                }

                return 0;
            });
            await writer.WriteAsync(block, http.RequestAborted);
            block.Clear();
        }

        await writer.WriteAsync(block, http.RequestAborted);
        await writer.FlushAsync(http.RequestAborted);
    }

    /// <summary>
    /// Parses the statement and refuses what Bulk API 2.0 does not run: aggregates (COUNT(), GROUP BY), OFFSET,
    /// parent-to-child subqueries, TYPEOF. Those are rejected when the job is created, as the real API does.
    /// </summary>
    internal static SoqlQuery ParseForBulk(string soql, OrgStore store)
    {
        SoqlQuery query;
        try
        {
            query = SoqlParser.Parse(soql, store.Schema);
        }
        catch (SalesforceException) when (SubqueryPattern().IsMatch(soql))
        {
            throw ApiError("Aggregate Relationships not supported in Bulk Query");
        }
        catch (SalesforceException) when (GroupByPattern().IsMatch(soql))
        {
            throw ApiError("Aggregate queries are not supported in Bulk Query");
        }
        catch (SalesforceException) when (TypeOfPattern().IsMatch(soql))
        {
            throw ApiError("TYPEOF is not supported in Bulk Query");
        }

        if (query.IsCountOnly || query.IsAggregate)
        {
            throw ApiError("Aggregate queries are not supported in Bulk Query");
        }

        if (query.Offset is not null)
        {
            throw ApiError("OFFSET clause is not supported in Bulk Query");
        }

        return query;
    }

    private static RestContext Context(HttpContext http)
    {
        var rest = RestContext.Of(http);
        if (rest.VersionNumber < MinimumVersion)
        {
            throw SalesforceException.NotFound();
        }

        return rest;
    }

    private static BulkQueryJob Find(BulkQueryJobs jobs, string id) => jobs.Find(id) ?? throw SalesforceException.NotFound();

    private static string? Text(JsonElement root, string property) =>
        root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static SalesforceException ApiError(string message) => new(400, "API_ERROR", message);

    private static IResult Json(int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Results.Content(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), "application/json;charset=UTF-8", Encoding.UTF8, status);
    }

    [GeneratedRegex(@"\(\s*SELECT\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SubqueryPattern();

    [GeneratedRegex(@"\bGROUP\s+BY\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GroupByPattern();

    [GeneratedRegex(@"\bTYPEOF\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TypeOfPattern();
}
