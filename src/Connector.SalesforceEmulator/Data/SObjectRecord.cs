using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Data;

/// <summary>
/// One stored row. Values live in an array indexed by <see cref="FieldSchema.Ordinal"/> so a million leads
/// stay compact. Value types: string (text, id, reference, picklist), bool, int, decimal (double, currency,
/// percent), DateTimeOffset (datetime, UTC), DateOnly (date), TimeOnly (time); null for empty.
/// Only <see cref="OrgTransaction"/> mutates records.
/// </summary>
public sealed class SObjectRecord
{
    internal SObjectRecord(SObjectSchema schema, string id)
    {
        Schema = schema;
        Id = id;
        Values = new object?[schema.Fields.Count];
    }

    /// <summary>A record view over values not in the store (a change event's before/after image).</summary>
    internal static SObjectRecord Detached(SObjectSchema schema, object?[] values) =>
        new(schema, schema.FindField("Id") is { } id ? values[id.Ordinal] as string ?? string.Empty : string.Empty) { Values = values };

    public SObjectSchema Schema { get; }
    public string Id { get; }
    internal object?[] Values { get; set; }

    public bool IsDeleted => Get("IsDeleted") is true;

    public object? this[FieldSchema field] => Values[field.Ordinal];

    public object? Get(string fieldName) =>
        Schema.TryGetField(fieldName, out var f) ? Values[f.Ordinal] : null;

    public string? GetString(string fieldName) => Get(fieldName) as string;

    public DateTimeOffset? GetDateTime(string fieldName) => Get(fieldName) as DateTimeOffset?;

    /// <summary>A copy of the current values, detached from later changes (for events and snapshots).</summary>
    public object?[] CopyValues() => (object?[])Values.Clone();
}
