using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Data;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>
/// sObject Collections (fact sheet §2.8): up to 200 records per call, one API call, results in request order,
/// per-record errors with <c>statusCode</c>; allOrNone rolls everything back and marks the valid rows
/// ALL_OR_NONE_OPERATION_ROLLED_BACK.
/// </summary>
public static class CollectionEndpoints
{
    public const int MaxRecords = 200;

    private static readonly SalesforceException RolledBack = new(400, "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header", []);

    private enum Operation
    {
        Create,
        Update,
        Upsert,
    }

    public static RouteGroupBuilder MapCollections(this RouteGroupBuilder api)
    {
        api.MapPost("/composite/sobjects", (HttpContext http, SObjectWrites writes) => WriteAsync(http, writes, Operation.Create, null, null));
        api.MapMethods("/composite/sobjects", ["PATCH"], (HttpContext http, SObjectWrites writes) => WriteAsync(http, writes, Operation.Update, null, null));
        api.MapMethods("/composite/sobjects/{type}/{field}", ["PATCH"], (HttpContext http, string type, string field, SObjectWrites writes) =>
            WriteAsync(http, writes, Operation.Upsert, type, field));
        api.MapDelete("/composite/sobjects", Delete);
        api.MapGet("/composite/sobjects/{type}", Retrieve);
        api.MapPost("/composite/sobjects/{type}", RetrieveByPostAsync);
        return api;
    }

    private static async Task<IResult> WriteAsync(HttpContext http, SObjectWrites writes, Operation operation, string? type, string? field)
    {
        var rest = RestContext.Of(http);
        var body = await SObjectEndpoints.ReadBodyAsync(http);
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("records", out var records) || records.ValueKind != JsonValueKind.Array)
        {
            throw new SalesforceException(400, "JSON_PARSER_ERROR", "The request body must be an object with a records array.");
        }

        if (records.GetArrayLength() > MaxRecords)
        {
            throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call");
        }

        var allOrNone = body.TryGetProperty("allOrNone", out var aon) && aon.ValueKind == JsonValueKind.True;
        var upsertSchema = type is null ? null : writes.Resolve(type);
        var upsertField = upsertSchema is null ? null : SObjectWrites.ExternalIdField(upsertSchema, field!);

        var results = new JsonObject?[records.GetArrayLength()];
        var knownIds = new string?[results.Length];
        var failed = false;
        using var tx = writes.Store.BeginTransaction(rest.Dml);
        var i = 0;
        foreach (var record in records.EnumerateArray())
        {
            using var savepoint = writes.Store.BeginTransaction(rest.Dml);
            try
            {
                var schema = upsertSchema ?? RecordType(writes, record);
                if (upsertSchema is not null && record.TryGetProperty("attributes", out _) && RecordType(writes, record) != upsertSchema)
                {
                    throw new SalesforceException(400, "INVALID_TYPE", $"The record type does not match the collection type {upsertSchema.Name}.", []);
                }

                switch (operation)
                {
                    case Operation.Create:
                        knownIds[i] = writes.Create(savepoint, schema, record);
                        results[i] = SObjectEndpoints.SaveResult(knownIds[i]!);
                        break;
                    case Operation.Update:
                        var id = RecordId(record) ?? throw new SalesforceException(400, "MISSING_ARGUMENT", "Id not specified in an update call", []);
                        knownIds[i] = id;
                        writes.Update(savepoint, schema, id, record);
                        results[i] = SObjectEndpoints.SaveResult(SalesforceIds.Normalize(id)!);
                        break;
                    case Operation.Upsert:
                        var key = record.TryGetProperty(upsertField!.Name, out var k) && k.ValueKind != JsonValueKind.Null
                            ? k.ToString()
                            : RecordId(record) ?? string.Empty;
                        var (upsertedId, created) = writes.Upsert(savepoint, schema, upsertField, key, record, rest.BasePath);
                        knownIds[i] = created ? null : upsertedId;
                        results[i] = SObjectEndpoints.SaveResult(upsertedId, created);
                        break;
                }

                savepoint.Commit();
            }
            catch (SalesforceException e)
            {
                failed = true;
                results[i] = Failure(e, null);
            }
            catch (MultipleMatchesException e)
            {
                failed = true;
                results[i] = Failure(new SalesforceException(300, "DUPLICATE_EXTERNAL_ID", $"{upsertField!.Name}: more than one record found for external id field: {e.Urls.Count} records", [upsertField.Name]), null);
            }

            i++;
        }

        if (allOrNone && failed)
        {
            // Nothing is kept: rows that succeeded report the rollback; failures keep their own error.
            for (var j = 0; j < results.Length; j++)
            {
                if (results[j]!["success"]!.GetValue<bool>())
                {
                    results[j] = Failure(RolledBack, operation == Operation.Create ? null : knownIds[j]);
                }
            }

            return RestErrors.Json(200, new JsonArray(results.Cast<JsonNode?>().ToArray()));
        }

        tx.Commit();
        return RestErrors.Json(200, new JsonArray(results.Cast<JsonNode?>().ToArray()));
    }

    private static IResult Delete(HttpContext http, SObjectWrites writes)
    {
        var rest = RestContext.Of(http);
        var ids = http.Request.Query["ids"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length == 0)
        {
            throw new SalesforceException(400, "MISSING_ARGUMENT", "ids parameter is required");
        }

        if (ids.Length > MaxRecords)
        {
            throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call");
        }

        var allOrNone = string.Equals(http.Request.Query["allOrNone"], "true", StringComparison.OrdinalIgnoreCase);
        var results = new JsonObject[ids.Length];
        var failed = false;
        using var tx = writes.Store.BeginTransaction(rest.Dml);
        for (var i = 0; i < ids.Length; i++)
        {
            using var savepoint = writes.Store.BeginTransaction(rest.Dml);
            try
            {
                writes.Delete(savepoint, ids[i]);
                savepoint.Commit();
                results[i] = SObjectEndpoints.SaveResult(SalesforceIds.Normalize(ids[i])!);
            }
            catch (SalesforceException e)
            {
                failed = true;
                results[i] = Failure(e, SalesforceIds.Normalize(ids[i]));
            }
        }

        if (allOrNone && failed)
        {
            for (var i = 0; i < results.Length; i++)
            {
                if (results[i]["success"]!.GetValue<bool>())
                {
                    results[i] = Failure(RolledBack, SalesforceIds.Normalize(ids[i]));
                }
            }

            return RestErrors.Json(200, new JsonArray(results.Cast<JsonNode?>().ToArray()));
        }

        tx.Commit();
        return RestErrors.Json(200, new JsonArray(results.Cast<JsonNode?>().ToArray()));
    }

    private static IResult Retrieve(HttpContext http, string type, SObjectWrites writes) =>
        RetrieveCore(http, type, writes,
            http.Request.Query["ids"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            http.Request.Query["fields"].ToString());

    /// <summary>The POST form exists for id lists too long for a URL.</summary>
    private static async Task<IResult> RetrieveByPostAsync(HttpContext http, string type, SObjectWrites writes)
    {
        var body = await SObjectEndpoints.ReadBodyAsync(http);
        var ids = body.TryGetProperty("ids", out var i) ? i.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToArray() : [];
        var fields = body.TryGetProperty("fields", out var f) ? string.Join(',', f.EnumerateArray().Select(x => x.GetString())) : string.Empty;
        return RetrieveCore(http, type, writes, ids, fields);
    }

    private static IResult RetrieveCore(HttpContext http, string type, SObjectWrites writes, string[] ids, string fieldList)
    {
        var rest = RestContext.Of(http);
        var schema = writes.Resolve(type);
        if (ids.Length > 2000)
        {
            throw new SalesforceException(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 2000 records into this call");
        }

        var names = fieldList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            throw new SalesforceException(400, "MISSING_ARGUMENT", "fields parameter is required");
        }

        var fields = names.Select(n => schema.FindField(n) ?? throw new SalesforceException(400, "INVALID_FIELD",
            $"No such column '{n}' on entity '{schema.Name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", [n])).ToList();
        var json = writes.Store.Read(r =>
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, SalesforceJson.WriterOptions))
            {
                w.WriteStartArray();
                foreach (var id in ids)
                {
                    var record = r.Find(id);
                    if (record is null || record.IsDeleted || record.Schema != schema)
                    {
                        w.WriteNullValue();
                    }
                    else
                    {
                        RecordJson.Write(w, record, fields, rest.BasePath);
                    }
                }

                w.WriteEndArray();
            }

            return buffer.ToArray();
        });
        return RecordJson.Result(json);
    }

    private static Schema.SObjectSchema RecordType(SObjectWrites writes, JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object || !record.TryGetProperty("attributes", out var attributes)
            || !attributes.TryGetProperty("type", out var type) || type.GetString() is not { Length: > 0 } name)
        {
            throw new SalesforceException(400, "INVALID_TYPE", "Must send a concrete entity type.", []);
        }

        return writes.Store.Schema.Find(name) ?? throw new SalesforceException(400, "INVALID_TYPE", $"sObject type '{name}' is not supported.", []);
    }

    private static string? RecordId(JsonElement record) =>
        record.TryGetProperty("id", out var id) || record.TryGetProperty("Id", out id) ? id.GetString() : null;

    private static JsonObject Failure(SalesforceException e, string? id)
    {
        var result = new JsonObject();
        if (id is not null)
        {
            result["id"] = id;
        }

        result["success"] = false;
        result["errors"] = new JsonArray(RestErrors.RecordError(e));
        return result;
    }
}
