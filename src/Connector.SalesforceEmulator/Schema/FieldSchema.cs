namespace Connector.SalesforceEmulator.Schema;

/// <summary>Salesforce field types, named as describe reports them (lower-case on the wire).</summary>
public enum FieldType
{
    Id,
    String,
    TextArea,
    Boolean,
    Int,
    Double,
    Currency,
    Percent,
    Date,
    DateTime,
    Time,
    Picklist,
    MultiPicklist,
    Reference,
    Email,
    Phone,
    Url,
}

public sealed record PicklistValue(string Value, string Label, bool Active = true, bool DefaultValue = false);

/// <summary>One field of an sObject, as describe reports it and as DML validates against it.</summary>
public sealed class FieldSchema
{
    public required string Name { get; init; }
    public required string Label { get; init; }
    public required FieldType Type { get; init; }
    /// <summary>Max characters for text types; 0 for others.</summary>
    public int Length { get; init; }
    public int Precision { get; init; }
    public int Scale { get; init; }
    public bool Nillable { get; init; } = true;
    public bool Createable { get; init; } = true;
    public bool Updateable { get; init; } = true;
    public bool DefaultedOnCreate { get; init; }
    /// <summary>Default applied on create when the caller leaves the field out (already typed).</summary>
    public object? DefaultValue { get; init; }
    public bool ExternalId { get; init; }
    public bool Unique { get; init; }
    public bool CaseSensitive { get; init; }
    public bool Custom { get; init; }
    public bool NameField { get; init; }
    public bool Calculated { get; init; }
    public bool Filterable { get; init; } = true;
    public bool Sortable { get; init; } = true;
    public bool Groupable { get; init; } = true;
    public bool IdLookup { get; init; }
    public IReadOnlyList<PicklistValue> PicklistValues { get; init; } = [];
    public bool RestrictedPicklist { get; init; }
    public IReadOnlyList<string> ReferenceTo { get; init; } = [];
    public string? RelationshipName { get; init; }
    /// <summary>The parent's name for the children through this lookup (Referrals__r); null lets OrgSchema derive it.</summary>
    public string? ChildRelationshipName { get; init; }
    /// <summary>Master-detail: required, deleting the parent deletes the children.</summary>
    public bool MasterDetail { get; init; }
    /// <summary>Auto-number name field (REF-{000000}): set by the org, never by the caller.</summary>
    public bool AutoNumber { get; init; }
    public string? InlineHelpText { get; init; }
    /// <summary>Excluded from change events (IsDeleted, SystemModstamp) as real CDC does.</summary>
    public bool ExcludedFromChangeEvents { get; init; }

    /// <summary>Position of the value in a record's value array; set when the object schema is built.</summary>
    public int Ordinal { get; internal set; } = -1;

    /// <summary>A field the caller must supply on create (LastName, Company, StageName, CloseDate ...).</summary>
    public bool Required => !Nillable && Createable && !DefaultedOnCreate && !Type.Equals(FieldType.Boolean);

    public bool IsText => Type is FieldType.String or FieldType.TextArea or FieldType.Email or FieldType.Phone
        or FieldType.Url or FieldType.Picklist or FieldType.MultiPicklist or FieldType.Id or FieldType.Reference;

    public bool IsNumeric => Type is FieldType.Int or FieldType.Double or FieldType.Currency or FieldType.Percent;

    public string WireType => Type switch
    {
        FieldType.DateTime => "datetime",
        FieldType.MultiPicklist => "multipicklist",
        FieldType.TextArea => "textarea",
        _ => Type.ToString().ToLowerInvariant(),
    };

    public string SoapType => Type switch
    {
        FieldType.Id or FieldType.Reference => "tns:ID",
        FieldType.Boolean => "xsd:boolean",
        FieldType.Int => "xsd:int",
        FieldType.Double or FieldType.Currency or FieldType.Percent => "xsd:double",
        FieldType.Date => "xsd:date",
        FieldType.DateTime => "xsd:dateTime",
        FieldType.Time => "xsd:time",
        _ => "xsd:string",
    };
}
