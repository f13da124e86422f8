using System.Xml;
using System.Xml.Linq;
using Connector.SalesforceEmulator.Schema;

namespace Connector.Metadata.Tests.Package;

/// <summary>
/// An SFDX project in source format, read the way the checks need it: every XML file, and an index of what the
/// package defines (objects, fields, Apex classes, LWC bundles, quick actions, ...) over the emulator's standard
/// objects, which stand in for the org a real deploy would resolve references against.
/// Reading never throws on bad content: a file that is not XML is left out of the index and reported by
/// <see cref="PackageRules.WellFormedXml"/>.
/// </summary>
public sealed class SfdxPackage
{
    public static readonly XNamespace Md = "http://soap.sforce.com/2006/04/metadata";
    private static readonly string[] Skipped = ["node_modules", ".sfhome", ".sf", ".sfdx", "__tests__"];

    private readonly Dictionary<string, XDocument?> _xml = new(StringComparer.Ordinal);

    private SfdxPackage(string root)
    {
        Root = root;
        var standard = StandardObjects.Create().ToList();
        StandardObjectNames = standard.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var o in standard)
        {
            Fields[o.Name] = o.Fields.ToDictionary(f => f.Name, f => (XElement?)null, StringComparer.Ordinal);
        }
    }

    public string Root { get; }
    public string Source => Path.Combine(Root, "force-app", "main", "default");

    /// <summary>Objects the emulator knows as standard (Lead, Contact, User, ...).</summary>
    public IReadOnlySet<string> StandardObjectNames { get; }

    /// <summary>Object → field → its field-meta.xml root (null for standard fields).</summary>
    public Dictionary<string, Dictionary<string, XElement?>> Fields { get; } = new(StringComparer.Ordinal);

    public HashSet<string> CustomObjects { get; } = new(StringComparer.Ordinal);

    public static SfdxPackage Load(string root)
    {
        var package = new SfdxPackage(Path.GetFullPath(root));
        package.IndexObjects();
        return package;
    }

    /// <summary>Every .xml file of the project (metadata, connected-app, configuration), tooling folders excepted.</summary>
    public IEnumerable<string> XmlFiles() =>
        Directory.EnumerateFiles(Root, "*.xml", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(Root, f).Split(Path.DirectorySeparatorChar).Any(Skipped.Contains))
            .Order(StringComparer.Ordinal);

    /// <summary>The files of one metadata folder (e.g. "quickActions") with the given suffix, e.g. ".quickAction-meta.xml".</summary>
    public IEnumerable<string> FilesIn(string folder, string suffix)
    {
        var dir = Path.Combine(Source, folder);
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*" + suffix).Order(StringComparer.Ordinal)
            : [];
    }

    public static string Stem(string file, string suffix) => Path.GetFileName(file)[..^suffix.Length];

    /// <summary>The parsed file, or null when it is not well-formed XML.</summary>
    public XDocument? Xml(string file)
    {
        if (!_xml.TryGetValue(file, out var doc))
        {
            try
            {
                doc = XDocument.Load(file);
            }
            catch (XmlException)
            {
                doc = null;
            }

            _xml[file] = doc;
        }

        return doc;
    }

    public string Relative(string path) => Path.GetRelativePath(Root, path);

    public bool HasObject(string name) => StandardObjectNames.Contains(name) || CustomObjects.Contains(name);

    public bool HasField(string obj, string field) => Fields.TryGetValue(obj, out var fields) && fields.ContainsKey(field);

    public IEnumerable<string> LwcBundles()
    {
        var dir = Path.Combine(Source, "lwc");
        return Directory.Exists(dir)
            ? Directory.EnumerateDirectories(dir).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal)
            : [];
    }

    public string LwcMetaFile(string bundle) => Path.Combine(Source, "lwc", bundle, bundle + ".js-meta.xml");

    public IEnumerable<string> ApexClasses() =>
        FilesIn("classes", ".cls").Select(f => Stem(f, ".cls"));

    public static string? Text(XElement parent, string name) => parent.Element(Md + name)?.Value.Trim();

    private void IndexObjects()
    {
        var objects = Path.Combine(Source, "objects");
        if (!Directory.Exists(objects))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(objects).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (File.Exists(Path.Combine(dir, name + ".object-meta.xml")))
            {
                CustomObjects.Add(name);
            }

            if (!Fields.TryGetValue(name, out var fields))
            {
                Fields[name] = fields = new Dictionary<string, XElement?>(StringComparer.Ordinal);
                if (name.EndsWith("__c", StringComparison.Ordinal))
                {
                    // Every custom object has these; the emulator adds them the same way.
                    foreach (var system in new[] { "Id", "Name", "OwnerId", "CreatedById", "CreatedDate", "LastModifiedById", "LastModifiedDate", "IsDeleted", "SystemModstamp" })
                    {
                        fields[system] = null;
                    }
                }
            }

            var fieldDir = Path.Combine(dir, "fields");
            if (!Directory.Exists(fieldDir))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(fieldDir, "*.field-meta.xml").Order(StringComparer.Ordinal))
            {
                fields[Stem(file, ".field-meta.xml")] = Xml(file)?.Root;
            }
        }
    }
}
