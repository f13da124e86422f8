using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace Connector.SalesforceEmulator.Schema;

/// <summary>
/// Reads the custom objects, custom fields and platform events of an SFDX project in source format
/// (objects/&lt;Object&gt;/&lt;Object&gt;.object-meta.xml and fields/&lt;Field&gt;.field-meta.xml) and lays them over
/// the standard schema, so the emulated org carries exactly what a deploy of salesforce-metadata/ would create.
/// Anything it cannot map is an error naming the file: an org that silently lacks a field is worse than
/// an emulator that refuses to start.
/// </summary>
public static class SfdxSchemaReader
{
    public static readonly XNamespace Md = "http://soap.sforce.com/2006/04/metadata";

    private const string ObjectSuffix = ".object-meta.xml";
    private const string FieldSuffix = ".field-meta.xml";

    public static IEnumerable<SObjectSchema> Apply(IEnumerable<SObjectSchema> standard, string metadataPath)
    {
        var standardObjects = standard.ToList();
        var byName = standardObjects.ToDictionary(o => o.Name, StringComparer.OrdinalIgnoreCase);
        var folders = FindObjectFolders(metadataPath);

        var extended = new Dictionary<string, SObjectSchema>(StringComparer.OrdinalIgnoreCase);
        var custom = new List<SObjectSchema>();
        var customObjects = folders.Keys.Where(n => n.EndsWith("__c", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var events = folders.Keys.Where(n => n.EndsWith("__e", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

        foreach (var (name, dirs) in folders.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var source = new ObjectSource(metadataPath, name, dirs);
            if (name.EndsWith("__c", StringComparison.Ordinal))
            {
                custom.Add(ReadCustomObject(source, KeyPrefix('a', customObjects.IndexOf(name), source)));
            }
            else if (name.EndsWith("__e", StringComparison.Ordinal))
            {
                custom.Add(ReadPlatformEvent(source, KeyPrefix('e', events.IndexOf(name), source)));
            }
            else if (name.Contains("__", StringComparison.Ordinal))
            {
                throw source.Error(source.Folder, $"{name} is not supported: the emulator reads custom objects (__c) and platform events (__e) only.");
            }
            else if (byName.TryGetValue(name, out var std))
            {
                extended[std.Name] = Extend(std, source);
            }
            else
            {
                throw source.Error(source.Folder,
                    $"{name} is not a standard object the emulator knows ({string.Join(", ", byName.Keys.Order(StringComparer.Ordinal))}); custom object names end in __c.");
            }
        }

        return [.. standardObjects.Select(o => extended.GetValueOrDefault(o.Name, o)), .. custom];
    }

    /// <summary>Object name → every objects/&lt;name&gt;/ folder under the project's package directories.</summary>
    private static Dictionary<string, List<string>> FindObjectFolders(string metadataPath)
    {
        var projectFile = Path.Combine(metadataPath, "sfdx-project.json");
        List<string> packageDirs;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(projectFile));
            packageDirs = doc.RootElement.TryGetProperty("packageDirectories", out var dirs) && dirs.ValueKind == JsonValueKind.Array
                ? [.. dirs.EnumerateArray().Select(d => d.TryGetProperty("path", out var p) ? p.GetString() : null).OfType<string>()]
                : throw new InvalidDataException($"{projectFile}: packageDirectories is missing or not an array.");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{projectFile}: cannot read the SFDX project file: {e.Message}", e);
        }

        var folders = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var packageDir in packageDirs)
        {
            var root = Path.GetFullPath(Path.Combine(metadataPath, packageDir));
            if (!Directory.Exists(root))
            {
                throw new InvalidDataException($"{projectFile}: package directory '{packageDir}' does not exist.");
            }

            foreach (var objectsDir in Directory.EnumerateDirectories(root, "objects", SearchOption.AllDirectories))
            {
                foreach (var objectDir in Directory.EnumerateDirectories(objectsDir))
                {
                    var name = Path.GetFileName(objectDir);
                    if (!folders.TryGetValue(name, out var list))
                    {
                        folders[name] = list = [];
                    }

                    list.Add(objectDir);
                }
            }
        }

        return folders;
    }

    private static string KeyPrefix(char first, int index, ObjectSource source) =>
        index is >= 0 and < 100
            ? first + index.ToString("00", CultureInfo.InvariantCulture)
            : throw source.Error(source.Folder, "more than 100 custom objects or platform events: no key prefix left.");

    private static SObjectSchema Extend(SObjectSchema standard, ObjectSource source)
    {
        var custom = source.ReadFields(platformEvent: false);
        if (custom.Count == 0)
        {
            return standard;
        }

        var extended = new SObjectSchema(standard.Name, standard.Label, standard.LabelPlural, standard.KeyPrefix, [])
        {
            Custom = standard.Custom,
            Kind = standard.Kind,
            Createable = standard.Createable,
            Updateable = standard.Updateable,
            Deletable = standard.Deletable,
            Queryable = standard.Queryable,
            ChangeDataCapture = standard.ChangeDataCapture,
            SupportsAssignmentRules = standard.SupportsAssignmentRules,
            Description = standard.Description,
        };
        foreach (var field in standard.Fields.Concat(custom))
        {
            AddField(extended, field, source);
        }

        return extended;
    }

    private static SObjectSchema ReadCustomObject(ObjectSource source, string keyPrefix)
    {
        var (file, root) = source.ReadObjectFile();
        var label = Required(root, "label", file, source);
        var plural = Required(root, "pluralLabel", file, source);
        var nameField = root.Element(Md + "nameField") ?? throw source.Error(file, "nameField is missing.");
        var fields = source.ReadFields(platformEvent: false);
        var masterDetail = fields.Any(f => f.MasterDetail);

        var audit = F.Audit().ToList();
        var schema = new SObjectSchema(source.Name, label, plural, keyPrefix, [])
        {
            Custom = true,
            ChangeDataCapture = true,
            Description = Optional(root, "description"),
        };
        AddField(schema, F.Id(), source);
        if (!masterDetail)
        {
            // Detail records have no owner: access follows the master (sharingModel ControlledByParent).
            AddField(schema, F.Owner(), source);
        }

        AddField(schema, audit[0], source);
        AddField(schema, ReadNameField(nameField, file, source), source);
        foreach (var f in audit.Skip(1))
        {
            AddField(schema, f, source);
        }

        if (Bool(root, "enableActivities", file, source) == true)
        {
            AddField(schema, F.Date("LastActivityDate", "Last Activity Date", readOnly: true), source);
        }

        foreach (var f in fields)
        {
            AddField(schema, f, source);
        }

        return schema;
    }

    private static FieldSchema ReadNameField(XElement nameField, string file, ObjectSource source)
    {
        var label = Required(nameField, "label", file, source, "nameField/");
        return Required(nameField, "type", file, source, "nameField/") switch
        {
            // A custom object's text name may be left out on create (the org then uses the record id).
            "Text" => new FieldSchema
            {
                Name = "Name", Label = label, Type = FieldType.String, Length = 80, NameField = true,
                DefaultedOnCreate = true, IdLookup = true,
            },
            "AutoNumber" => new FieldSchema
            {
                Name = "Name", Label = label, Type = FieldType.String, Length = 30, NameField = true, AutoNumber = true,
                Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true, IdLookup = true,
            },
            var other => throw source.Error(file, $"nameField type '{other}' is not supported (Text or AutoNumber)."),
        };
    }

    private static SObjectSchema ReadPlatformEvent(ObjectSource source, string keyPrefix)
    {
        var (file, root) = source.ReadObjectFile();
        var label = Required(root, "label", file, source);
        var plural = Required(root, "pluralLabel", file, source);
        if (Optional(root, "eventType") is { } eventType && eventType is not ("HighVolume" or "StandardVolume"))
        {
            throw source.Error(file, $"eventType '{eventType}' is not valid (HighVolume or StandardVolume).");
        }

        if (Optional(root, "publishBehavior") is { } publish && publish is not ("PublishAfterCommit" or "PublishImmediately"))
        {
            throw source.Error(file, $"publishBehavior '{publish}' is not valid (PublishAfterCommit or PublishImmediately).");
        }

        var schema = new SObjectSchema(source.Name, label, plural, keyPrefix, [])
        {
            Custom = true,
            Kind = SObjectKind.PlatformEvent,
            Queryable = false,
            Updateable = false,
            Deletable = false,
            Description = Optional(root, "description"),
        };
        FieldSchema[] system =
        [
            new() { Name = "ReplayId", Label = "Replay ID", Type = FieldType.String, Length = 255, Createable = false, Updateable = false, Filterable = false, Sortable = false, Groupable = false },
            new() { Name = "CreatedDate", Label = "Created Date", Type = FieldType.DateTime, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true },
            new() { Name = "CreatedById", Label = "Created By ID", Type = FieldType.Reference, Length = 18, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true, ReferenceTo = ["User"], RelationshipName = "CreatedBy" },
            new() { Name = "EventUuid", Label = "Event UUID", Type = FieldType.String, Length = 36, Createable = false, Updateable = false, Filterable = false, Sortable = false, Groupable = false },
        ];
        foreach (var f in system.Concat(source.ReadFields(platformEvent: true)))
        {
            AddField(schema, f, source);
        }

        return schema;
    }

    private static void AddField(SObjectSchema schema, FieldSchema field, ObjectSource source)
    {
        if (schema.FindField(field.Name) is not null)
        {
            throw source.Error(source.Folder, $"field {field.Name} is defined twice on {schema.Name}.");
        }

        schema.AddField(field);
    }

    internal static FieldSchema ReadField(string file, XElement root, bool platformEvent, ObjectSource source)
    {
        var fullName = Required(root, "fullName", file, source);
        var expected = Path.GetFileName(file)[..^FieldSuffix.Length];
        if (!fullName.Equals(expected, StringComparison.Ordinal))
        {
            throw source.Error(file, $"fullName '{fullName}' does not match the file name '{expected}'.");
        }

        if (!fullName.EndsWith("__c", StringComparison.Ordinal))
        {
            throw source.Error(file, $"'{fullName}' is not a custom field name (custom fields end in __c).");
        }

        var label = Required(root, "label", file, source);
        var type = Required(root, "type", file, source);
        var required = Bool(root, "required", file, source) ?? false;
        var help = Optional(root, "inlineHelpText");
        var externalId = Bool(root, "externalId", file, source) ?? false;
        var unique = Bool(root, "unique", file, source) ?? false;
        var caseSensitive = Bool(root, "caseSensitive", file, source) ?? false;

        FieldSchema Base(FieldType t, int length = 0, int precision = 0, int scale = 0) => new()
        {
            Name = fullName, Label = label, Type = t, Length = length, Precision = precision, Scale = scale,
            Nillable = !required, Custom = true, InlineHelpText = help, ExternalId = externalId, Unique = unique,
            CaseSensitive = caseSensitive, IdLookup = externalId, DefaultValue = LiteralDefault(root, t, file, source),
        };

        var field = type switch
        {
            "Text" => Base(FieldType.String, Length(root, file, source, 1, 255)),
            "TextArea" => Base(FieldType.TextArea, 255),
            "LongTextArea" => LongText(Base(FieldType.TextArea, Length(root, file, source, 256, 131_072))),
            "Email" => Base(FieldType.Email, 80),
            "Phone" => Base(FieldType.Phone, 40),
            "Url" => Base(FieldType.Url, 255),
            "Checkbox" => new FieldSchema
            {
                Name = fullName, Label = label, Type = FieldType.Boolean, Nillable = false, DefaultedOnCreate = true,
                DefaultValue = CheckboxDefault(root, file, source), Custom = true, InlineHelpText = help,
            },
            "Number" => Number(FieldType.Double),
            "Currency" => Number(FieldType.Currency),
            "Percent" => Number(FieldType.Percent),
            "Date" => Base(FieldType.Date),
            "DateTime" => Base(FieldType.DateTime),
            "Time" => Base(FieldType.Time),
            "Picklist" => Picklist(Base(FieldType.Picklist, 255), root, file, source),
            "MultiselectPicklist" => Picklist(Base(FieldType.MultiPicklist, 4099), root, file, source),
            "Lookup" or "MasterDetail" => Reference(Base(FieldType.Reference, 18), root, type == "MasterDetail", file, source),
            _ => throw source.Error(file, $"field type '{type}' is not supported (Text, TextArea, LongTextArea, Email, Phone, Url, Checkbox, Number, Currency, Percent, Date, DateTime, Time, Picklist, MultiselectPicklist, Lookup, MasterDetail)."),
        };

        if (platformEvent && field.Type is FieldType.Reference or FieldType.Picklist or FieldType.MultiPicklist or FieldType.Email or FieldType.Phone or FieldType.Url or FieldType.Percent or FieldType.Currency)
        {
            throw source.Error(file, $"field type '{type}' is not available on platform events (Text, LongTextArea, Checkbox, Number, Date, DateTime).");
        }

        if ((externalId || unique) && field.Type is not (FieldType.String or FieldType.Email or FieldType.Double))
        {
            throw source.Error(file, $"externalId/unique is only allowed on Text, Email and Number fields, not {type}.");
        }

        return field;

        FieldSchema Number(FieldType t)
        {
            var precision = Int(root, "precision", file, source) ?? throw source.Error(file, $"{type} field needs precision.");
            var scale = Int(root, "scale", file, source) ?? throw source.Error(file, $"{type} field needs scale.");
            if (precision is < 1 or > 18 || scale < 0 || scale > precision)
            {
                throw source.Error(file, $"precision {precision} / scale {scale} is out of range (precision 1-18, scale 0-precision).");
            }

            return Base(t, precision: precision, scale: scale);
        }
    }

    private static bool CheckboxDefault(XElement root, string file, ObjectSource source)
    {
        // The Metadata API rejects a checkbox without a default, so a missing one means a broken file.
        var text = Optional(root, "defaultValue") ?? throw source.Error(file, "Checkbox field needs defaultValue (true or false).");
        return text.ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw source.Error(file, $"Checkbox defaultValue '{text}' is not true or false."),
        };
    }

    private static FieldSchema Picklist(FieldSchema f, XElement root, string file, ObjectSource source)
    {
        var valueSet = root.Element(Md + "valueSet") ?? throw source.Error(file, "picklist field needs valueSet.");
        if (Optional(valueSet, "valueSetName") is { } global)
        {
            throw source.Error(file, $"global value set '{global}' is not supported: define the values in valueSetDefinition.");
        }

        var definition = valueSet.Element(Md + "valueSetDefinition") ?? throw source.Error(file, "valueSet needs valueSetDefinition.");
        var values = new List<PicklistValue>();
        foreach (var v in definition.Elements(Md + "value"))
        {
            var value = Required(v, "fullName", file, source, "valueSetDefinition/value/");
            values.Add(new PicklistValue(value, Optional(v, "label") ?? value, Bool(v, "isActive", file, source) ?? true, Bool(v, "default", file, source) ?? false));
        }

        if (values.Count == 0)
        {
            throw source.Error(file, "valueSetDefinition has no values.");
        }

        var duplicate = values.GroupBy(v => v.Value, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw source.Error(file, $"picklist value '{duplicate.Key}' is defined twice.");
        }

        var defaults = values.Where(v => v.DefaultValue).ToList();
        if (defaults.Count > 1 && f.Type == FieldType.Picklist)
        {
            throw source.Error(file, "a picklist can have only one default value.");
        }

        var defaultValue = defaults.Count == 0 ? null : string.Join(';', defaults.Select(v => v.Value));
        return new FieldSchema
        {
            Name = f.Name, Label = f.Label, Type = f.Type, Length = f.Length, Nillable = f.Nillable, Custom = true,
            InlineHelpText = f.InlineHelpText, PicklistValues = values,
            RestrictedPicklist = Bool(valueSet, "restricted", file, source) ?? false,
            DefaultValue = defaultValue, DefaultedOnCreate = defaultValue is not null,
            Sortable = f.Type == FieldType.Picklist, Groupable = f.Type == FieldType.Picklist,
        };
    }

    private static FieldSchema Reference(FieldSchema f, XElement root, bool masterDetail, string file, ObjectSource source)
    {
        var target = Required(root, "referenceTo", file, source);
        var childRelationship = Required(root, "relationshipName", file, source);
        var deleteConstraint = Optional(root, "deleteConstraint");
        if (!masterDetail && deleteConstraint is not (null or "SetNull" or "Restrict" or "Cascade"))
        {
            throw source.Error(file, $"deleteConstraint '{deleteConstraint}' is not valid (SetNull, Restrict or Cascade).");
        }

        if (!masterDetail && !f.Nillable && deleteConstraint is null or "SetNull")
        {
            throw source.Error(file, "a required lookup cannot use deleteConstraint SetNull.");
        }

        return new FieldSchema
        {
            Name = f.Name, Label = f.Label, Type = FieldType.Reference, Length = 18, Custom = true,
            InlineHelpText = f.InlineHelpText, ReferenceTo = [target],
            RelationshipName = f.Name[..^3] + "__r",
            ChildRelationshipName = childRelationship + "__r",
            MasterDetail = masterDetail,
            Nillable = !masterDetail && f.Nillable,
            // A master-detail field can only be re-pointed when the project allows reparenting.
            Updateable = !masterDetail || (Bool(root, "reparentableMasterDetail", file, source) ?? false),
        };
    }

    /// <summary>Long text cannot be filtered, sorted or grouped on (SOQL rejects it in WHERE/ORDER BY/GROUP BY).</summary>
    private static FieldSchema LongText(FieldSchema f) => new()
    {
        Name = f.Name, Label = f.Label, Type = f.Type, Length = f.Length, Nillable = f.Nillable, Custom = true,
        InlineHelpText = f.InlineHelpText, DefaultValue = f.DefaultValue, Filterable = false, Sortable = false,
        Groupable = false,
    };

    /// <summary>Literal defaults only ("text", 0, 12.5): formulas need an engine the emulator does not have.</summary>
    private static object? LiteralDefault(XElement root, FieldType type, string file, ObjectSource source)
    {
        if (Optional(root, "defaultValue") is not { } text || type == FieldType.Boolean)
        {
            return null;
        }

        text = text.Trim();
        if (type is FieldType.String or FieldType.TextArea or FieldType.Email or FieldType.Phone or FieldType.Url
            && text.Length >= 2 && text[0] is '"' or '\'' && text[^1] == text[0])
        {
            return text[1..^1];
        }

        if (type is FieldType.Double or FieldType.Currency or FieldType.Percent
            && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        throw source.Error(file, $"defaultValue '{text}' is not supported: only text and number literals are.");
    }

    private static int Length(XElement root, string file, ObjectSource source, int min, int max)
    {
        var length = Int(root, "length", file, source) ?? throw source.Error(file, $"length is missing ({Optional(root, "type")} fields need one).");
        return length >= min && length <= max
            ? length
            : throw source.Error(file, $"length {length} is out of range ({min}-{max}).");
    }

    private static string Required(XElement parent, string name, string file, ObjectSource source, string path = "") =>
        Optional(parent, name) is { Length: > 0 } value ? value : throw source.Error(file, $"{path}{name} is missing.");

    private static string? Optional(XElement parent, string name) => parent.Element(Md + name)?.Value.Trim();

    private static bool? Bool(XElement parent, string name, string file, ObjectSource source) => Optional(parent, name) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var other => throw source.Error(file, $"{name} '{other}' is not true or false."),
    };

    private static int? Int(XElement parent, string name, string file, ObjectSource source) => Optional(parent, name) switch
    {
        null => null,
        var text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) => value,
        var other => throw source.Error(file, $"{name} '{other}' is not a whole number."),
    };

    /// <summary>The folders of one object across package directories, and errors that name the offending file.</summary>
    internal sealed class ObjectSource(string projectPath, string name, IReadOnlyList<string> folders)
    {
        public string Name => name;
        public string Folder => folders[0];

        public InvalidDataException Error(string path, string problem) =>
            new($"salesforce-metadata {Path.GetRelativePath(projectPath, path)}: {problem}");

        public (string File, XElement Root) ReadObjectFile()
        {
            var files = folders.Select(f => Path.Combine(f, name + ObjectSuffix)).Where(File.Exists).ToList();
            return files.Count switch
            {
                0 => throw Error(Folder, $"{name}{ObjectSuffix} is missing: a custom object or platform event needs its object definition."),
                1 => (files[0], Load(files[0], "CustomObject")),
                _ => throw Error(files[1], $"{name} is defined in more than one package directory."),
            };
        }

        public List<FieldSchema> ReadFields(bool platformEvent)
        {
            foreach (var folder in folders)
            {
                var objectFile = Path.Combine(folder, name + ObjectSuffix);
                if (File.Exists(objectFile))
                {
                    Load(objectFile, "CustomObject");
                }
            }

            return
            [
                .. folders
                    .Select(f => Path.Combine(f, "fields"))
                    .Where(Directory.Exists)
                    .SelectMany(d => Directory.EnumerateFiles(d, "*" + FieldSuffix))
                    .OrderBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
                    .Select(file => ReadField(file, Load(file, "CustomField"), platformEvent, this)),
            ];
        }

        private XElement Load(string file, string rootName)
        {
            XDocument doc;
            try
            {
                doc = XDocument.Load(file);
            }
            catch (XmlException e)
            {
                throw Error(file, $"malformed XML: {e.Message}");
            }

            var root = doc.Root!;
            return root.Name == Md + rootName
                ? root
                : throw Error(file, $"root element is <{root.Name.LocalName}> in namespace '{root.Name.NamespaceName}'; expected <{rootName}> in {Md.NamespaceName}.");
        }
    }
}
