using Connector.SalesforceEmulator.Hosting;

namespace Connector.Metadata.Tests.Support;

/// <summary>A throwaway copy of the repository's salesforce-metadata/ (tooling folders left out) to break or extend in a test.</summary>
public sealed class PackageCopy : IDisposable
{
    private static readonly string[] Skipped = ["node_modules", ".sfhome", ".sf", ".sfdx", "out"];

    public PackageCopy()
    {
        Root = Path.Combine(Path.GetTempPath(), "metadata-tests-" + Guid.NewGuid().ToString("N"));
        Copy(RealRoot, Root);
    }

    /// <summary>The repository's package, found the way the emulator finds it.</summary>
    public static string RealRoot { get; } = MetadataLocator.Resolve(null);

    public string Root { get; }

    public string Source => Path.Combine(Root, "force-app", "main", "default");

    public string PathOf(string relativeToSource) => Path.Combine(Source, relativeToSource);

    /// <summary>Replaces the first occurrence of <paramref name="find"/> in a file under force-app/main/default; fails if it is absent.</summary>
    public void Replace(string relativeToSource, string find, string replacement)
    {
        var file = PathOf(relativeToSource);
        var text = File.ReadAllText(file);
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"test setup: '{find}' not found in {relativeToSource}");
        File.WriteAllText(file, string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + find.Length)));
    }

    public void Write(string relativeToSource, string content)
    {
        var file = PathOf(relativeToSource);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
    }

    public void Delete(string relativeToSource) => File.Delete(PathOf(relativeToSource));

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from).Where(d => !Skipped.Contains(Path.GetFileName(d))))
        {
            Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
