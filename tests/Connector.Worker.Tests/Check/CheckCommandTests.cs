using System.Security.Cryptography;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Hosting;
using Connector.Worker.Check;
using Connector.Worker.Cli;

namespace Connector.Worker.Tests.Check;

public sealed class CheckCommandTests : IAsyncLifetime
{
    private static readonly string DevKey = Path.Combine(AppContext.BaseDirectory, "Dev", "jwt-signing-key.DEVELOPMENT-ONLY.pem");
    private readonly List<string> _temp = [];
    private EmulatorServer _emulator = null!;

    public async Task InitializeAsync() => _emulator = await EmulatorServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        foreach (var path in _temp)
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public async Task Check_HealthyOrg_ExitsZeroWithTheReport()
    {
        var (exit, output) = await RunAsync();

        Assert.True(exit == CheckCommand.Healthy, output);
        Assert.EndsWith("Healthy." + Environment.NewLine, output, StringComparison.Ordinal);
        Assert.Contains("Login", output, StringComparison.Ordinal);
        Assert.Contains("org " + _emulator.Store.OrgId[..15], output, StringComparison.Ordinal);
        Assert.Contains("instance " + _emulator.BaseUrl, output, StringComparison.Ordinal);
        Assert.Contains("v62.0 (the org offers up to v", output, StringComparison.Ordinal);
        Assert.Matches(@"API usage\s+ok\s+\d[\d,]* of [\d,]+ daily API requests used", output);
        Assert.Matches(@"Describe\s+ok\s+.*Lead \(\d+ fields\).*Opportunity \(\d+ fields\)", output);
        Assert.Matches(@"Custom fields\s+ok\s+all \d+ present on .*Advocate__c.*Referral__c", output);
        Assert.Contains("handshake and disconnect on /cometd/62.0", output, StringComparison.Ordinal);
        AssertNoSecrets(output);
    }

    [Fact]
    public async Task Check_FieldMissingInTheOrg_FailsNamingObjectAndField()
    {
        var metadata = CopyMetadata();
        var fields = Path.Combine(metadata, "force-app", "main", "default", "objects", "Lead", "fields");
        await File.WriteAllTextAsync(Path.Combine(fields, "Referral_Tier__c.field-meta.xml"), """
            <?xml version="1.0" encoding="UTF-8"?>
            <CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
                <fullName>Referral_Tier__c</fullName>
                <label>Referral Tier</label>
                <length>20</length>
                <type>Text</type>
            </CustomField>
            """);

        var (exit, output) = await RunAsync("--metadata", metadata);

        Assert.True(exit == CheckCommand.Unhealthy, output);
        Assert.Matches(@"Custom fields\s+FAIL\s+missing custom field Lead\.Referral_Tier__c\b", output);
        Assert.Contains("Unhealthy: Custom fields: missing custom field Lead.Referral_Tier__c", output, StringComparison.Ordinal);
        Assert.Matches(@"Streaming\s+ok", output);
    }

    [Fact]
    public async Task Check_KeyTheOrgDoesNotTrust_FailsWithTheLoginError()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        var keyFile = Path.Combine(Path.GetTempPath(), $"check-key-{Guid.NewGuid():N}.pem");
        _temp.Add(keyFile);
        await File.WriteAllTextAsync(keyFile, pem);

        var (exit, output) = await RunAsync("--private-key-file", keyFile);

        Assert.True(exit == CheckCommand.Unhealthy, output);
        Assert.Matches(@"Login\s+FAIL\s+Salesforce login at http://127\.0\.0\.1:\d+ failed: invalid_grant", output);
        Assert.Matches(@"Streaming\s+skip", output);
        var body = pem.Split('\n')[1];
        Assert.DoesNotContain(body, output, StringComparison.Ordinal);
        AssertNoSecrets(output);
    }

    [Fact]
    public async Task Check_SettingsFromConfigurationArguments_AreUsed()
    {
        var (exit, output) = await RunWithAsync(
            "check", "--Salesforce:LoginUrl", _emulator.BaseUrl.ToString(), "--Salesforce:ClientId", "emulator-client",
            "--Salesforce:Username", "integration@emulator.local", "--Salesforce:PrivateKeyFile", DevKey);

        Assert.True(exit == CheckCommand.Healthy, output);
    }

    [Fact]
    public async Task Check_NoLoginUrl_ExitsWithTheConfigurationError()
    {
        var (exit, output) = await RunWithAsync("check", "--client-id", "emulator-client", "--username", "integration@emulator.local", "--private-key-file", DevKey);

        Assert.True(exit == CheckCommand.BadConfiguration, output);
        Assert.Contains("Configuration is invalid", output, StringComparison.Ordinal);
        Assert.Contains("LoginUrl", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ApiVersionTheOrgDoesNotOffer_FailsNamingIt()
    {
        var (exit, output) = await RunAsync("--api-version", "99.0");

        Assert.True(exit == CheckCommand.Unhealthy, output);
        Assert.Contains("does not offer API v99.0", output, StringComparison.Ordinal);
    }

    private Task<(int Exit, string Output)> RunAsync(params string[] extra)
    {
        var args = new Dictionary<string, string>
        {
            ["--login-url"] = _emulator.BaseUrl.ToString(),
            ["--client-id"] = "emulator-client",
            ["--username"] = "integration@emulator.local",
            ["--private-key-file"] = DevKey,
        };
        for (var i = 0; i < extra.Length; i += 2)
        {
            args[extra[i]] = extra[i + 1];
        }

        return RunWithAsync(["check", .. args.SelectMany(a => new[] { a.Key, a.Value })]);
    }

    private static async Task<(int Exit, string Output)> RunWithAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await WorkerCli.RunAsync(args, output, error, CancellationToken.None);
        return (exit, output + error.ToString());
    }

    private void AssertNoSecrets(string output)
    {
        foreach (var token in _emulator.Get<TokenStore>().IssuedTokens)
        {
            Assert.DoesNotContain(token, output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("PRIVATE KEY", output, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("emulator-secret", output, StringComparison.Ordinal);
    }

    private string CopyMetadata()
    {
        var source = SfdxProject.Locate(null);
        var target = Path.Combine(Path.GetTempPath(), $"check-metadata-{Guid.NewGuid():N}");
        _temp.Add(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
