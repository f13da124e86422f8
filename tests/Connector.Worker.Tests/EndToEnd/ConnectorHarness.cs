using System.Net.Http.Json;
using System.Text.Json;
using Connector.Ledger.Ledger;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Seeding;
using Connector.Testing;
using Connector.Worker.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

using Connector.Worker.Tests.Support;

namespace Connector.Worker.Tests.EndToEnd;

/// <summary>
/// The whole connector as `run` wires it (ConnectorHost), on a SQLite ledger in a temp file, against an in-process
/// emulated org; people in the org act through the emulator's /emulator control plane (as in the UI: assignment rules
/// apply, change events fire). Tests wait on conditions, never on time.
/// </summary>
public sealed class ConnectorHarness : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private ConnectorHarness(EmulatorServer emulator, string ledgerFile, IDictionary<string, string?> settings)
    {
        Emulator = emulator;
        LedgerFile = ledgerFile;
        Settings = settings;
        Simulation = new HttpClient { BaseAddress = emulator.BaseUrl };
    }

    public EmulatorServer Emulator { get; }
    public string LedgerFile { get; }
    public IDictionary<string, string?> Settings { get; }
    public HttpClient Simulation { get; }
    public WebApplication? App { get; private set; }
    public Uri? AppUrl { get; private set; }
    public IReadOnlyList<string> Reps => Emulator.Get<OrgBootstrap>().SalesRepIds;
    public ApiUsage Usage => Emulator.Get<ApiUsage>();

    public T Get<T>()
        where T : notnull => App!.Services.GetRequiredService<T>();

    public static async Task<ConnectorHarness> StartAsync(IDictionary<string, string?>? settings = null, IDictionary<string, string?>? emulatorSettings = null, bool startConnector = true,
        TimeProvider? emulatorClock = null)
    {
        var emulatorConfig = new Dictionary<string, string?> { ["Emulator:StreamingPollTimeout"] = "00:00:02" };
        foreach (var (k, v) in emulatorSettings ?? new Dictionary<string, string?>())
        {
            emulatorConfig[k] = v;
        }

        var emulator = await EmulatorServer.StartAsync(emulatorConfig, emulatorClock is null ? null : s => s.AddSingleton(emulatorClock));
        var ledgerFile = Path.Combine(Path.GetTempPath(), $"connector-e2e-{Guid.NewGuid():N}.db");
        var all = new Dictionary<string, string?>(EmulatorConnection.ConnectorSettings(emulator.BaseUrl))
        {
            ["Ledger:Provider"] = "Sqlite",
            ["Ledger:ConnectionString"] = new SqliteConnectionStringBuilder { DataSource = ledgerFile }.ConnectionString,
            ["Worker:Sync:ProfileInterval"] = "00:00:00.500",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }

        var harness = new ConnectorHarness(emulator, ledgerFile, all);
        if (startConnector)
        {
            await harness.StartConnectorAsync();
        }

        return harness;
    }

    /// <summary>Starts the connector (again, after <see cref="StopConnectorAsync"/>) and waits until it leads, streams and is caught up.</summary>
    public async Task StartConnectorAsync()
    {
        App = ConnectorHost.Build([.. Settings.SelectMany(kv => new[] { $"--{kv.Key}", kv.Value ?? string.Empty })]);
        await App.StartAsync();
        AppUrl = new Uri(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        await Get<ConnectorWorker>().Ready.WaitAsync(Patience);
    }

    public async Task StopConnectorAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
            App = null;
        }
    }

    /// <summary>Creates a record as a person in the org would (UI: assignment rules run), returns its id.</summary>
    public async Task<string> CreateAsync(string type, object fields, string? actAs = null)
    {
        using var response = await Simulation.PostAsJsonAsync($"/emulator/records/{type}{(actAs is null ? "" : $"?actAs={actAs}")}", fields);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"create {type}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    public async Task UpdateAsync(string id, object fields, string? actAs = null)
    {
        using var response = await Simulation.PatchAsJsonAsync($"/emulator/records/{id}{(actAs is null ? "" : $"?actAs={actAs}")}", fields);
        Assert.True(response.IsSuccessStatusCode, $"update {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<string> ConvertAsync(string leadId)
    {
        using var response = await Simulation.PostAsync($"/emulator/leads/{leadId}/convert", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"convert {leadId}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("opportunityId").GetString()!;
    }

    public async Task MoveStageAsync(string opportunityId, string stage, decimal? amount = null)
    {
        using var response = await Simulation.PostAsJsonAsync($"/emulator/opportunities/{opportunityId}/stage", new { stage, amount });
        Assert.True(response.IsSuccessStatusCode, $"stage {opportunityId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A field of a record as the org has it now.</summary>
    public object? Field(string id, string field) => Emulator.Store.Read(org =>
        (org.Find(id) ?? throw new InvalidOperationException($"no record {id}")).Get(field));

    /// <summary>An active advocate owned by <paramref name="ownerId"/>.</summary>
    public Task<string> CreateAdvocateAsync(string ownerId, string name = "Ada Advocate") =>
        CreateAsync("Advocate__c", new { Name = name, OwnerId = ownerId, Status__c = "Active" });

    public Task<T> LedgerAsync<T>(Func<ILedgerTransaction, CancellationToken, Task<T>> read) =>
        Get<LedgerStore>().InTransactionAsync(read, CancellationToken.None);

    public Task UntilAsync(Func<Task<bool>> condition, string what) => Wait.UntilAsync(condition, Patience, what);

    public async ValueTask DisposeAsync()
    {
        await StopConnectorAsync();
        Simulation.Dispose();
        await Emulator.DisposeAsync();
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { LedgerFile, LedgerFile + "-wal", LedgerFile + "-shm" })
        {
            File.Delete(file);
        }
    }
}
