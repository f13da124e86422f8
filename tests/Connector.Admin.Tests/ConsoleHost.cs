using System.Net;
using Connector.Admin;
using Connector.Ledger;
using Connector.Ledger.Applying;
using Connector.Ledger.Programs;
using Connector.Referrals;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;
using Connector.Salesforce;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Connector.Admin.Tests;

/// <summary>
/// The console as the worker hosts it: a WebApplication on 127.0.0.1:0 with a SQLite ledger (temp file), the
/// Salesforce client against an in-process emulator, the versioned program, AddAdminConsole + MapAdminConsole.
/// </summary>
public sealed class ConsoleHost : IAsyncLifetime
{
    public const string LocalAdmin = "ops";
    public const string LocalPassword = "correct horse battery staple";

    private readonly string _ledgerFile;
    private readonly bool _ownsLedger;
    private readonly string _secretFile = Path.Combine(Path.GetTempPath(), $"admin-secret-{Guid.NewGuid():N}.txt");
    private WebApplication? _app;

    public ConsoleHost()
        : this(Path.Combine(Path.GetTempPath(), $"admin-test-{Guid.NewGuid():N}.db"), ownsLedger: true)
    {
    }

    /// <summary>A host on <paramref name="ledgerFile"/>, which another host may share (two replicas on one ledger).</summary>
    internal ConsoleHost(string ledgerFile, bool ownsLedger)
    {
        _ledgerFile = ledgerFile;
        _ownsLedger = ownsLedger;
    }

    public EmulatorServer Emulator { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;

    public static LedgerProgram StartingProgram() => new(
        new ProgramConfig
        {
            ProgramId = "referrals",
            Mapping = DefaultStateMapping.FromOrg("configured",
                [new LeadStatusRow("Open - Not Contacted", false, true), new LeadStatusRow("Working - Contacted", false, false),
                 new LeadStatusRow("Closed - Converted", true, false), new LeadStatusRow("Closed - Not Converted", false, false)],
                [new OpportunityStageRow("Prospecting", false, false), new OpportunityStageRow("Closed Won", true, true), new OpportunityStageRow("Closed Lost", true, false)]).Mapping,
        },
        new RewardRules { RuleId = "std", Version = 1, Advocate = new FlatReward(new Money(100m, "USD")) });

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorServer.StartAsync();
        await File.WriteAllTextAsync(_secretFile, "emulator-secret");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Salesforce:LoginUrl"] = Emulator.BaseUrl.ToString(),
            ["Salesforce:ClientId"] = "emulator-client",
            ["Salesforce:Username"] = "integration@emulator.local",
            ["Salesforce:PrivateKeyFile"] = Path.Combine(AppContext.BaseDirectory, "Dev", "jwt-signing-key.DEVELOPMENT-ONLY.pem"),
            ["Salesforce:ApiVersion"] = "62.0",
            ["Ledger:Provider"] = "Sqlite",
            ["Ledger:ConnectionString"] = new SqliteConnectionStringBuilder { DataSource = _ledgerFile }.ConnectionString,
            ["Admin:SignIn:ClientSecretFile"] = _secretFile,
            ["Admin:LocalAdmins:0:Username"] = LocalAdmin,
            ["Admin:LocalAdmins:0:PasswordHash"] = LocalAdminCredentials.Hash(LocalPassword),
        });
        builder.Services.AddSalesforceClient(builder.Configuration);
        builder.Services.AddReferralLedger(builder.Configuration);
        builder.Services.AddReferralLedgerProgram(_ => StartingProgram());
        builder.Services.AddVersionedLedgerProgram();
        builder.Services.AddAdminConsole(builder.Configuration);
        _app = builder.Build();
        _app.MapAdminConsole();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address);
    }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A client that keeps cookies and does not follow redirects (tests look at them).</summary>
    public HttpClient Client(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseUrl };

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Emulator.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(_secretFile);
        if (_ownsLedger)
        {
            DeleteLedger(_ledgerFile);
        }
    }

    internal static void DeleteLedger(string ledgerFile)
    {
        SqliteConnection.ClearAllPools();
        foreach (var path in new[] { ledgerFile, ledgerFile + "-wal", ledgerFile + "-shm" })
        {
            File.Delete(path);
        }
    }
}
