using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Connector.Salesforce.Auth;
using Connector.Salesforce.Bulk;
using Connector.Salesforce.Http;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Auth;

namespace Connector.Salesforce.Tests;

/// <summary>
/// Issue 3's proof that no secret reaches a log or an exception: runs logins that work and logins that fail,
/// expired sessions and renewals, and API errors through harnesses logging at Trace, then scans every captured
/// log line of the run (other tests' too) and every exception for the tokens the org issued, the private keys,
/// the client secret, the password and anything shaped like a signed JWT.
/// </summary>
public sealed partial class SecretScanTests : IDisposable
{
    private const string ClientSecret = "emulator-secret";
    private const string Password = "emulator-password";
    private const string WrongSecret = "not-the-emulator-secret-8f1c";

    private readonly string _dir = Directory.CreateTempSubdirectory("sf-secrets-").FullName;
    private readonly List<Exception> _errors = [];
    private readonly List<string> _tokens = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task LogsAndErrors_AcrossAuthAndErrorScenarios_ContainNoSecret()
    {
        await JwtScenariosAsync();
        var wrongKey = await WrongKeyScenarioAsync();
        await SecretFlowScenariosAsync();

        var secrets = new List<(string Kind, string Value)>();
        secrets.AddRange(_tokens.Concat(ClientHarness.IssuedTokens).Distinct(StringComparer.Ordinal).Select(t => ("issued token", t)));
        secrets.AddRange(PemBody(await File.ReadAllTextAsync(ClientHarness.DevKeyPath)).Select(l => ("dev private key", l)));
        secrets.AddRange(PemBody(wrongKey).Select(l => ("untrusted private key", l)));
        secrets.AddRange([("client secret", ClientSecret), ("wrong client secret", WrongSecret), ("password", Password)]);
        Assert.True(_tokens.Count >= 6, $"the scenarios issued only {_tokens.Count} tokens");
        Assert.True(_errors.Count >= 5, $"the scenarios raised only {_errors.Count} errors");

        var texts = CapturedLogs.Lines.ToArray().Select((line, i) => ($"log line {i}", line))
            .Concat(_errors.SelectMany((e, i) => new[] { ($"exception {i} message", e.Message), ($"exception {i}", e.ToString()) }))
            .ToList();
        Assert.True(texts.Count > 50, $"only {texts.Count} texts captured: is logging at Trace?");
        var leaks = new List<string>();
        foreach (var (where, text) in texts)
        {
            leaks.AddRange(secrets.Where(s => text.Contains(s.Value, StringComparison.Ordinal)).Select(s => $"{where}: {s.Kind}"));
            if (SignedJwt().IsMatch(text))
            {
                leaks.Add($"{where}: a signed JWT");
            }
        }

        Assert.Empty(leaks);
    }

    /// <summary>JWT bearer logins, a query, an expired session renewed under concurrent calls, API errors, a Bulk export.</summary>
    private async Task JwtScenariosAsync()
    {
        await using var h = await ClientHarness.StartAsync();
        var http = h.Get<SalesforceHttp>();
        await http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None);
        await http.GetJsonAsync(http.Api("query?q=" + Uri.EscapeDataString("SELECT Id, Name FROM User")), CallPriority.Normal, CancellationToken.None);
        for (var round = 0; round < 2; round++)
        {
            h.Emulator.Get<TokenStore>().ExpireAllSessions();
            await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None)));
        }

        await CaptureAsync(() => http.SendJsonAsync(HttpMethod.Post, http.Api("sobjects/Lead"), new { Company = "Acme" }, CallPriority.Normal, CancellationToken.None));
        await CaptureAsync(() => http.GetJsonAsync(http.Api("sobjects/NoSuchObject__c/describe"), CallPriority.Normal, CancellationToken.None));
        await CaptureAsync(() => http.GetJsonAsync(http.Api("query?q=" + Uri.EscapeDataString("SELECT Nope FROM Lead")), CallPriority.Normal, CancellationToken.None));
        var bulk = h.Get<BulkQueryClient>();
        var fast = new BulkQueryOptions { FirstPollDelay = TimeSpan.FromMilliseconds(5) };
        await bulk.QueryAsync("SELECT Id, Username FROM User", fast).ToListAsync();
        await CaptureAsync(() => bulk.QueryAsync("SELECT COUNT() FROM Lead", fast).ToListAsync().AsTask());
        Assert.True(h.Get<TokenCache>().Renewals >= 3);
        _tokens.AddRange(h.Emulator.Get<TokenStore>().IssuedTokens);
    }

    private async Task<string> WrongKeyScenarioAsync()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        await using var h = await ClientHarness.StartAsync(clientSettings: new Dictionary<string, string?> { ["Salesforce:PrivateKeyFile"] = SecretFile("untrusted.pem", pem) });
        var http = h.Get<SalesforceHttp>();
        await CaptureAsync(() => http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None));
        await CaptureAsync(() => http.GetJsonAsync(http.Api("limits"), CallPriority.Critical, CancellationToken.None));
        return pem;
    }

    /// <summary>Client credentials and password logins with the right secret (and a renewal), then with a wrong one.</summary>
    private async Task SecretFlowScenariosAsync()
    {
        var passwordVariable = "SF_SCAN_PASSWORD_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(passwordVariable, Password);
        try
        {
            foreach (var (flow, secret) in new[] { ("ClientCredentials", ClientSecret), ("Password", ClientSecret), ("ClientCredentials", WrongSecret), ("Password", WrongSecret) })
            {
                await using var h = await ClientHarness.StartAsync(clientSettings: new Dictionary<string, string?>
                {
                    ["Salesforce:AuthFlow"] = flow,
                    ["Salesforce:PrivateKeyFile"] = null,
                    ["Salesforce:ClientSecretFile"] = SecretFile($"secret-{Guid.NewGuid():N}", secret),
                    ["Salesforce:PasswordEnvironmentVariable"] = passwordVariable,
                });
                var http = h.Get<SalesforceHttp>();
                if (secret == WrongSecret)
                {
                    await CaptureAsync(() => http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None));
                    continue;
                }

                await http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None);
                h.Emulator.Get<TokenStore>().ExpireAllSessions();
                await http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None);
                await CaptureAsync(() => http.SendJsonAsync(HttpMethod.Patch, http.Api("sobjects/Lead/00Q000000000000AAA"), new { Company = "x" }, CallPriority.Normal, CancellationToken.None));
                _tokens.AddRange(h.Emulator.Get<TokenStore>().IssuedTokens);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(passwordVariable, null);
        }
    }

    private async Task CaptureAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception e) when (e is SalesforceApiException or SalesforceAuthException)
        {
            _errors.Add(e);
            return;
        }

        Assert.Fail("the scenario was meant to fail");
    }

    private string SecretFile(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The base64 lines of a PEM: any one of them in a log would be part of the key.</summary>
    private static IEnumerable<string> PemBody(string pem) =>
        pem.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal));

    /// <summary>header.payload.signature with a JSON header ("eyJ" is base64url of "{\"").</summary>
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")]
    private static partial Regex SignedJwt();
}
