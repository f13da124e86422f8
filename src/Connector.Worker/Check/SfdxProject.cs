using System.Xml.Linq;

namespace Connector.Worker.Check;

/// <summary>
/// The package's SFDX project (salesforce-metadata/): the custom fields it deploys are the ones the connector
/// needs, so the check reads them from there instead of keeping a second list that could drift.
/// </summary>
public static class SfdxProject
{
    public const string FolderName = "salesforce-metadata";
    private const string ProjectFile = "sfdx-project.json";
    private static readonly XNamespace Metadata = "http://soap.sforce.com/2006/04/metadata";

    /// <summary>The given folder, else the nearest salesforce-metadata/ above the working or application directory.</summary>
    public static string Locate(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var full = Path.GetFullPath(configured);
            return File.Exists(Path.Combine(full, ProjectFile))
                ? full
                : throw new DirectoryNotFoundException($"--metadata {configured}: no {ProjectFile} in {full}.");
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, FolderName);
                if (File.Exists(Path.Combine(candidate, ProjectFile)))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException($"No {FolderName}/{ProjectFile} above {Directory.GetCurrentDirectory()}; pass --metadata.");
    }

    /// <summary>Object API name → the custom field API names the project defines on it (objects/*/fields/*.field-meta.xml).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> CustomFields(string projectPath)
    {
        var objects = Path.Combine(projectPath, "force-app", "main", "default", "objects");
        if (!Directory.Exists(objects))
        {
            throw new DirectoryNotFoundException($"{projectPath} has no force-app/main/default/objects folder.");
        }

        var result = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var objectDir in Directory.EnumerateDirectories(objects))
        {
            var fieldsDir = Path.Combine(objectDir, "fields");
            if (!Directory.Exists(fieldsDir))
            {
                continue;
            }

            var fields = Directory.EnumerateFiles(fieldsDir, "*.field-meta.xml")
                .Select(FieldName)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (fields.Count > 0)
            {
                result[Path.GetFileName(objectDir)] = fields;
            }
        }

        return result;
    }

    private static string FieldName(string file)
    {
        // <fullName> is authoritative; SFDX names the file after it, so the file name is the fallback.
        var fullName = XDocument.Load(file).Root?.Element(Metadata + "fullName")?.Value;
        return string.IsNullOrWhiteSpace(fullName) ? Path.GetFileName(file)[..^".field-meta.xml".Length] : fullName.Trim();
    }
}
