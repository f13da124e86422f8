using System.Text.Json;

namespace Connector.Salesforce.Describe;

/// <summary>One picklist entry of a field (<c>picklistValues[]</c>).</summary>
public sealed record PicklistEntry(string Value, string? Label, bool Active, bool DefaultValue);

/// <summary>The parts of a describe field that the connector decides on (fact sheet §2.10).</summary>
public sealed record FieldDescription
{
    public required string Name { get; init; }
    public string? Label { get; init; }

    /// <summary>Lower-case Salesforce type: string, picklist, reference, datetime, currency, ...</summary>
    public required string Type { get; init; }
    public int Length { get; init; }
    public int Precision { get; init; }
    public int Scale { get; init; }
    public bool Nillable { get; init; }
    public bool Createable { get; init; }
    public bool Updateable { get; init; }
    public bool ExternalId { get; init; }
    public bool Unique { get; init; }
    public bool Custom { get; init; }
    public bool Calculated { get; init; }
    public IReadOnlyList<PicklistEntry> PicklistValues { get; init; } = [];
    public IReadOnlyList<string> ReferenceTo { get; init; } = [];

    /// <summary>The name used in SOQL paths ("Owner" for OwnerId, "Advocate__r" for Advocate__c); null for non-references.</summary>
    public string? RelationshipName { get; init; }

    public bool IsReference => ReferenceTo.Count > 0;
}

/// <summary>A typed sObject describe (<c>GET /sobjects/{name}/describe</c>); field names compare case-insensitively as SOQL does.</summary>
public sealed class SObjectDescription
{
    private readonly Dictionary<string, FieldDescription> _fields;
    private readonly Dictionary<string, FieldDescription> _relationships;

    public SObjectDescription(string name, IReadOnlyList<FieldDescription> fields)
    {
        Name = name;
        Fields = fields;
        _fields = new Dictionary<string, FieldDescription>(StringComparer.OrdinalIgnoreCase);
        _relationships = new Dictionary<string, FieldDescription>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in fields)
        {
            _fields.TryAdd(field.Name, field);
            if (field.RelationshipName is { Length: > 0 } relationship)
            {
                _relationships.TryAdd(relationship, field);
            }
        }
    }

    public string Name { get; }
    public string? Label { get; init; }
    public string? KeyPrefix { get; init; }
    public bool Custom { get; init; }
    public bool Queryable { get; init; }
    public bool Createable { get; init; }
    public bool Updateable { get; init; }
    public IReadOnlyList<FieldDescription> Fields { get; }

    public FieldDescription? FindField(string name) => _fields.GetValueOrDefault(name);

    /// <summary>The reference field behind a relationship name ("Owner" → OwnerId).</summary>
    public FieldDescription? FindRelationship(string relationshipName) => _relationships.GetValueOrDefault(relationshipName);

    /// <summary>
    /// Parses a describe body. Tolerant of key sets from old API versions (a missing key reads as
    /// false/0/empty) because the connector must not break on an org answering with fewer keys.
    /// </summary>
    public static SObjectDescription Parse(JsonElement describe)
    {
        var fields = describe.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Array
            ? f.EnumerateArray().Select(ParseField).ToList()
            : [];
        return new SObjectDescription(DescribeJson.String(describe, "name") ?? throw new JsonException("describe without a name"), fields)
        {
            Label = DescribeJson.String(describe, "label"),
            KeyPrefix = DescribeJson.String(describe, "keyPrefix"),
            Custom = DescribeJson.Bool(describe, "custom"),
            Queryable = DescribeJson.Bool(describe, "queryable"),
            Createable = DescribeJson.Bool(describe, "createable"),
            Updateable = DescribeJson.Bool(describe, "updateable"),
        };
    }

    private static FieldDescription ParseField(JsonElement e) => new()
    {
        Name = DescribeJson.String(e, "name") ?? throw new JsonException("describe field without a name"),
        Label = DescribeJson.String(e, "label"),
        Type = DescribeJson.String(e, "type") ?? "anyType",
        Length = DescribeJson.Int(e, "length"),
        Precision = DescribeJson.Int(e, "precision"),
        Scale = DescribeJson.Int(e, "scale"),
        Nillable = DescribeJson.Bool(e, "nillable"),
        Createable = DescribeJson.Bool(e, "createable"),
        Updateable = DescribeJson.Bool(e, "updateable"),
        ExternalId = DescribeJson.Bool(e, "externalId"),
        Unique = DescribeJson.Bool(e, "unique"),
        Custom = DescribeJson.Bool(e, "custom"),
        Calculated = DescribeJson.Bool(e, "calculated"),
        PicklistValues = DescribeJson.Array(e, "picklistValues")
            .Select(p => new PicklistEntry(DescribeJson.String(p, "value") ?? string.Empty, DescribeJson.String(p, "label"), DescribeJson.Bool(p, "active"), DescribeJson.Bool(p, "defaultValue")))
            .ToList(),
        ReferenceTo = DescribeJson.Array(e, "referenceTo").Select(r => r.GetString() ?? string.Empty).Where(r => r.Length > 0).ToList(),
        RelationshipName = DescribeJson.String(e, "relationshipName"),
    };
}

/// <summary>One entry of the global describe (<c>GET /sobjects</c>).</summary>
public sealed record SObjectSummary(string Name, string? Label, string? KeyPrefix, bool Custom, bool Queryable, bool Createable, bool Updateable)
{
    public static IReadOnlyList<SObjectSummary> ParseGlobal(JsonElement global) =>
        DescribeJson.Array(global, "sobjects")
            .Select(o => new SObjectSummary(
                DescribeJson.String(o, "name") ?? string.Empty, DescribeJson.String(o, "label"), DescribeJson.String(o, "keyPrefix"),
                DescribeJson.Bool(o, "custom"), DescribeJson.Bool(o, "queryable"), DescribeJson.Bool(o, "createable"), DescribeJson.Bool(o, "updateable")))
            .Where(o => o.Name.Length > 0)
            .ToList();
}

internal static class DescribeJson
{
    public static string? String(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool Bool(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    public static int Int(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : 0;

    public static IEnumerable<JsonElement> Array(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];
}
