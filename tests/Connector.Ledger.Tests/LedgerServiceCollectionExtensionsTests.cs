using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.Ledger.Tests;

public sealed class LedgerServiceCollectionExtensionsTests
{
    private static IHost CreateHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddReferralLedger(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task AddReferralLedger_SqliteFile_MigratesAtStartAndStoresWork()
    {
        var databases = new SqliteTestDatabases();
        var connectionString = await databases.CreateEmptyAsync();
        try
        {
            using (var host = CreateHost(new() { ["Ledger:Provider"] = "Sqlite", ["Ledger:ConnectionString"] = connectionString }))
            {
                await host.StartAsync();

                Assert.True(await host.Services.GetRequiredService<LedgerStore>().ApplyAsync(Sample.NewReferral(), CancellationToken.None));
                Assert.Equal(100, await host.Services.GetRequiredService<CheckpointStore>().GetReplayIdAsync("/data/LeadChangeEvent", CancellationToken.None));
                await host.StopAsync();
                await host.Services.GetRequiredService<LedgerDatabase>().DisposeAsync();
            }
        }
        finally
        {
            databases.Delete(connectionString);
        }
    }

    [Fact]
    public async Task AddReferralLedger_PostgreSqlWithoutConnectionString_FailsAtStartNamingTheKey()
    {
        using var host = CreateHost(new() { ["Ledger:Provider"] = "PostgreSql" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Ledger:ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddReferralLedger_UnknownProvider_FailsAtStart()
    {
        using var host = CreateHost(new() { ["Ledger:Provider"] = "Oracle" });

        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => host.StartAsync());
    }

    [Fact]
    public void LedgerOptions_Defaults_SqliteLedgerDbMigratingOnStart()
    {
        var options = new LedgerOptions();

        Assert.Equal((LedgerProvider.Sqlite, "Data Source=ledger.db", true), (options.Provider, options.EffectiveConnectionString, options.MigrateOnStart));
    }
}
