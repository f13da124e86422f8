using Connector.Ledger.Applying;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Tests.Support;
using Connector.Referrals;
using Connector.Referrals.Rewards;
using Connector.Referrals.Tests.Support;
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
    public async Task AddReferralLedgerProgram_RegisteredProgram_ResolvesAReferralLedgerThatApplies()
    {
        var databases = new SqliteTestDatabases();
        var connectionString = await databases.CreateEmptyAsync();
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Ledger:ConnectionString"] = connectionString });
            builder.Services.AddReferralLedger(builder.Configuration)
                .AddReferralLedgerProgram(_ => new LedgerProgram(Org.Config(), new RewardRules { RuleId = "flat", Version = 1, Advocate = new FlatReward(new Money(50m, "USD")) }));
            using var host = builder.Build();
            await host.StartAsync();

            var outcome = await host.Services.GetRequiredService<ReferralLedger>().ApplyAsync(Org.LeadCreated(), null, CancellationToken.None);

            // No advocate in the ledger yet: the change is kept for re-apply, not lost.
            Assert.Equal(ApplyStatus.Quarantined, outcome.Status);
            await host.StopAsync();
            await host.Services.GetRequiredService<LedgerDatabase>().DisposeAsync();
        }
        finally
        {
            databases.Delete(connectionString);
        }
    }

    [Fact]
    public void AddReferralLedger_NoProgram_ResolvingTheLedgerSaysWhatIsMissing()
    {
        using var host = CreateHost(new() { ["Ledger:Provider"] = "Sqlite" });

        var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<ReferralLedger>());

        Assert.Contains("AddReferralLedgerProgram", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LedgerProgram_InvalidRewardRules_Throws()
    {
        var rules = new RewardRules { RuleId = "bad", Version = 1, Advocate = new RevenueShareReward(150m) };

        var error = Assert.Throws<ArgumentException>(() => new LedgerProgram(Org.Config(), rules));

        Assert.Contains("bad@v1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LedgerOptions_Defaults_SqliteLedgerDbMigratingOnStart()
    {
        var options = new LedgerOptions();

        Assert.Equal((LedgerProvider.Sqlite, "Data Source=ledger.db", true), (options.Provider, options.EffectiveConnectionString, options.MigrateOnStart));
    }
}
