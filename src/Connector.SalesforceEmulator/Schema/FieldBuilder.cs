namespace Connector.SalesforceEmulator.Schema;

/// <summary>Terse constructors for standard fields, so the standard schema reads like a field reference.</summary>
internal static class F
{
    public static FieldSchema Id() => new()
    {
        Name = "Id", Label = "Record ID", Type = FieldType.Id, Length = 18, Nillable = false, Createable = false,
        Updateable = false, DefaultedOnCreate = true, IdLookup = true, Groupable = true,
    };

    public static FieldSchema Text(string name, string label, int length, bool required = false, bool idLookup = false, bool externalId = false, bool unique = false) => new()
    {
        Name = name, Label = label, Type = FieldType.String, Length = length, Nillable = !required,
        IdLookup = idLookup, ExternalId = externalId, Unique = unique,
    };

    public static FieldSchema TextArea(string name, string label, int length = 32000) => new()
    {
        Name = name, Label = label, Type = FieldType.TextArea, Length = length, Filterable = length <= 255,
        Sortable = false, Groupable = false,
    };

    public static FieldSchema Email(string name, string label) => new()
    {
        Name = name, Label = label, Type = FieldType.Email, Length = 80, IdLookup = true,
    };

    public static FieldSchema Phone(string name, string label) => new() { Name = name, Label = label, Type = FieldType.Phone, Length = 40 };

    public static FieldSchema Url(string name, string label) => new() { Name = name, Label = label, Type = FieldType.Url, Length = 255 };

    public static FieldSchema Bool(string name, string label, bool defaultValue = false, bool readOnly = false) => new()
    {
        Name = name, Label = label, Type = FieldType.Boolean, Nillable = false, DefaultedOnCreate = true,
        DefaultValue = defaultValue, Createable = !readOnly, Updateable = !readOnly,
    };

    public static FieldSchema Int(string name, string label, int digits = 9) => new()
    {
        Name = name, Label = label, Type = FieldType.Int, Precision = digits,
    };

    public static FieldSchema Number(string name, string label, int precision = 18, int scale = 0) => new()
    {
        Name = name, Label = label, Type = FieldType.Double, Precision = precision, Scale = scale,
    };

    public static FieldSchema Currency(string name, string label, int precision = 18, int scale = 2, bool readOnly = false) => new()
    {
        Name = name, Label = label, Type = FieldType.Currency, Precision = precision, Scale = scale,
        Createable = !readOnly, Updateable = !readOnly, Calculated = readOnly && name == "ExpectedRevenue",
    };

    public static FieldSchema Percent(string name, string label, int precision = 3, int scale = 0) => new()
    {
        Name = name, Label = label, Type = FieldType.Percent, Precision = precision, Scale = scale,
    };

    public static FieldSchema Date(string name, string label, bool required = false, bool readOnly = false) => new()
    {
        Name = name, Label = label, Type = FieldType.Date, Nillable = !required, Createable = !readOnly, Updateable = !readOnly,
    };

    public static FieldSchema DateTime(string name, string label, bool readOnly = false) => new()
    {
        Name = name, Label = label, Type = FieldType.DateTime, Createable = !readOnly, Updateable = !readOnly,
    };

    public static FieldSchema Picklist(string name, string label, IEnumerable<string> values, bool required = false, bool restricted = false, string? defaultValue = null, bool readOnly = false) => new()
    {
        Name = name, Label = label, Type = FieldType.Picklist, Length = 255, Nillable = !required,
        RestrictedPicklist = restricted, Createable = !readOnly, Updateable = !readOnly,
        PicklistValues = values.Select(v => new PicklistValue(v, v, true, v == defaultValue)).ToList(),
        DefaultValue = defaultValue, DefaultedOnCreate = defaultValue is not null,
    };

    public static FieldSchema Lookup(string name, string label, string relationshipName, params string[] referenceTo) => new()
    {
        Name = name, Label = label, Type = FieldType.Reference, Length = 18, ReferenceTo = referenceTo,
        RelationshipName = relationshipName,
    };

    public static FieldSchema Owner() => new()
    {
        Name = "OwnerId", Label = "Owner ID", Type = FieldType.Reference, Length = 18, Nillable = false,
        DefaultedOnCreate = true, ReferenceTo = ["Group", "User"], RelationshipName = "Owner",
    };

    public static FieldSchema ReadOnly(FieldSchema f) => new()
    {
        Name = f.Name, Label = f.Label, Type = f.Type, Length = f.Length, Precision = f.Precision, Scale = f.Scale,
        Nillable = f.Nillable, Createable = false, Updateable = false, DefaultedOnCreate = f.DefaultedOnCreate,
        DefaultValue = f.DefaultValue, PicklistValues = f.PicklistValues, ReferenceTo = f.ReferenceTo,
        RelationshipName = f.RelationshipName, Calculated = f.Calculated,
    };

    /// <summary>The audit fields every stored object has.</summary>
    public static IEnumerable<FieldSchema> Audit() =>
    [
        new() { Name = "IsDeleted", Label = "Deleted", Type = FieldType.Boolean, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true, ExcludedFromChangeEvents = true },
        new() { Name = "CreatedDate", Label = "Created Date", Type = FieldType.DateTime, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true },
        new() { Name = "CreatedById", Label = "Created By ID", Type = FieldType.Reference, Length = 18, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true, ReferenceTo = ["User"], RelationshipName = "CreatedBy" },
        new() { Name = "LastModifiedDate", Label = "Last Modified Date", Type = FieldType.DateTime, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true },
        new() { Name = "LastModifiedById", Label = "Last Modified By ID", Type = FieldType.Reference, Length = 18, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true, ReferenceTo = ["User"], RelationshipName = "LastModifiedBy" },
        new() { Name = "SystemModstamp", Label = "System Modstamp", Type = FieldType.DateTime, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true, ExcludedFromChangeEvents = true },
    ];
}
