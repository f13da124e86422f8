using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Connector.Admin;
using Connector.Ledger;
using Connector.Salesforce;
using Connector.SalesforceEmulator.Hosting;
using Connector.Worker.Hosting;
using YamlDotNet.RepresentationModel;

namespace Connector.Worker.Tests.Deploy;

/// <summary>
/// deploy/ cannot be run here (no Docker, no cluster), so what can be checked offline is: every YAML file parses, every
/// configuration key an operator file sets is one the connector reads (a typo there is silently ignored otherwise),
/// and every path the image definition copies exists — including every project the worker references.
/// </summary>
public sealed partial class DeployFilesTests
{
    private static readonly string Root = RepositoryRoot();
    private static readonly string DeployDirectory = Path.Combine(Root, "deploy");

    /// <summary>Keys owned by the framework rather than by an options class of ours.</summary>
    private static readonly string[] FrameworkPrefixes = ["Logging:", "ASPNETCORE_", "DOTNET_", "urls"];

    public static TheoryData<string> YamlFiles() => [.. Directory.GetFiles(DeployDirectory, "*.yaml", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f))];

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void Every_yaml_file_parses(string file)
    {
        var documents = Load(file);
        Assert.NotEmpty(documents);
        if (file.Contains("kubernetes", StringComparison.Ordinal))
        {
            Assert.All(documents, d => Assert.True(Scalar(d, "apiVersion") is not null && Scalar(d, "kind") is not null, $"{file}: a manifest without apiVersion or kind"));
        }
    }

    [Fact]
    public void Every_configuration_key_in_deploy_files_is_an_option_the_connector_reads()
    {
        var keys = new List<(string File, string Key)>();
        var compose = Load("deploy/compose.yaml").Single();
        foreach (var service in new[] { "worker", "emulator" })
        {
            keys.AddRange(Mapping(compose, "services", service, "environment").Children.Keys.Select(k => ("compose.yaml " + service, ((YamlScalarNode)k).Value!)));
        }

        var configMap = Load("deploy/kubernetes/configmap.yaml").Single();
        keys.AddRange(Mapping(configMap, "data").Children.Keys.Select(k => ("configmap.yaml", ((YamlScalarNode)k).Value!)));
        keys.AddRange(ContainerEnvironment().Select(e => ("deployment.yaml", e)));
        keys.AddRange(EnvironmentLines("deploy/systemd/connector.env.example", "").Select(k => ("connector.env.example", k)));
        keys.AddRange(EnvironmentLines("deploy/systemd/referral-connector.service", "Environment=").Select(k => ("referral-connector.service", k)));
        keys.AddRange(DockerfileEnvironment("deploy/worker/Dockerfile").Select(k => ("worker/Dockerfile", k)));
        Assert.True(keys.Count > 30, $"only {keys.Count} keys found: the files' layout changed under this test");

        var unknown = keys.Where(k => Resolve(k.Key) is { } problem).Select(k => $"{k.File}: {k.Key}: {Resolve(k.Key)}").ToList();
        Assert.True(unknown.Count == 0, "Keys the connector does not read:\n" + string.Join('\n', unknown));
    }

    [Fact]
    public void The_key_check_itself_rejects_misspelt_keys()
    {
        Assert.Null(Resolve("Salesforce__LoginUrl"));
        Assert.Null(Resolve("Worker__Sync__CatchUpInterval"));
        Assert.Null(Resolve("Emulator__Seed__Leads"));
        Assert.Null(Resolve("Admin__SignIn__PublicBaseUrl"));
        Assert.NotNull(Resolve("Salesforce__LoginURI"));
        Assert.NotNull(Resolve("Worker__Sync__CatchupEvery"));
        Assert.NotNull(Resolve("Ledgr__Provider"));
    }

    [Fact]
    public void The_worker_image_copies_what_exists_and_every_project_the_worker_builds_from()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(DeployDirectory, "worker", "Dockerfile"));
        var sources = dockerfile.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).ToList();
        Assert.All(sources, s => Assert.True(File.Exists(Path.Combine(Root, s)) || Directory.Exists(Path.Combine(Root, s)), $"deploy/worker/Dockerfile copies {s}, which does not exist"));

        foreach (var project in ProjectClosure("src/Connector.Worker/Connector.Worker.csproj"))
        {
            var directory = Path.GetDirectoryName(project)!.Replace('\\', '/') + "/";
            Assert.True(sources.Contains(project) && sources.Contains(directory), $"deploy/worker/Dockerfile must copy {project} (restore layer) and {directory} (build)");
        }

        Assert.Contains(dockerfile, l => l.StartsWith("USER ", StringComparison.Ordinal) && !l.Contains("root", StringComparison.Ordinal));
        var healthcheck = string.Join('\n', dockerfile.SkipWhile(l => !l.StartsWith("HEALTHCHECK", StringComparison.Ordinal)).Take(2));
        Assert.Contains("/healthz", healthcheck, StringComparison.Ordinal);
        Assert.Contains($"\"{typeof(ConnectorHost).Assembly.GetName().Name}.dll\"", string.Join('\n', dockerfile), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deploy/worker/Dockerfile", @"^\s*DOTNET_GCgen0size=(?<value>\S+)")]
    [InlineData("deploy/systemd/referral-connector.service", @"^Environment=DOTNET_GCgen0size=(?<value>\S+)$")]
    [InlineData("scripts/demo.sh", @"^export DOTNET_GCgen0size=(?<value>\S+)$")]
    [InlineData("src/Connector.Worker/Properties/launchSettings.json", "\"DOTNET_GCgen0size\": \"(?<value>[^\"]+)\"")]
    public void Every_way_of_starting_the_worker_sets_the_deployed_gc_budget(string file, string pattern)
    {
        // Compose and Kubernetes run the image, which carries it; the backfill benchmark sets RuntimeTuning's value itself.
        var values = File.ReadAllLines(Path.Combine(Root, file))
            .Select(l => Regex.Match(l, pattern))
            .Where(m => m.Success)
            .Select(m => m.Groups["value"].Value.TrimEnd('\\', ' '))
            .ToList();

        Assert.Equal([RuntimeTuning.Gen0SizeValue], values);
        Assert.Equal(24 * 1024 * 1024, Convert.ToInt32(RuntimeTuning.Gen0SizeValue, 16));
    }

    [Fact]
    public void Compose_and_kubernetes_point_at_files_and_secrets_that_exist()
    {
        var compose = Load("deploy/compose.yaml").Single();
        foreach (var service in new[] { "worker", "emulator" })
        {
            var build = Mapping(compose, "services", service, "build");
            var context = Path.GetFullPath(Path.Combine(DeployDirectory, Scalar(build, "context")!));
            Assert.True(File.Exists(Path.Combine(context, Scalar(build, "dockerfile")!)), $"compose {service}: {Scalar(build, "dockerfile")} not under {context}");
        }

        Assert.Equal("2", Scalar(Mapping(compose, "services", "worker", "deploy"), "replicas"));

        var kustomization = Load("deploy/kubernetes/kustomization.yaml").Single();
        foreach (var resource in ((YamlSequenceNode)((YamlMappingNode)kustomization).Children[new YamlScalarNode("resources")]).Children.Cast<YamlScalarNode>())
        {
            Assert.True(File.Exists(Path.Combine(DeployDirectory, "kubernetes", resource.Value!)), $"kustomization lists {resource.Value}, which does not exist");
        }

        var deployment = Load("deploy/kubernetes/deployment.yaml").Single();
        Assert.Equal("2", Scalar(Mapping(deployment, "spec"), "replicas"));
        var container = (YamlMappingNode)((YamlSequenceNode)Mapping(deployment, "spec", "template", "spec").Children[new YamlScalarNode("containers")]).Children[0];
        Assert.Equal("/readyz", Scalar(Mapping(container, "readinessProbe", "httpGet"), "path"));
        Assert.Equal("/healthz", Scalar(Mapping(container, "livenessProbe", "httpGet"), "path"));

        // Every secret key the deployment reads is one the example Secret shows, and the key file lands where the ConfigMap says.
        var secretKeys = Mapping(Load("deploy/kubernetes/secret.example.yaml").Single(), "stringData").Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
        var deploymentText = File.ReadAllText(Path.Combine(DeployDirectory, "kubernetes", "deployment.yaml"));
        foreach (Match used in SecretKeyReference().Matches(deploymentText))
        {
            Assert.Contains(used.Groups[1].Value, secretKeys);
        }

        var keyFile = Scalar(Mapping(Load("deploy/kubernetes/configmap.yaml").Single(), "data"), "Salesforce__PrivateKeyFile")!;
        Assert.Contains($"mountPath: {Path.GetDirectoryName(keyFile)}", deploymentText, StringComparison.Ordinal);
        Assert.Contains($"path: {Path.GetFileName(keyFile)}", deploymentText, StringComparison.Ordinal);
    }

    /// <summary>null when <paramref name="environmentKey"/> (Section__Key) is read by the connector or the emulator; otherwise why not.</summary>
    private static string? Resolve(string environmentKey)
    {
        var path = environmentKey.Replace("__", ":", StringComparison.Ordinal);
        if (FrameworkPrefixes.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var section = OptionSections().Where(s => path.StartsWith(s.Section + ":", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.Section.Length).FirstOrDefault();
        if (section.Type is null)
        {
            return "no options class binds this section";
        }

        var type = section.Type;
        foreach (var segment in path[(section.Section.Length + 1)..].Split(':'))
        {
            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                return $"{type.Name} has no property {segment}";
            }

            type = property.PropertyType;
        }

        return null;
    }

    private static IReadOnlyList<(string Section, Type Type)> OptionSections() =>
    [
        .. new[] { typeof(ConnectorHost), typeof(LedgerOptions), typeof(SalesforceOptions), typeof(AdminOptions), typeof(EmulatorServer) }
            .Select(t => t.Assembly)
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Select(x => ((string)x.Field!.GetRawConstantValue()!, x.Type)),
    ];

    private static IEnumerable<string> ContainerEnvironment()
    {
        var deployment = Load("deploy/kubernetes/deployment.yaml").Single();
        var containers = (YamlSequenceNode)Mapping(deployment, "spec", "template", "spec").Children[new YamlScalarNode("containers")];
        return containers.Children.Cast<YamlMappingNode>()
            .Where(c => c.Children.ContainsKey(new YamlScalarNode("env")))
            .SelectMany(c => ((YamlSequenceNode)c.Children[new YamlScalarNode("env")]).Children)
            .Select(e => Scalar(e, "name")!);
    }

    private static IEnumerable<string> EnvironmentLines(string file, string prefix) =>
        File.ReadAllLines(Path.Combine(Root, file))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l[prefix.Length..].Split('=')[0]);

    private static IEnumerable<string> DockerfileEnvironment(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, file)).Replace("\\\n", " ", StringComparison.Ordinal);
        return text.Split('\n').Where(l => l.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(l => DockerEnvironmentPair().Matches(l).Select(m => m.Groups[1].Value));
    }

    /// <summary>The project and everything it references, transitively, as repository-relative paths.</summary>
    private static IReadOnlyCollection<string> ProjectClosure(string project)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>([project]);
        while (queue.TryDequeue(out var next))
        {
            if (!seen.Add(next))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(Path.Combine(Root, next)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(Root, Path.GetDirectoryName(next)!, reference.Attribute("Include")!.Value));
                queue.Enqueue(Path.GetRelativePath(Root, full).Replace('\\', '/'));
            }
        }

        return seen;
    }

    private static List<YamlNode> Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, file));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => d.RootNode)];
    }

    private static YamlMappingNode Mapping(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        }

        return (YamlMappingNode)node;
    }

    private static string? Scalar(YamlNode node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Connector.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Connector.sln) is not above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"key: ([\w.-]+)")]
    private static partial Regex SecretKeyReference();

    [GeneratedRegex(@"(?:^ENV |\s)([A-Za-z_][A-Za-z0-9_]*)=")]
    private static partial Regex DockerEnvironmentPair();
}
