using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>
/// Renders describe results with the keys, key order and derived flags of real responses
/// (fixtures rest-describe/sobject_describe_lead_cumulusci.json and global_describe_sobjects_cumulusci.json),
/// so clients that cache or diff describes see what an org would send.
/// </summary>
public static class DescribeWriter
{
    /// <summary>Every org's Master record type has this id.</summary>
    public const string MasterRecordTypeId = "012000000000000AAA";

    private static readonly HashSet<string> PersonNameParts = new(StringComparer.Ordinal) { "Salutation", "FirstName", "LastName", "MiddleName", "Suffix" };

    /// <param name="objects">The org's objects, in name order.</param>
    /// <param name="basePath">/services/data/vNN.0</param>
    public static byte[] Global(IEnumerable<SObjectSchema> objects, string basePath) =>
        Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("encoding", "UTF-8");
            w.WriteNumber("maxBatchSize", 200);
            w.WriteStartArray("sobjects");
            foreach (var o in objects)
            {
                WriteGlobalItem(w, o, basePath);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });

    /// <summary>GET /sobjects/{type}: the global-describe entry plus (always empty here) recent items.</summary>
    public static byte[] Basic(SObjectSchema o, string basePath) => Write(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("objectDescribe");
        WriteGlobalItem(w, o, basePath);
        w.WriteStartArray("recentItems");
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <param name="o">The object to describe.</param>
    /// <param name="basePath">/services/data/vNN.0</param>
    /// <param name="instanceUrl">scheme://host, for the ui* templates.</param>
    public static byte[] SObject(SObjectSchema o, string basePath, string instanceUrl) => Write(w =>
    {
        var entity = o.Kind == SObjectKind.Entity;
        var url = $"{basePath}/sobjects/{o.Name}";
        w.WriteStartObject();
        w.WriteStartArray("actionOverrides");
        w.WriteEndArray();
        w.WriteBoolean("activateable", false);
        w.WriteNull("associateEntityType");
        w.WriteNull("associateParentEntity");
        w.WriteStartArray("childRelationships");
        foreach (var c in o.ChildRelationships.OrderBy(c => c.ChildSObject, StringComparer.Ordinal).ThenBy(c => c.Field, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteBoolean("cascadeDelete", c.CascadeDelete);
            w.WriteString("childSObject", c.ChildSObject);
            w.WriteBoolean("deprecatedAndHidden", false);
            w.WriteString("field", c.Field);
            w.WriteStartArray("junctionIdListNames");
            w.WriteEndArray();
            w.WriteStartArray("junctionReferenceTo");
            w.WriteEndArray();
            WriteStringOrNull(w, "relationshipName", c.RelationshipName);
            w.WriteBoolean("restrictedDelete", false);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteBoolean("compactLayoutable", entity);
        w.WriteBoolean("createable", o.Createable);
        w.WriteBoolean("custom", o.Custom);
        w.WriteBoolean("customSetting", false);
        w.WriteBoolean("deepCloneable", false);
        w.WriteNull("defaultImplementation");
        w.WriteBoolean("deletable", o.Deletable);
        w.WriteBoolean("deprecatedAndHidden", false);
        w.WriteNull("extendedBy");
        w.WriteNull("extendsInterfaces");
        w.WriteBoolean("feedEnabled", FeedEnabled(o));
        w.WriteStartArray("fields");
        foreach (var f in o.Fields)
        {
            WriteField(w, o, f);
        }

        w.WriteEndArray();
        w.WriteBoolean("hasSubtypes", false);
        w.WriteNull("implementedBy");
        w.WriteNull("implementsInterfaces");
        w.WriteBoolean("isInterface", false);
        w.WriteBoolean("isSubtype", false);
        w.WriteString("keyPrefix", o.KeyPrefix);
        w.WriteString("label", o.Label);
        w.WriteString("labelPlural", o.LabelPlural);
        w.WriteBoolean("layoutable", entity);
        w.WriteNull("listviewable");
        w.WriteNull("lookupLayoutable");
        w.WriteBoolean("mergeable", Mergeable(o));
        w.WriteBoolean("mruEnabled", entity);
        w.WriteString("name", o.Name);
        w.WriteStartArray("namedLayoutInfos");
        w.WriteEndArray();
        w.WriteNull("networkScopeFieldName");
        w.WriteBoolean("queryable", o.Queryable);
        w.WriteStartArray("recordTypeInfos");
        if (entity)
        {
            w.WriteStartObject();
            w.WriteBoolean("active", true);
            w.WriteBoolean("available", true);
            w.WriteBoolean("defaultRecordTypeMapping", true);
            w.WriteString("developerName", "Master");
            w.WriteBoolean("master", true);
            w.WriteString("name", "Master");
            w.WriteString("recordTypeId", MasterRecordTypeId);
            w.WriteStartObject("urls");
            w.WriteString("layout", $"{url}/describe/layouts/{MasterRecordTypeId}");
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteBoolean("replicateable", entity);
        w.WriteBoolean("retrieveable", entity);
        w.WriteBoolean("searchLayoutable", entity);
        w.WriteBoolean("searchable", entity);
        w.WriteString("sobjectDescribeOption", "FULL");
        w.WriteStartArray("supportedScopes");
        foreach (var (name, label) in SupportedScopes(o))
        {
            w.WriteStartObject();
            w.WriteString("label", label);
            w.WriteString("name", name);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteBoolean("triggerable", true);
        w.WriteBoolean("undeletable", entity && o.Deletable);
        w.WriteBoolean("updateable", o.Updateable);
        WriteUrls(w, o, url, instanceUrl);
        w.WriteEndObject();
    });

    private static void WriteGlobalItem(Utf8JsonWriter w, SObjectSchema o, string basePath)
    {
        var entity = o.Kind == SObjectKind.Entity;
        var url = $"{basePath}/sobjects/{o.Name}";
        w.WriteStartObject();
        w.WriteBoolean("activateable", false);
        w.WriteNull("associateEntityType");
        w.WriteNull("associateParentEntity");
        w.WriteBoolean("createable", o.Createable);
        w.WriteBoolean("custom", o.Custom);
        w.WriteBoolean("customSetting", false);
        w.WriteBoolean("deepCloneable", false);
        w.WriteBoolean("deletable", o.Deletable);
        w.WriteBoolean("deprecatedAndHidden", false);
        w.WriteBoolean("feedEnabled", FeedEnabled(o));
        w.WriteBoolean("hasSubtypes", false);
        w.WriteBoolean("isInterface", false);
        w.WriteBoolean("isSubtype", false);
        w.WriteString("keyPrefix", o.KeyPrefix);
        w.WriteString("label", o.Label);
        w.WriteString("labelPlural", o.LabelPlural);
        w.WriteBoolean("layoutable", entity);
        w.WriteBoolean("mergeable", Mergeable(o));
        w.WriteBoolean("mruEnabled", entity);
        w.WriteString("name", o.Name);
        w.WriteBoolean("queryable", o.Queryable);
        w.WriteBoolean("replicateable", entity);
        w.WriteBoolean("retrieveable", entity);
        w.WriteBoolean("searchable", entity);
        w.WriteBoolean("triggerable", true);
        w.WriteBoolean("undeletable", entity && o.Deletable);
        w.WriteBoolean("updateable", o.Updateable);
        WriteUrls(w, o, url, instanceUrl: null);
        w.WriteEndObject();
    }

    /// <summary>The object's urls, in the real key order; the full describe adds the UI templates (<paramref name="instanceUrl"/>).</summary>
    private static void WriteUrls(Utf8JsonWriter w, SObjectSchema o, string url, string? instanceUrl)
    {
        w.WriteStartObject("urls");
        if (o.Kind == SObjectKind.Entity)
        {
            w.WriteString("compactLayouts", $"{url}/describe/compactLayouts");
            w.WriteString("rowTemplate", url + "/{ID}");
            w.WriteString("approvalLayouts", $"{url}/describe/approvalLayouts");
            if (instanceUrl is not null)
            {
                w.WriteString("uiDetailTemplate", instanceUrl + "/{ID}");
                w.WriteString("uiEditTemplate", instanceUrl + "/{ID}/e");
            }

            w.WriteString("listviews", $"{url}/listviews");
            w.WriteString("describe", $"{url}/describe");
            if (instanceUrl is not null)
            {
                w.WriteString("uiNewRecord", $"{instanceUrl}/{o.KeyPrefix}/e");
            }

            w.WriteString("quickActions", $"{url}/quickActions");
            w.WriteString("layouts", $"{url}/describe/layouts");
            w.WriteString("sobject", url);
        }
        else
        {
            WriteEventUrls(w, url);
        }

        w.WriteEndObject();
    }

    private static void WriteEventUrls(Utf8JsonWriter w, string url)
    {
        w.WriteString("rowTemplate", url + "/{ID}");
        w.WriteString("eventSchema", $"{url}/eventSchema");
        w.WriteString("describe", $"{url}/describe");
        w.WriteString("sobject", url);
    }

    private static void WriteField(Utf8JsonWriter w, SObjectSchema o, FieldSchema f)
    {
        var longText = f.Type == FieldType.TextArea && !f.Filterable;
        var isReference = f.Type == FieldType.Reference;
        var polymorphic = isReference && f.ReferenceTo.Count > 1;
        var personName = IsPersonName(o, f);
        var textual = f.Type is FieldType.String or FieldType.TextArea or FieldType.Picklist or FieldType.MultiPicklist
            or FieldType.Email or FieldType.Phone or FieldType.Url;
        var length = textual || f.Type is FieldType.Id or FieldType.Reference ? f.Length : 0;
        var numeric = f.Type is FieldType.Double or FieldType.Currency or FieldType.Percent;

        w.WriteStartObject();
        // Booleans, long text and multi-select values cannot be aggregated; everything else can (COUNT at least).
        w.WriteBoolean("aggregatable", f.Type is not (FieldType.Boolean or FieldType.MultiPicklist) && !longText);
        w.WriteBoolean("aiPredictionField", false);
        w.WriteBoolean("autoNumber", f.AutoNumber);
        // UTF-8 worst case: three bytes a character, except ids, which are ASCII.
        w.WriteNumber("byteLength", textual ? length * 3 : length);
        w.WriteBoolean("calculated", f.Calculated && !f.NameField);
        w.WriteNull("calculatedFormula");
        w.WriteBoolean("cascadeDelete", false);
        w.WriteBoolean("caseSensitive", f.CaseSensitive);
        WriteStringOrNull(w, "compoundFieldName", personName && !f.NameField ? "Name" : null);
        w.WriteNull("controllerName");
        w.WriteBoolean("createable", f.Createable);
        w.WriteBoolean("custom", f.Custom);
        WriteDefaultValue(w, f);
        WriteStringOrNull(w, "defaultValueFormula", DefaultValueFormula(f));
        w.WriteBoolean("defaultedOnCreate", f.DefaultedOnCreate);
        w.WriteBoolean("dependentPicklist", false);
        w.WriteBoolean("deprecatedAndHidden", false);
        w.WriteNumber("digits", f.Type == FieldType.Int ? f.Precision : 0);
        w.WriteBoolean("displayLocationInDecimal", false);
        w.WriteBoolean("encrypted", false);
        w.WriteBoolean("externalId", f.ExternalId);
        WriteStringOrNull(w, "extraTypeInfo", personName ? "personname" : f.Type == FieldType.TextArea ? "plaintextarea" : null);
        w.WriteBoolean("filterable", f.Filterable);
        w.WriteNull("filteredLookupInfo");
        w.WriteBoolean("formulaTreatNullNumberAsZero", false);
        // Real describes never mark fractional numbers, datetimes or long text as groupable.
        w.WriteBoolean("groupable", f.Groupable && !numeric && !longText && f.Type is not (FieldType.DateTime or FieldType.MultiPicklist));
        w.WriteBoolean("highScaleNumber", false);
        w.WriteBoolean("htmlFormatted", false);
        w.WriteBoolean("idLookup", f.IdLookup);
        WriteStringOrNull(w, "inlineHelpText", f.InlineHelpText);
        w.WriteString("label", f.Label);
        w.WriteNumber("length", length);
        w.WriteNull("mask");
        w.WriteNull("maskType");
        w.WriteString("name", f.Name);
        w.WriteBoolean("nameField", f.NameField);
        w.WriteBoolean("namePointing", polymorphic);
        w.WriteBoolean("nillable", f.Nillable);
        // Field-level security applies to optional, writable fields only (required and system fields are always visible).
        w.WriteBoolean("permissionable", f.Nillable && f.Createable && f.Updateable && !personName && !f.NameField);
        w.WriteStartArray("picklistValues");
        foreach (var v in f.PicklistValues)
        {
            w.WriteStartObject();
            w.WriteBoolean("active", v.Active);
            w.WriteBoolean("defaultValue", v.DefaultValue);
            w.WriteString("label", v.Label);
            w.WriteNull("validFor");
            w.WriteString("value", v.Value);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteBoolean("polymorphicForeignKey", polymorphic);
        w.WriteNumber("precision", numeric ? f.Precision : 0);
        w.WriteBoolean("queryByDistance", false);
        w.WriteNull("referenceTargetField");
        w.WriteStartArray("referenceTo");
        foreach (var target in f.ReferenceTo)
        {
            w.WriteStringValue(target);
        }

        w.WriteEndArray();
        WriteStringOrNull(w, "relationshipName", f.RelationshipName);
        if (f.MasterDetail)
        {
            w.WriteNumber("relationshipOrder", 0);
        }
        else
        {
            w.WriteNull("relationshipOrder");
        }

        w.WriteBoolean("restrictedDelete", false);
        w.WriteBoolean("restrictedPicklist", f.RestrictedPicklist);
        w.WriteNumber("scale", numeric ? f.Scale : 0);
        w.WriteBoolean("searchPrefilterable", isReference && f.Nillable && !polymorphic);
        w.WriteString("soapType", f.SoapType);
        w.WriteBoolean("sortable", f.Sortable && !longText && f.Type != FieldType.MultiPicklist);
        w.WriteString("type", f.WireType);
        w.WriteBoolean("unique", f.Unique);
        w.WriteBoolean("updateable", f.Updateable);
        w.WriteBoolean("writeRequiresMasterRead", false);
        w.WriteEndObject();
    }

    /// <summary>Checkboxes report their default as a boolean, picklists as the value; other defaults are formulas.</summary>
    private static void WriteDefaultValue(Utf8JsonWriter w, FieldSchema f)
    {
        switch (f.DefaultValue)
        {
            case bool b when f.Type == FieldType.Boolean:
                w.WriteBoolean("defaultValue", b);
                break;
            case string s when f.Type is FieldType.Picklist or FieldType.MultiPicklist:
                w.WriteString("defaultValue", s);
                break;
            case null when f.Type == FieldType.Boolean:
                w.WriteBoolean("defaultValue", false);
                break;
            default:
                w.WriteNull("defaultValue");
                break;
        }
    }

    private static string? DefaultValueFormula(FieldSchema f) => f.DefaultValue switch
    {
        _ when f.Type is FieldType.Boolean or FieldType.Picklist or FieldType.MultiPicklist => null,
        string s => "\"" + s.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>Lead, Contact and User names are compounds of Salutation/FirstName/LastName, flagged as personname.</summary>
    private static bool IsPersonName(SObjectSchema o, FieldSchema f) =>
        o.NameFieldSchema is { Name: "Name", Calculated: true } && (f.NameField || PersonNameParts.Contains(f.Name));

    private static bool FeedEnabled(SObjectSchema o) => !o.Custom && o.Kind == SObjectKind.Entity && o.FindField("OwnerId") is not null;

    private static bool Mergeable(SObjectSchema o) => o.Name is "Lead" or "Contact" or "Account";

    private static IEnumerable<(string Name, string Label)> SupportedScopes(SObjectSchema o)
    {
        if (o.Kind != SObjectKind.Entity)
        {
            return [];
        }

        var plural = o.LabelPlural.ToLowerInvariant();
        if (o.FindField("OwnerId") is null)
        {
            return [("everything", $"All {plural}")];
        }

        return o.SupportsAssignmentRules
            ? [("everything", $"All {plural}"), ("mine", $"My {plural}"), ("queue_owned", $"Queue owned {plural}"), ("scopingRule", "Filter by scope"), ("team", $"My team's {plural}"), ("user_owned", $"User owned {plural}")]
            : [("everything", $"All {plural}"), ("mine", $"My {plural}"), ("scopingRule", "Filter by scope"), ("team", $"My team's {plural}")];
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(w);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
