using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>Single-record resources under /sobjects (fact sheet §2.5, §2.6).</summary>
public static class SObjectEndpoints
{
    public static RouteGroupBuilder MapSObjects(this RouteGroupBuilder api)
    {
        api.MapPost("/sobjects/{type}", CreateAsync);
        api.MapGet("/sobjects/{type}/updated", Updated);
        api.MapGet("/sobjects/{type}/deleted", Deleted);
        api.MapGet("/sobjects/{type}/{id}", Get);
        api.MapMethods("/sobjects/{type}/{id}", ["PATCH"], UpdateAsync);
        // POST on a record: clients behind proxies that block PATCH tunnel it (?_HttpMethod=PATCH);
        // POST /sobjects/{type}/Id is "upsert by Id with no value", i.e. create (API 37.0+).
        api.MapPost("/sobjects/{type}/{id}", (HttpContext http, string type, string id, SObjectWrites writes) =>
            string.Equals(http.Request.Query["_HttpMethod"], "PATCH", StringComparison.OrdinalIgnoreCase) ? UpdateAsync(http, type, id, writes)
            : id.Equals("Id", StringComparison.OrdinalIgnoreCase) ? UpsertAsync(http, type, id, string.Empty, writes)
            : Task.FromResult(RestErrors.From(new SalesforceException(405, "METHOD_NOT_ALLOWED", "HTTP Method 'POST' not allowed. Allowed are HEAD,GET,PATCH,DELETE"))));
        api.MapDelete("/sobjects/{type}/{id}", Delete);
        api.MapGet("/sobjects/{type}/{field}/{value}", GetByExternalId);
        api.MapMethods("/sobjects/{type}/{field}/{value}", ["PATCH"], UpsertAsync);
        return api;
    }

    internal static async Task<JsonElement> ReadBodyAsync(HttpContext http)
    {
        using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        return doc.RootElement.Clone();
    }

    internal static JsonObject SaveResult(string id, bool? created = null)
    {
        var result = new JsonObject { ["id"] = id, ["success"] = true, ["errors"] = new JsonArray() };
        if (created is not null)
        {
            result["created"] = created.Value;
        }

        return result;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, string type, SObjectWrites writes)
    {
        var rest = RestContext.Of(http);
        var schema = writes.Resolve(type);
        var body = await ReadBodyAsync(http);
        using var tx = writes.Store.BeginTransaction(rest.Dml);
        var id = writes.Create(tx, schema, body);
        tx.Commit();
        http.Response.Headers.Location = $"{rest.BasePath}/sobjects/{schema.Name}/{id}";
        return RestErrors.Json(201, SaveResult(id));
    }

    private static IResult Get(HttpContext http, string type, string id, SObjectWrites writes)
    {
        var rest = RestContext.Of(http);
        var schema = writes.Resolve(type);
        var fields = SelectedFields(schema, http.Request.Query["fields"]);
        var (utf8, modified) = writes.Store.Read(r =>
        {
            var record = SObjectWrites.Find(r, schema, id);
            return (RecordJson.ToUtf8(record, fields, rest.BasePath), record.GetDateTime("LastModifiedDate"));
        });
        if (modified is { } lastModified && IfModifiedSince(http) is { } since && lastModified <= since)
        {
            return Results.StatusCode(304);
        }

        return RecordJson.Result(utf8);
    }

    private static async Task<IResult> UpdateAsync(HttpContext http, string type, string id, SObjectWrites writes)
    {
        var rest = RestContext.Of(http);
        var schema = writes.Resolve(type);
        var body = await ReadBodyAsync(http);
        using var tx = writes.Store.BeginTransaction(rest.Dml);
        writes.Update(tx, schema, id, body);
        tx.Commit();
        return Results.NoContent();
    }

    private static IResult Delete(HttpContext http, string type, string id, SObjectWrites writes)
    {
        var rest = RestContext.Of(http);
        var schema = writes.Resolve(type);
        using var tx = writes.Store.BeginTransaction(rest.Dml);
        var record = tx.Reader.Find(id);
        if (record is { IsDeleted: true })
        {
            throw SalesforceException.EntityIsDeleted();
        }

        writes.Delete(tx, id, schema);
        tx.Commit();
        return Results.NoContent();
    }

    private static IResult GetByExternalId(HttpContext http, string type, string field, string value, SObjectWrites writes)
    {
        var rest = RestContext.Of(http);
        var schema = writes.Resolve(type);
        var externalField = SObjectWrites.ExternalIdField(schema, field);
        var fields = SelectedFields(schema, http.Request.Query["fields"]);
        var matches = writes.Store.Read(r => r.FindByExternalId(schema, externalField, value)
            .Select(m => (m.Id, Json: RecordJson.ToUtf8(m, fields, rest.BasePath))).ToList());
        return matches.Count switch
        {
            0 => RestErrors.From(SalesforceException.NotFound()),
            1 => RecordJson.Result(matches[0].Json),
            _ => MultipleChoices(matches.Select(m => $"{rest.BasePath}/sobjects/{schema.Name}/{m.Id}").ToList()),
        };
    }

    private static async Task<IResult> UpsertAsync(HttpContext http, string type, string field, string value, SObjectWrites writes)
    {
        var rest = RestContext.Of(http);
        var schema = writes.Resolve(type);
        var externalField = SObjectWrites.ExternalIdField(schema, field);
        var body = await ReadBodyAsync(http);
        using var tx = writes.Store.BeginTransaction(rest.Dml);
        try
        {
            var (id, created) = writes.Upsert(tx, schema, externalField, value, body, rest.BasePath);
            tx.Commit();
            if (created)
            {
                http.Response.Headers.Location = $"{rest.BasePath}/sobjects/{schema.Name}/{id}";
                return RestErrors.Json(201, SaveResult(id, created: true));
            }

            // API 46.0 changed an update-by-upsert from 204 to 200 with a body (fact sheet §2.6).
            return rest.VersionNumber >= 46m ? RestErrors.Json(200, SaveResult(id, created: false)) : Results.NoContent();
        }
        catch (MultipleMatchesException e)
        {
            return MultipleChoices(e.Urls);
        }
    }

    private static IResult Updated(HttpContext http, string type, SObjectWrites writes)
    {
        var schema = writes.Resolve(type);
        var (start, end) = Window(http);
        var ids = writes.Store.Read(r => r.All(schema.Name)
            .Where(x => x.GetDateTime("SystemModstamp") is { } t && t >= start && t < end)
            .Select(x => (JsonNode?)JsonValue.Create(x.Id)).ToArray());
        return RestErrors.Json(200, new JsonObject
        {
            ["ids"] = new JsonArray(ids),
            ["latestDateCovered"] = FieldValues.FormatDateTime(end),
        });
    }

    private static IResult Deleted(HttpContext http, string type, SObjectWrites writes)
    {
        var schema = writes.Resolve(type);
        var (start, end) = Window(http);
        var rows = writes.Store.Read(r => r.All(schema.Name, includeDeleted: true)
            .Where(x => x.IsDeleted && x.GetDateTime("SystemModstamp") is { } t && t >= start && t < end)
            .Select(x => (JsonNode?)new JsonObject { ["deletedDate"] = FieldValues.FormatDateTime(x.GetDateTime("SystemModstamp")!.Value), ["id"] = x.Id })
            .ToArray());
        return RestErrors.Json(200, new JsonObject
        {
            ["deletedRecords"] = new JsonArray(rows),
            ["earliestDateAvailable"] = FieldValues.FormatDateTime(start),
            ["latestDateCovered"] = FieldValues.FormatDateTime(end),
        });
    }

    private static (DateTimeOffset Start, DateTimeOffset End) Window(HttpContext http)
    {
        DateTimeOffset Parse(string name)
        {
            var text = http.Request.Query[name].ToString();
            try
            {
                return FieldValues.ParseDateTime(text);
            }
            catch (FormatException)
            {
                throw new SalesforceException(400, "INVALID_REPLICATION_DATE", $"Invalid value for parameter '{name}': {text}");
            }
        }

        var start = Parse("start");
        var end = Parse("end");
        return end < start
            ? throw new SalesforceException(400, "INVALID_REPLICATION_DATE", "end date cannot be before the start date")
            : (start, new DateTimeOffset(end.Ticks - (end.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero));
    }

    private static IReadOnlyList<FieldSchema> SelectedFields(SObjectSchema schema, string? fields)
    {
        if (string.IsNullOrWhiteSpace(fields))
        {
            return schema.Fields;
        }

        return fields.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(name => schema.FindField(name) ?? throw new SalesforceException(400, "INVALID_FIELD",
                $"No such column '{name}' on entity '{schema.Name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", [name]))
            .ToList();
    }

    private static DateTimeOffset? IfModifiedSince(HttpContext http) =>
        DateTimeOffset.TryParse(http.Request.Headers.IfModifiedSince, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since) ? since : null;

    private static IResult MultipleChoices(IReadOnlyList<string> urls) =>
        RestErrors.Json(300, new JsonArray(urls.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray()));
}
