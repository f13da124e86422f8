using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Connector.Salesforce.Auth;
using Connector.Salesforce.Http;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Seeding;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Tests.Auth;

public sealed class TokenSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sf-auth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string SecretFile(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<string> LimitsOrgAsync(ClientHarness h)
    {
        var http = h.Get<SalesforceHttp>();
        await http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None);
        return (await h.Get<TokenCache>().GetAsync(CancellationToken.None)).OrgId;
    }

    [Fact]
    public async Task ClientCredentials_FromSecretFile_LogsIn()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: new Dictionary<string, string?>
        {
            ["Salesforce:AuthFlow"] = "ClientCredentials",
            ["Salesforce:PrivateKeyFile"] = null,
            ["Salesforce:ClientSecretFile"] = SecretFile("secret", "emulator-secret\n"),
        });

        Assert.StartsWith("00D", await LimitsOrgAsync(h), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_AgainstLoopbackEmulator_LogsInWithPasswordFromEnvironment()
    {
        var variable = "SF_TEST_PASSWORD_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "emulator-password");
        try
        {
            await using var h = await ClientHarness.StartAsync(clientSettings: new Dictionary<string, string?>
            {
                ["Salesforce:AuthFlow"] = "Password",
                ["Salesforce:PrivateKeyFile"] = null,
                ["Salesforce:ClientSecretFile"] = SecretFile("secret", "emulator-secret"),
                ["Salesforce:PasswordEnvironmentVariable"] = variable,
            });

            Assert.StartsWith("00D", await LimitsOrgAsync(h), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task RefreshToken_IssuedByTheOrg_LogsInAndSurvivesSessionExpiry()
    {
        await using var probe = await ClientHarness.StartAsync();
        var org = probe.Emulator.Get<OrgBootstrap>();
        var refresh = probe.Emulator.Get<TokenStore>().IssueRefreshToken(org.IntegrationUserId, "integration@emulator.local", "emulator-client", "api refresh_token");
        // A second client on the same org, signing in with the refresh token only.
        var services = new ServiceCollection();
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Salesforce:LoginUrl"] = probe.Emulator.BaseUrl.ToString(),
            ["Salesforce:ClientId"] = "emulator-client",
            ["Salesforce:AuthFlow"] = "RefreshToken",
            ["Salesforce:ClientSecretFile"] = SecretFile("secret", "emulator-secret"),
            ["Salesforce:RefreshTokenFile"] = SecretFile("refresh", refresh),
        }).Build();
        services.AddLogging();
        services.AddSalesforceClient(config);
        await using var provider = services.BuildServiceProvider();
        var http = provider.GetRequiredService<SalesforceHttp>();

        await http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None);
        probe.Emulator.Get<TokenStore>().ExpireAllSessions();
        await http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None);

        Assert.Equal(2, provider.GetRequiredService<TokenCache>().Renewals);
    }

    [Fact]
    public async Task Jwt_WithAKeyTheOrgDoesNotTrust_FailsWithTheLoginErrorAndNoSecrets()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        await using var h = await ClientHarness.StartAsync(clientSettings: new Dictionary<string, string?>
        {
            ["Salesforce:PrivateKeyFile"] = SecretFile("wrong.pem", pem),
        });
        var http = h.Get<SalesforceHttp>();

        var e = await Assert.ThrowsAsync<SalesforceAuthException>(() => http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None));

        Assert.Equal("invalid_grant", e.Error);
        Assert.DoesNotContain("PRIVATE KEY", e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_PasswordFlowAgainstProduction_IsRejectedAtStart()
    {
        var options = new SalesforceOptions
        {
            LoginUrl = new Uri("https://login.salesforce.com"), ClientId = "x", AuthFlow = SalesforceAuthFlow.Password,
            Username = "u@x.com", PasswordEnvironmentVariable = "P",
        };

        var errors = options.Validate(new ValidationContext(options)).ToList();

        Assert.Contains(errors, e => e.ErrorMessage!.Contains("only for sandboxes", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://test.salesforce.com", true)]
    [InlineData("https://acme--uat.sandbox.my.salesforce.com", true)]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("https://acme.my.salesforce.com", false)]
    [InlineData("https://login.salesforce.com", false)]
    public void IsSandboxOrLocal_ClassifiesLoginHosts(string url, bool expected) =>
        Assert.Equal(expected, SalesforceOptions.IsSandboxOrLocal(new Uri(url)));

    [Theory]
    [InlineData("62", "ApiVersion")]
    [InlineData("v62.0", "ApiVersion")]
    public void Options_BadApiVersion_NamesTheKey(string version, string member)
    {
        var options = new SalesforceOptions { LoginUrl = new Uri("https://login.salesforce.com"), ClientId = "x", ApiVersion = version, Username = "u", PrivateKeyFile = "k" };

        var errors = options.Validate(new ValidationContext(options)).ToList();

        Assert.Contains(errors, e => e.MemberNames.Contains(member) && e.ErrorMessage!.Contains("Salesforce:ApiVersion", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_JwtWithoutKeySource_IsRejected()
    {
        var options = new SalesforceOptions { LoginUrl = new Uri("https://login.salesforce.com"), ClientId = "x", Username = "u" };

        Assert.Contains(options.Validate(new ValidationContext(options)), e => e.ErrorMessage!.Contains("PrivateKeyFile", StringComparison.Ordinal));
    }

    [Fact]
    public void Rebase_PointsRelativeRequestsAtTheInstance()
    {
        var rebased = AuthHandler.Rebase(new Uri(SalesforceHttp.InstancePlaceholder, "services/data/v62.0/query?q=SELECT%20Id%20FROM%20Lead%20WHERE%20Email%20%3D%20%27a%2Bb%40x.com%27"), new Uri("https://acme.my.salesforce.com/"));

        Assert.Equal("https://acme.my.salesforce.com/services/data/v62.0/query?q=SELECT%20Id%20FROM%20Lead%20WHERE%20Email%20%3D%20%27a%2Bb%40x.com%27", rebased.AbsoluteUri);
    }
}
