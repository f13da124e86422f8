using System.Text.Json;
using System.Text.Json.Nodes;

namespace Connector.Salesforce.Writes;

/// <summary>
/// One sObject Collections write (update, upsert by external id, or create) to send inside a Composite call with
/// <see cref="SalesforceWrites.WriteCompositeAsync"/>. The records are turned into JSON (with <c>attributes.type</c>)
/// when the write is made, so a bad record is refused here, before anything is sent.
/// </summary>
public sealed class CollectionWrite
{
    private CollectionWrite(string operation, HttpMethod method, string relative, string sObject, IReadOnlyList<JsonObject> records, bool? autoAssign, bool idempotent)
    {
        Operation = operation;
        Method = method;
        Relative = relative;
        SObject = sObject;
        Records = records;
        AutoAssign = autoAssign;
        Idempotent = idempotent;
    }

    /// <summary>"Update", "Upsert" or "Create".</summary>
    public string Operation { get; }

    public HttpMethod Method { get; }

    /// <summary>The collections resource, relative to the API base ("composite/sobjects…").</summary>
    public string Relative { get; }

    public string SObject { get; }

    /// <summary>The records as sent, each starting with <c>attributes.type</c>.</summary>
    public IReadOnlyList<JsonObject> Records { get; }

    /// <summary>Sforce-Auto-Assign for this write's subrequests; null as in <see cref="WriteOptions.AutoAssign"/>.</summary>
    public bool? AutoAssign { get; }

    /// <summary>Updates and upserts write the same values again when replayed; creates do not.</summary>
    public bool Idempotent { get; }

    /// <summary>Updates records; each must carry its Id.</summary>
    public static CollectionWrite Update<T>(string sObject, IReadOnlyList<T> records, bool? autoAssign = null, JsonSerializerOptions? json = null) =>
        new("Update", HttpMethod.Patch, "composite/sobjects", sObject, SalesforceWrites.Bodies("Update", sObject, records, "Id", json), autoAssign, idempotent: true);

    /// <summary>Upserts records by an external-id field each record carries.</summary>
    public static CollectionWrite Upsert<T>(string sObject, string externalIdField, IReadOnlyList<T> records, bool? autoAssign = null, JsonSerializerOptions? json = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(externalIdField);
        return new("Upsert", HttpMethod.Patch, $"composite/sobjects/{Uri.EscapeDataString(sObject)}/{Uri.EscapeDataString(externalIdField)}", sObject,
            SalesforceWrites.Bodies("Upsert", sObject, records, externalIdField, json), autoAssign, idempotent: true);
    }

    /// <summary>Creates records (not idempotent: a Composite call carrying a create is not retried blindly).</summary>
    public static CollectionWrite Create<T>(string sObject, IReadOnlyList<T> records, bool? autoAssign = null, JsonSerializerOptions? json = null) =>
        new("Create", HttpMethod.Post, "composite/sobjects", sObject, SalesforceWrites.Bodies("Create", sObject, records, null, json), autoAssign, idempotent: false);

    /// <summary>The Sforce-Auto-Assign value for a subrequest carrying <paramref name="records"/>, or null for none.</summary>
    internal string? AutoAssignHeader(IEnumerable<JsonObject> records) => SalesforceWrites.AutoAssignValue(AutoAssign, records);
}
