using Connector.Ledger;
using Connector.Ledger.Ledger;
using Connector.Ledger.Migrations;
using Connector.Ledger.Outbox;
using Connector.Salesforce;
using Connector.Salesforce.Writes;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Seeding;
using Connector.Worker.Outbox;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using Connector.Worker.Tests.Support;

namespace Connector.Worker.Tests.Outbox;

/// <summary>
/// An emulated org, the Salesforce client wired to it as the connector wires it (AddSalesforceClient, JWT bearer with
/// the emulator's development key), a SQLite ledger in a temp file, and the outbox dispatcher.
/// </summary>
public sealed class OutboxHarness : IAsyncDisposable
{
    private readonly string _ledgerFile;

    private OutboxHarness(EmulatorServer emulator, ServiceProvider services, string ledgerFile)
    {
        Emulator = emulator;
        Services = services;
        _ledgerFile = ledgerFile;
    }

    public EmulatorServer Emulator { get; }
    public ServiceProvider Services { get; }
    public OutboxDispatcher Dispatcher => Get<OutboxDispatcher>();
    public IReadOnlyList<string> Reps => Emulator.Get<OrgBootstrap>().SalesRepIds;
    public ApiUsage Usage => Emulator.Get<ApiUsage>();

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public static async Task<OutboxHarness> StartAsync(
        IDictionary<string, string?>? settings = null,
        TimeProvider? time = null,
        IDictionary<string, string?>? emulatorSettings = null,
        Action<IServiceCollection>? configure = null)
    {
        var emulator = await EmulatorServer.StartAsync(emulatorSettings);
        var ledgerFile = Path.Combine(Path.GetTempPath(), $"outbox-test-{Guid.NewGuid():N}.db");
        var all = new Dictionary<string, string?>(EmulatorConnection.Settings(emulator.BaseUrl))
        {
            ["Ledger:Provider"] = "Sqlite",
            ["Ledger:ConnectionString"] = new SqliteConnectionStringBuilder { DataSource = ledgerFile }.ConnectionString,
            ["Worker:Outbox:Linger"] = "00:00:00",
            ["Worker:Outbox:BackgroundLinger"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSalesforceClient(configuration);
        services.AddReferralLedger(configuration);
        services.AddOutboxDispatcher(configuration);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<MigrationRunner>().MigrateAsync(CancellationToken.None);
        return new OutboxHarness(emulator, provider, ledgerFile);
    }

    /// <summary>Creates leads through the API (no owner given: the org's round-robin rule assigns them).</summary>
    public async Task<IReadOnlyList<string>> CreateLeadsAsync(int count)
    {
        var results = await Get<SalesforceWrites>().CreateAsync("Lead",
            Enumerable.Range(0, count).Select(i => new { LastName = "Outbox " + i, Company = "Outbox Co" }).ToList());
        Assert.All(results, r => Assert.True(r.Success));
        return [.. results.Select(r => r.Id!)];
    }

    public string? OwnerOf(string id) => Emulator.Store.Read(r => r.Find(id)?.GetString("OwnerId"));

    public async Task EnqueueAsync(IEnumerable<OutboxMessageRow> rows) =>
        Assert.True(await Get<LedgerStore>().ApplyAsync(
            new AppliedChange { EventKey = "test:" + Guid.NewGuid().ToString("N"), Outbox = [.. rows] }, CancellationToken.None));

    public static OutboxMessageRow OwnerChange(string leadId, string ownerId, string? key = null) => new()
    {
        Kind = OutboxKinds.OwnerChange,
        TargetSObject = "Lead",
        TargetId = leadId,
        Payload = $$"""{"OwnerId":"{{ownerId}}"}""",
        IdempotencyKey = key ?? $"owner:{leadId}:{ownerId}:{Guid.NewGuid():N}",
    };

    public static OutboxMessageRow Profile(string externalKey, string payload) => new()
    {
        Kind = OutboxKinds.ProfileUpsert,
        TargetSObject = "Advocate__c",
        TargetId = externalKey,
        Payload = payload,
        IdempotencyKey = $"profile:{externalKey}:{Guid.NewGuid():N}",
    };

    /// <summary>Every outbox row as the ledger holds it.</summary>
    public async Task<IReadOnlyList<OutboxRow>> RowsAsync()
    {
        await using var connection = await Get<LedgerDatabase>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, target_id, attempts, last_error, dispatched_at IS NOT NULL FROM outbox_messages ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<OutboxRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new OutboxRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetBoolean(4)));
        }

        return rows;
    }

    /// <summary>Passes until nothing more goes out; the total of what they did.</summary>
    public async Task<(int Dispatched, int Failed, int Calls)> DrainAsync()
    {
        var total = (Dispatched: 0, Failed: 0, Calls: 0);
        for (var i = 0; i < 100; i++)
        {
            var pass = await Dispatcher.DispatchOnceAsync(CancellationToken.None);
            if (pass.Sent == 0)
            {
                return total;
            }

            total = (total.Dispatched + pass.Dispatched, total.Failed + pass.Failed, total.Calls + pass.Calls);
        }

        throw new InvalidOperationException("The outbox did not drain in 100 passes.");
    }

    public long Calls(string endpoint) => Usage.ByEndpoint.GetValueOrDefault(endpoint);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
        SqliteConnection.ClearAllPools();
        foreach (var path in new[] { _ledgerFile, _ledgerFile + "-wal", _ledgerFile + "-shm" })
        {
            File.Delete(path);
        }
    }
}

public sealed record OutboxRow(long Id, string TargetId, int Attempts, string? LastError, bool Dispatched);
