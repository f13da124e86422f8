namespace Connector.SalesforceEmulator.Schema;

public enum SObjectKind
{
    /// <summary>A regular standard or custom object stored by the org.</summary>
    Entity,
    /// <summary>A platform event (X__e): insert publishes, nothing is stored.</summary>
    PlatformEvent,
}

public sealed record ChildRelationship(string ChildSObject, string Field, string? RelationshipName, bool CascadeDelete);

/// <summary>One sObject type of the org: its fields in describe order, looked up case-insensitively.</summary>
public sealed class SObjectSchema
{
    private readonly Dictionary<string, FieldSchema> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FieldSchema> _byRelationship = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<FieldSchema> _fields = [];

    public SObjectSchema(string name, string label, string labelPlural, string keyPrefix, IEnumerable<FieldSchema> fields)
    {
        Name = name;
        Label = label;
        LabelPlural = labelPlural;
        KeyPrefix = keyPrefix;
        foreach (var field in fields)
        {
            AddField(field);
        }
    }

    public string Name { get; }
    public string Label { get; }
    public string LabelPlural { get; }
    /// <summary>Three-character id prefix (00Q for Lead, a0x for custom objects...).</summary>
    public string KeyPrefix { get; }
    public bool Custom { get; init; }
    public SObjectKind Kind { get; init; } = SObjectKind.Entity;
    public bool Createable { get; init; } = true;
    public bool Updateable { get; init; } = true;
    public bool Deletable { get; init; } = true;
    public bool Queryable { get; init; } = true;
    /// <summary>Publishes Change Data Capture events on /data/{Name}ChangeEvent (Lead, Opportunity...).</summary>
    public bool ChangeDataCapture { get; init; }
    /// <summary>Lead assignment rules apply to this object on create/update (Lead).</summary>
    public bool SupportsAssignmentRules { get; init; }
    public string? Description { get; init; }

    public IReadOnlyList<FieldSchema> Fields => _fields;

    /// <summary>Child relationships, filled in by <see cref="OrgSchema"/> once every object is known.</summary>
    public List<ChildRelationship> ChildRelationships { get; } = [];

    public FieldSchema? NameFieldSchema => _fields.FirstOrDefault(f => f.NameField);

    public string ChangeEventName => Custom ? Name[..^3] + "__ChangeEvent" : Name + "ChangeEvent";

    public bool TryGetField(string name, out FieldSchema field) => _byName.TryGetValue(name, out field!);

    public FieldSchema? FindField(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The lookup field behind a relationship name: Owner → OwnerId, Advocate__r → Advocate__c.</summary>
    public FieldSchema? FindRelationship(string relationshipName) => _byRelationship.GetValueOrDefault(relationshipName);

    public void AddField(FieldSchema field)
    {
        if (_byName.ContainsKey(field.Name))
        {
            throw new InvalidOperationException($"Field {Name}.{field.Name} is defined twice.");
        }

        field.Ordinal = _fields.Count;
        _fields.Add(field);
        _byName[field.Name] = field;
        if (field.RelationshipName is { } rel)
        {
            _byRelationship[rel] = field;
        }
    }
}
