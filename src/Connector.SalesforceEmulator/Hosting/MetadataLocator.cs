namespace Connector.SalesforceEmulator.Hosting;

/// <summary>Finds the SFDX project (salesforce-metadata/) whose custom objects and fields the org carries.</summary>
public static class MetadataLocator
{
    public const string FolderName = "salesforce-metadata";

    /// <summary>The configured path, else the nearest salesforce-metadata/ above the working or app directory.</summary>
    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var full = Path.GetFullPath(configured);
            return Directory.Exists(full)
                ? full
                : throw new DirectoryNotFoundException($"Emulator:MetadataPath '{configured}' does not exist (resolved to {full}).");
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, FolderName);
                if (File.Exists(Path.Combine(candidate, "sfdx-project.json")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"No {FolderName}/sfdx-project.json found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; set Emulator:MetadataPath.");
    }
}
