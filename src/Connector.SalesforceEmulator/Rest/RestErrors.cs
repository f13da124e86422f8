using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Data;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>Renders errors the way the REST API does: an array of {message, errorCode[, fields]}.</summary>
public static class RestErrors
{
    public static IResult From(SalesforceException e) => Json(e.HttpStatus, Body(e));

    public static JsonArray Body(SalesforceException e) => [ErrorObject(e, "errorCode")];

    /// <summary>Per-record error in sObject Collections results, which say statusCode instead of errorCode.</summary>
    public static JsonObject RecordError(SalesforceException e) => ErrorObject(e, "statusCode", alwaysFields: true);

    public static IResult Json(int status, JsonNode body) => SalesforceJson.Result(status, body);

    private static JsonObject ErrorObject(SalesforceException e, string codeKey, bool alwaysFields = false)
    {
        // Real key order: NOT_FOUND and collection errors put the code first, everything else the message.
        var o = codeKey == "errorCode" && e.ErrorCode != "NOT_FOUND"
            ? new JsonObject { ["message"] = e.Message, ["errorCode"] = e.ErrorCode }
            : new JsonObject { [codeKey] = e.ErrorCode, ["message"] = e.Message };
        if (e.Fields is not null || alwaysFields)
        {
            o["fields"] = new JsonArray((e.Fields ?? []).Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        }

        return o;
    }
}
