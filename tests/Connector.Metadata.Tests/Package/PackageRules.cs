using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Connector.SalesforceEmulator.Schema;

namespace Connector.Metadata.Tests.Package;

/// <summary>
/// The checks a real org makes on deploy that no offline Salesforce tool makes (see the tooling doc): each returns
/// the problems it finds as "file: what is wrong", empty when the package is fine.
/// </summary>
public static partial class PackageRules
{
    private static readonly XNamespace Md = SfdxPackage.Md;

    public static IReadOnlyList<(string Name, Func<SfdxPackage, IReadOnlyList<string>> Check)> All { get; } =
    [
        (nameof(WellFormedXml), WellFormedXml),
        (nameof(FullNamesMatchFileNames), FullNamesMatchFileNames),
        (nameof(FieldDefinitions), FieldDefinitions),
        (nameof(LookupTargets), LookupTargets),
        (nameof(LwcBundles), LwcBundles),
        (nameof(LwcReferences), LwcReferences),
        (nameof(ApexClasses), ApexClasses),
        (nameof(PermissionSets), PermissionSets),
        (nameof(QuickActions), QuickActions),
        (nameof(Layouts), Layouts),
        (nameof(FlexiPages), FlexiPages),
        (nameof(ChangeDataCapture), ChangeDataCapture),
        (nameof(ConnectedApps), ConnectedApps),
    ];

    /// <summary>Every XML file parses (sf project convert silently repairs or copies broken XML; a deploy fails).</summary>
    public static IReadOnlyList<string> WellFormedXml(SfdxPackage package)
    {
        var problems = new List<string>();
        foreach (var file in package.XmlFiles())
        {
            try
            {
                new XmlDocument().Load(file);
            }
            catch (XmlException e)
            {
                problems.Add($"{package.Relative(file)}: malformed XML: {e.Message}");
            }
        }

        return problems;
    }

    /// <summary>A &lt;fullName&gt; at the root of a source file must equal the name the file gives the component.</summary>
    public static IReadOnlyList<string> FullNamesMatchFileNames(SfdxPackage package)
    {
        var problems = new List<string>();
        foreach (var file in package.XmlFiles().Where(f => f.EndsWith("-meta.xml", StringComparison.Ordinal)))
        {
            if (package.Xml(file)?.Root?.Element(Md + "fullName")?.Value.Trim() is not { } fullName)
            {
                continue;
            }

            var name = Path.GetFileName(file);
            var stem = name[..name.IndexOf('.', StringComparison.Ordinal)];
            if (!string.Equals(fullName, stem, StringComparison.Ordinal))
            {
                problems.Add($"{package.Relative(file)}: fullName '{fullName}' does not match the file name '{stem}'");
            }
        }

        return problems;
    }

    private static readonly Dictionary<string, string[]> FieldTypes = new(StringComparer.Ordinal)
    {
        ["Text"] = ["length"], ["TextArea"] = [], ["LongTextArea"] = ["length", "visibleLines"], ["Html"] = ["length", "visibleLines"],
        ["Email"] = [], ["Phone"] = [], ["Url"] = [], ["Checkbox"] = ["defaultValue"], ["Number"] = ["precision", "scale"],
        ["Currency"] = ["precision", "scale"], ["Percent"] = ["precision", "scale"], ["Date"] = [], ["DateTime"] = [], ["Time"] = [],
        ["Picklist"] = ["valueSet"], ["MultiselectPicklist"] = ["valueSet", "visibleLines"], ["Lookup"] = ["referenceTo", "relationshipName"],
        ["MasterDetail"] = ["referenceTo", "relationshipName"], ["AutoNumber"] = ["displayFormat"], ["Location"] = ["scale"],
        ["EncryptedText"] = ["length", "maskChar", "maskType"],
    };

    /// <summary>Known field types with the elements each needs, a label, and help text on every custom field (the issue asks for it).</summary>
    public static IReadOnlyList<string> FieldDefinitions(SfdxPackage package)
    {
        var problems = new List<string>();
        foreach (var (obj, fields) in package.Fields)
        {
            foreach (var (name, root) in fields.Where(f => f.Value is not null))
            {
                var file = $"objects/{obj}/fields/{name}.field-meta.xml";
                if (root!.Name != Md + "CustomField")
                {
                    problems.Add($"{file}: root element is <{root.Name.LocalName}>, expected <CustomField> in the metadata namespace");
                    continue;
                }

                var type = SfdxPackage.Text(root, "type");
                if (type is null || !FieldTypes.TryGetValue(type, out var required))
                {
                    problems.Add($"{file}: unknown field type '{type}' (known: {string.Join(", ", FieldTypes.Keys)})");
                    continue;
                }

                if (obj.EndsWith("__e", StringComparison.Ordinal) && type is not ("Text" or "LongTextArea" or "Checkbox" or "Number" or "Date" or "DateTime"))
                {
                    problems.Add($"{file}: field type '{type}' is not available on platform events");
                }

                problems.AddRange(required.Where(e => root.Element(Md + e) is null).Select(e => $"{file}: a {type} field needs <{e}>"));
                if (string.IsNullOrWhiteSpace(SfdxPackage.Text(root, "label")))
                {
                    problems.Add($"{file}: <label> is missing");
                }

                if (string.IsNullOrWhiteSpace(SfdxPackage.Text(root, "inlineHelpText")))
                {
                    problems.Add($"{file}: <inlineHelpText> is missing: every custom field carries help text");
                }

                if (type is "Picklist" or "MultiselectPicklist" && !root.Descendants(Md + "value").Any())
                {
                    problems.Add($"{file}: the picklist has no values");
                }
            }
        }

        return problems;
    }

    /// <summary>A lookup's referenceTo is an object of the package or a standard object the org has.</summary>
    public static IReadOnlyList<string> LookupTargets(SfdxPackage package)
    {
        var problems = new List<string>();
        foreach (var (obj, fields) in package.Fields)
        {
            foreach (var (name, root) in fields.Where(f => f.Value is not null))
            {
                if (SfdxPackage.Text(root!, "referenceTo") is { } target && !package.HasObject(target))
                {
                    problems.Add($"objects/{obj}/fields/{name}.field-meta.xml: referenceTo '{target}' is neither an object of this package nor a standard object");
                }
            }
        }

        return problems;
    }

    private static readonly HashSet<string> LwcTargets = new(StringComparer.Ordinal)
    {
        "lightning__AppPage", "lightning__HomePage", "lightning__RecordPage", "lightning__RecordAction", "lightning__GlobalAction",
        "lightning__Tab", "lightning__UtilityBar", "lightning__FlowScreen", "lightning__FlowAction", "lightning__Inbox",
        "lightning__UrlAddressable", "lightning__ChatMessage", "lightningCommunity__Page", "lightningCommunity__Default",
        "lightningCommunity__Page_Layout", "lightningCommunity__Theme_Layout", "lightningSnapin__ChatMessage",
        "lightningSnapin__Minimized", "lightningSnapin__PreChat", "lightningSnapin__ChatHeader", "lightningStatic__Email",
        "analytics__Dashboard", "lightning__Dashboard", "lightning__EnablementProgram",
    };

    /// <summary>Each bundle has its .js and .js-meta.xml; targets, actionType, objects and form factors are valid.</summary>
    public static IReadOnlyList<string> LwcBundles(SfdxPackage package)
    {
        var problems = new List<string>();
        foreach (var bundle in package.LwcBundles())
        {
            var dir = $"force-app/main/default/lwc/{bundle}";
            if (!File.Exists(Path.Combine(package.Source, "lwc", bundle, bundle + ".js")))
            {
                problems.Add($"{dir}: {bundle}.js is missing");
            }

            var metaFile = package.LwcMetaFile(bundle);
            if (!File.Exists(metaFile))
            {
                problems.Add($"{dir}: {bundle}.js-meta.xml is missing");
                continue;
            }

            if (package.Xml(metaFile)?.Root is not { } meta)
            {
                continue;
            }

            if (meta.Name != Md + "LightningComponentBundle")
            {
                problems.Add($"{dir}/{bundle}.js-meta.xml: root element is <{meta.Name.LocalName}>, expected <LightningComponentBundle>");
                continue;
            }

            var targets = meta.Element(Md + "targets")?.Elements(Md + "target").Select(t => t.Value.Trim()).ToList() ?? [];
            problems.AddRange(targets.Where(t => !LwcTargets.Contains(t)).Select(t => $"{dir}/{bundle}.js-meta.xml: unknown target '{t}'"));
            if (targets.Count > 0 && SfdxPackage.Text(meta, "isExposed") != "true")
            {
                problems.Add($"{dir}/{bundle}.js-meta.xml: a bundle with targets must be isExposed true");
            }

            foreach (var config in meta.Element(Md + "targetConfigs")?.Elements(Md + "targetConfig") ?? [])
            {
                var configTargets = (config.Attribute("targets")?.Value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                problems.AddRange(configTargets.Where(t => !targets.Contains(t)).Select(t => $"{dir}/{bundle}.js-meta.xml: targetConfig for '{t}', which is not among the targets"));
                if (SfdxPackage.Text(config, "actionType") is { } actionType)
                {
                    if (!configTargets.All(t => t is "lightning__RecordAction" or "lightning__GlobalAction"))
                    {
                        problems.Add($"{dir}/{bundle}.js-meta.xml: actionType is only valid for lightning__RecordAction or lightning__GlobalAction");
                    }

                    if (actionType is not ("ScreenAction" or "Action"))
                    {
                        problems.Add($"{dir}/{bundle}.js-meta.xml: actionType '{actionType}' is not ScreenAction or Action");
                    }
                }

                foreach (var obj in config.Element(Md + "objects")?.Elements(Md + "object").Select(o => o.Value.Trim()) ?? [])
                {
                    if (!package.HasObject(obj))
                    {
                        problems.Add($"{dir}/{bundle}.js-meta.xml: object '{obj}' does not exist");
                    }
                }

                foreach (var factor in config.Descendants(Md + "supportedFormFactor"))
                {
                    if (factor.Attribute("type")?.Value is not ("Small" or "Large"))
                    {
                        problems.Add($"{dir}/{bundle}.js-meta.xml: supportedFormFactor type '{factor.Attribute("type")?.Value}' is not Small or Large");
                    }
                }
            }
        }

        return problems;
    }

    [GeneratedRegex("""from\s+'@salesforce/(apex|schema)/([A-Za-z0-9_.]+)'""")]
    private static partial Regex SalesforceImport();

    [GeneratedRegex("""from\s+'c/([A-Za-z0-9_]+)'""")]
    private static partial Regex ComponentImport();

    /// <summary>What component JavaScript imports exists: Apex classes and @AuraEnabled methods, schema objects and fields, c/ modules.</summary>
    public static IReadOnlyList<string> LwcReferences(SfdxPackage package)
    {
        var problems = new List<string>();
        var bundles = package.LwcBundles().ToHashSet(StringComparer.Ordinal);
        foreach (var bundle in bundles)
        {
            var js = Path.Combine(package.Source, "lwc", bundle, bundle + ".js");
            if (!File.Exists(js))
            {
                continue;
            }

            var file = package.Relative(js);
            var source = File.ReadAllText(js);
            foreach (Match m in SalesforceImport().Matches(source))
            {
                var parts = m.Groups[2].Value.Split('.');
                if (m.Groups[1].Value == "apex")
                {
                    var cls = Path.Combine(package.Source, "classes", parts[0] + ".cls");
                    if (parts.Length != 2 || !File.Exists(cls))
                    {
                        problems.Add($"{file}: imports Apex '{m.Groups[2].Value}', but there is no class {parts[0]}");
                    }
                    else if (!Regex.IsMatch(File.ReadAllText(cls), $@"@AuraEnabled[^;{{]*?\b{Regex.Escape(parts[1])}\s*\(", RegexOptions.Singleline))
                    {
                        problems.Add($"{file}: imports Apex '{m.Groups[2].Value}', but {parts[0]} has no @AuraEnabled method {parts[1]}");
                    }
                }
                else if (!package.HasObject(parts[0]))
                {
                    problems.Add($"{file}: imports schema '{m.Groups[2].Value}', but there is no object {parts[0]}");
                }
                else if (parts.Length >= 2 && !package.HasField(parts[0], parts[1]) && !package.HasField(parts[0], parts[1] + "Id"))
                {
                    // Owner.Name spans the OwnerId relationship; a plain field must exist as it is.
                    problems.Add($"{file}: imports schema '{m.Groups[2].Value}', but {parts[0]} has no field {parts[1]}");
                }
            }

            problems.AddRange(ComponentImport().Matches(source).Select(m => m.Groups[1].Value).Where(c => !bundles.Contains(c))
                .Select(c => $"{file}: imports c/{c}, which is not a component of this package"));
        }

        return problems;
    }

    [GeneratedRegex(@"\b(?:class|interface|enum)\s+([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ApexTypeDeclaration();

    /// <summary>Every .cls has its .cls-meta.xml (and the reverse), and declares the class its file is named after.</summary>
    public static IReadOnlyList<string> ApexClasses(SfdxPackage package)
    {
        var problems = new List<string>();
        foreach (var cls in package.FilesIn("classes", ".cls"))
        {
            var name = SfdxPackage.Stem(cls, ".cls");
            if (!File.Exists(cls + "-meta.xml"))
            {
                problems.Add($"{package.Relative(cls)}: {name}.cls-meta.xml is missing");
            }

            var declared = ApexTypeDeclaration().Match(File.ReadAllText(cls));
            if (!declared.Success || !string.Equals(declared.Groups[1].Value, name, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{package.Relative(cls)}: declares '{(declared.Success ? declared.Groups[1].Value : "nothing")}', expected class {name}");
            }
        }

        problems.AddRange(package.FilesIn("classes", ".cls-meta.xml")
            .Where(meta => !File.Exists(meta[..^"-meta.xml".Length]))
            .Select(meta => $"{package.Relative(meta)}: {SfdxPackage.Stem(meta, ".cls-meta.xml")}.cls is missing"));
        return problems;
    }

    /// <summary>Permission sets name existing objects, fields, classes and tabs, and their flags are consistent.</summary>
    public static IReadOnlyList<string> PermissionSets(SfdxPackage package)
    {
        var problems = new List<string>();
        var classes = package.ApexClasses().ToHashSet(StringComparer.Ordinal);
        var tabs = package.FilesIn("tabs", ".tab-meta.xml").Select(f => SfdxPackage.Stem(f, ".tab-meta.xml")).ToHashSet(StringComparer.Ordinal);
        foreach (var file in package.FilesIn("permissionsets", ".permissionset-meta.xml"))
        {
            if (package.Xml(file)?.Root is not { } root)
            {
                continue;
            }

            var at = package.Relative(file);
            foreach (var fp in root.Elements(Md + "fieldPermissions"))
            {
                var field = SfdxPackage.Text(fp, "field") ?? string.Empty;
                var dot = field.IndexOf('.', StringComparison.Ordinal);
                if (dot < 0 || !package.HasField(field[..dot], field[(dot + 1)..]))
                {
                    problems.Add($"{at}: fieldPermissions for '{field}', which does not exist");
                }
                else if (package.Fields[field[..dot]][field[(dot + 1)..]] is { } definition && SfdxPackage.Text(definition, "required") == "true")
                {
                    problems.Add($"{at}: fieldPermissions for required field '{field}' (the org rejects them)");
                }

                if (SfdxPackage.Text(fp, "editable") == "true" && SfdxPackage.Text(fp, "readable") != "true")
                {
                    problems.Add($"{at}: '{field}' is editable but not readable");
                }
            }

            foreach (var op in root.Elements(Md + "objectPermissions"))
            {
                var obj = SfdxPackage.Text(op, "object") ?? string.Empty;
                bool Flag(string name) => SfdxPackage.Text(op, name) == "true";
                if (!package.HasObject(obj))
                {
                    problems.Add($"{at}: objectPermissions for '{obj}', which does not exist");
                }

                if ((Flag("allowCreate") || Flag("allowEdit") || Flag("allowDelete") || Flag("viewAllRecords")) && !Flag("allowRead"))
                {
                    problems.Add($"{at}: '{obj}' grants create, edit, delete or view all without read");
                }

                if (Flag("allowDelete") && !Flag("allowEdit"))
                {
                    problems.Add($"{at}: '{obj}' grants delete without edit");
                }

                if (Flag("modifyAllRecords") && !(Flag("allowDelete") && Flag("viewAllRecords")))
                {
                    problems.Add($"{at}: '{obj}' grants modify all without delete and view all");
                }
            }

            problems.AddRange(root.Elements(Md + "classAccesses").Select(c => SfdxPackage.Text(c, "apexClass") ?? string.Empty)
                .Where(c => !classes.Contains(c)).Select(c => $"{at}: classAccesses for Apex class '{c}', which does not exist"));
            problems.AddRange(root.Elements(Md + "tabSettings").Select(t => SfdxPackage.Text(t, "tab") ?? string.Empty)
                .Where(t => !tabs.Contains(t) && !t.StartsWith("standard-", StringComparison.Ordinal)).Select(t => $"{at}: tabSettings for tab '{t}', which does not exist"));
        }

        return problems;
    }

    /// <summary>Quick actions sit on existing objects and name an LWC whose bundle is a record action of the same kind.</summary>
    public static IReadOnlyList<string> QuickActions(SfdxPackage package)
    {
        var problems = new List<string>();
        var bundles = package.LwcBundles().ToHashSet(StringComparer.Ordinal);
        foreach (var file in package.FilesIn("quickActions", ".quickAction-meta.xml"))
        {
            var at = package.Relative(file);
            var name = SfdxPackage.Stem(file, ".quickAction-meta.xml");
            var obj = name.Contains('.', StringComparison.Ordinal) ? name[..name.IndexOf('.', StringComparison.Ordinal)] : null;
            if (obj is not null && !package.HasObject(obj))
            {
                problems.Add($"{at}: object '{obj}' does not exist");
            }

            if (package.Xml(file)?.Root is not { } root || SfdxPackage.Text(root, "type") != "LightningWebComponent")
            {
                continue;
            }

            var lwc = SfdxPackage.Text(root, "lightningWebComponent") ?? string.Empty;
            if (!bundles.Contains(lwc))
            {
                problems.Add($"{at}: lightningWebComponent '{lwc}' is not a component of this package");
                continue;
            }

            var config = package.Xml(package.LwcMetaFile(lwc))?.Root?.Element(Md + "targetConfigs")?.Elements(Md + "targetConfig")
                .FirstOrDefault(c => (c.Attribute("targets")?.Value ?? string.Empty).Contains("lightning__RecordAction", StringComparison.Ordinal));
            var isRecordAction = package.Xml(package.LwcMetaFile(lwc))?.Root?.Element(Md + "targets")?.Elements(Md + "target").Any(t => t.Value.Trim() == "lightning__RecordAction") == true;
            if (!isRecordAction)
            {
                problems.Add($"{at}: component '{lwc}' is not exposed as lightning__RecordAction");
                continue;
            }

            var bundleType = config is null ? "ScreenAction" : SfdxPackage.Text(config, "actionType") ?? "ScreenAction";
            var subtype = SfdxPackage.Text(root, "actionSubtype") ?? "ScreenAction";
            if (!string.Equals(bundleType, subtype, StringComparison.Ordinal))
            {
                problems.Add($"{at}: actionSubtype '{subtype}' but component '{lwc}' is a {bundleType}");
            }
        }

        return problems;
    }

    private static readonly HashSet<string> SystemFields = new(StringComparer.Ordinal)
    {
        "CreatedById", "CreatedDate", "LastModifiedById", "LastModifiedDate", "SystemModstamp", "IsDeleted", "Id",
    };

    /// <summary>Layouts name existing fields of their object, existing quick actions, and related lists that really point at the object.</summary>
    public static IReadOnlyList<string> Layouts(SfdxPackage package)
    {
        var problems = new List<string>();
        var actions = package.FilesIn("quickActions", ".quickAction-meta.xml").Select(f => SfdxPackage.Stem(f, ".quickAction-meta.xml")).ToHashSet(StringComparer.Ordinal);
        foreach (var file in package.FilesIn("layouts", ".layout-meta.xml"))
        {
            var at = package.Relative(file);
            var name = SfdxPackage.Stem(file, ".layout-meta.xml");
            var obj = name[..Math.Max(0, name.IndexOf('-', StringComparison.Ordinal))];
            if (!package.HasObject(obj))
            {
                problems.Add($"{at}: object '{obj}' (the part of the file name before '-') does not exist");
                continue;
            }

            if (package.Xml(file)?.Root is not { } root)
            {
                continue;
            }

            problems.AddRange(root.Descendants(Md + "layoutItems").Select(i => SfdxPackage.Text(i, "field")).OfType<string>()
                .Where(f => !package.HasField(obj, f)).Select(f => $"{at}: field '{f}' does not exist on {obj}"));
            problems.AddRange(root.Descendants(Md + "layoutItems")
                .Where(i => SystemFields.Contains(SfdxPackage.Text(i, "field") ?? string.Empty) && SfdxPackage.Text(i, "behavior") != "Readonly")
                .Select(i => $"{at}: system field '{SfdxPackage.Text(i, "field")}' must be Readonly, not {SfdxPackage.Text(i, "behavior")}"));
            foreach (var item in root.Descendants(Md + "platformActionListItems").Where(i => SfdxPackage.Text(i, "actionType") == "QuickAction"))
            {
                var action = SfdxPackage.Text(item, "actionName") ?? string.Empty;
                if (!action.StartsWith(obj + ".", StringComparison.Ordinal))
                {
                    problems.Add($"{at}: quick action '{action}' is not an action of {obj}");
                }
                else if (!actions.Contains(action))
                {
                    problems.Add($"{at}: quick action '{action}' does not exist");
                }
            }

            foreach (var related in root.Elements(Md + "relatedLists").Select(r => SfdxPackage.Text(r, "relatedList")).OfType<string>().Where(r => r.Contains('.', StringComparison.Ordinal)))
            {
                var (child, field) = (related[..related.IndexOf('.', StringComparison.Ordinal)], related[(related.IndexOf('.', StringComparison.Ordinal) + 1)..]);
                var target = package.Fields.GetValueOrDefault(child)?.GetValueOrDefault(field) is { } definition ? SfdxPackage.Text(definition, "referenceTo") : null;
                if (!string.Equals(target, obj, StringComparison.Ordinal))
                {
                    problems.Add($"{at}: related list '{related}' is not a lookup from {child} to {obj}");
                }
            }
        }

        return problems;
    }

    /// <summary>Record pages are for existing objects and place only components exposed for record pages of that object.</summary>
    public static IReadOnlyList<string> FlexiPages(SfdxPackage package)
    {
        var problems = new List<string>();
        var bundles = package.LwcBundles().ToHashSet(StringComparer.Ordinal);
        foreach (var file in package.FilesIn("flexipages", ".flexipage-meta.xml"))
        {
            var at = package.Relative(file);
            if (package.Xml(file)?.Root is not { } root)
            {
                continue;
            }

            var obj = SfdxPackage.Text(root, "sobjectType");
            if (SfdxPackage.Text(root, "type") == "RecordPage" && (obj is null || !package.HasObject(obj)))
            {
                problems.Add($"{at}: sobjectType '{obj}' does not exist");
            }

            foreach (var component in root.Descendants(Md + "componentName").Select(c => c.Value.Trim()).Where(c => !c.Contains(':', StringComparison.Ordinal)))
            {
                if (!bundles.Contains(component))
                {
                    problems.Add($"{at}: component '{component}' is not a component of this package");
                    continue;
                }

                var meta = package.Xml(package.LwcMetaFile(component))?.Root;
                var exposed = meta?.Element(Md + "targets")?.Elements(Md + "target").Any(t => t.Value.Trim() == "lightning__RecordPage") == true;
                var objects = meta?.Descendants(Md + "targetConfig")
                    .Where(c => (c.Attribute("targets")?.Value ?? string.Empty).Contains("lightning__RecordPage", StringComparison.Ordinal))
                    .SelectMany(c => c.Descendants(Md + "object")).Select(o => o.Value.Trim()).ToList() ?? [];
                if (!exposed)
                {
                    problems.Add($"{at}: component '{component}' is not exposed for lightning__RecordPage");
                }
                else if (objects.Count > 0 && obj is not null && !objects.Contains(obj))
                {
                    problems.Add($"{at}: component '{component}' is not available for {obj} record pages (objects: {string.Join(", ", objects)})");
                }
            }
        }

        return problems;
    }

    /// <summary>Change Data Capture members select the change event of an object that exists and supports CDC, on the ChangeEvents channel.</summary>
    public static IReadOnlyList<string> ChangeDataCapture(SfdxPackage package)
    {
        var problems = new List<string>();
        foreach (var file in package.FilesIn("platformEventChannelMembers", ".platformEventChannelMember-meta.xml"))
        {
            var at = package.Relative(file);
            if (package.Xml(file)?.Root is not { } root)
            {
                continue;
            }

            var channel = SfdxPackage.Text(root, "eventChannel");
            var entity = SfdxPackage.Text(root, "selectedEntity") ?? string.Empty;
            if (channel != "ChangeEvents")
            {
                problems.Add($"{at}: eventChannel '{channel}' is not the standard ChangeEvents channel");
            }

            var obj = entity.EndsWith("__ChangeEvent", StringComparison.Ordinal) ? entity[..^"ChangeEvent".Length] + "c"
                : entity.EndsWith("ChangeEvent", StringComparison.Ordinal) ? entity[..^"ChangeEvent".Length] : null;
            if (obj is null || !package.HasObject(obj))
            {
                problems.Add($"{at}: selectedEntity '{entity}' is not the change event of an object that exists");
            }
            else if (!obj.EndsWith("__c", StringComparison.Ordinal)
                && StandardObjects.Create().FirstOrDefault(o => o.Name == obj) is { ChangeDataCapture: false })
            {
                problems.Add($"{at}: {obj} does not support Change Data Capture");
            }

            var expected = $"{channel}_{entity}";
            if (SfdxPackage.Stem(file, ".platformEventChannelMember-meta.xml") != expected)
            {
                problems.Add($"{at}: the file should be named {expected}.platformEventChannelMember-meta.xml");
            }
        }

        return problems;
    }

    /// <summary>A connected app pre-authorises an existing permission set and keeps its certificate a visible placeholder, never a real key.</summary>
    public static IReadOnlyList<string> ConnectedApps(SfdxPackage package)
    {
        var problems = new List<string>();
        var sets = package.FilesIn("permissionsets", ".permissionset-meta.xml").Select(f => SfdxPackage.Stem(f, ".permissionset-meta.xml")).ToHashSet(StringComparer.Ordinal);
        var dir = Path.Combine(package.Root, "connected-app");
        var files = Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.connectedApp-meta.xml", SearchOption.AllDirectories) : [];
        foreach (var file in files.Concat(package.FilesIn("connectedApps", ".connectedApp-meta.xml")))
        {
            if (package.Xml(file)?.Root is not { } root)
            {
                continue;
            }

            var at = package.Relative(file);
            problems.AddRange(root.Elements(Md + "permissionSetName").Select(p => p.Value.Trim()).Where(p => !sets.Contains(p))
                .Select(p => $"{at}: permissionSetName '{p}' is not a permission set of this package"));
            if (root.Descendants(Md + "certificate").Any(c => c.Value.Contains("PRIVATE KEY", StringComparison.Ordinal)))
            {
                problems.Add($"{at}: <certificate> holds a private key; it takes the public certificate only");
            }
        }

        return problems;
    }
}
