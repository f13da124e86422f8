using Connector.Ledger.Applying;
using Connector.Ledger.Programs;
using Connector.Ledger.Tests.Support;
using Connector.Referrals;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;

namespace Connector.Ledger.Tests.Programs;

public abstract class ProgramVersionStoreTests : LedgerTestBase
{
    protected ProgramVersionStoreTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    internal static ProgramDocument Document(decimal reward = 100m) => ProgramDocument.From(new LedgerProgram(
        new ProgramConfig
        {
            ProgramId = "referrals",
            Mapping = new StateMapping("m1", [KeyValuePair.Create("Open", ReferralState.Submitted)], [KeyValuePair.Create("Closed Won", ReferralState.Won)]),
        },
        new RewardRules { RuleId = "std", Version = 1, Advocate = new FlatReward(new Money(reward, "USD")) }));

    [Fact]
    public async Task SaveAsync_Versions_NumberedWithWhoWhenAndAudited_PublishedToTheRunningLedger()
    {
        var published = new PublishedLedgerProgramSource(Document().ToProgram("configured"));
        var sut = new ProgramVersionStore(Database, Time, published);

        var first = await sut.SaveAsync(Document(), "salesforce:ada", "first", CancellationToken.None);
        var second = await sut.SaveAsync(Document(150m), "local:ops", null, CancellationToken.None);

        var listed = await sut.ListAsync("referrals", CancellationToken.None);
        Assert.Equal([(2, "local:ops", (string?)null), (1, "salesforce:ada", "first")], listed.Select(v => (v.Version, v.SavedBy, v.Comment)));
        Assert.Equal(Time.GetUtcNow(), listed[0].SavedAt);
        Assert.Equal((1, 2), (first.Document.Rewards.Version, second.Document.Rewards.Version));
        Assert.Equal(("v2", 2), (published.Current.Config.Mapping.Version, published.Version));
        Assert.Equal(new FlatReward(new Money(150m, "USD")), published.Current.Rules.Advocate);
        var audit = await new AdminAuditStore(Database, Time).ListAsync(10, CancellationToken.None);
        Assert.Equal(["local:ops", "salesforce:ada"], audit.Select(a => a.Actor));
    }

    [Fact]
    public async Task RollbackAsync_OldVersion_NewVersionCopyingItKeepsTheOldRulesVersion()
    {
        var sut = new ProgramVersionStore(Database, Time);
        await sut.SaveAsync(Document(), "a", null, CancellationToken.None);
        await sut.SaveAsync(Document(150m), "a", null, CancellationToken.None);

        var restored = await sut.RollbackAsync("referrals", 1, "b", null, CancellationToken.None);

        var current = await sut.CurrentAsync("referrals", CancellationToken.None);
        Assert.Equal((3, 1, 1), (current!.Version, current.CopiedFrom, current.Document.Rewards.Version));
        Assert.Equal(new FlatReward(new Money(100m, "USD")), restored!.Document.Rewards.Advocate);
        Assert.Null(await sut.RollbackAsync("referrals", 42, "b", null, CancellationToken.None));
    }

    [Fact]
    public async Task SaveAsync_InvalidDocument_RefusedNamingEachProblemAndNothingStored()
    {
        var sut = new ProgramVersionStore(Database, Time);
        var invalid = Document() with { Routing = new RoutingRules(FallbackQueueId: "005000000000001"), DefaultCurrency = "usd" };

        var error = await Assert.ThrowsAsync<ProgramValidationException>(() => sut.SaveAsync(invalid, "a", null, CancellationToken.None));

        Assert.Contains(error.Errors, e => e.StartsWith("routing.fallbackQueueId", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("defaultCurrency", StringComparison.Ordinal));
        Assert.Empty(await sut.ListAsync("referrals", CancellationToken.None));
    }
}

public sealed class SqliteProgramVersionStoreTests() : ProgramVersionStoreTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlProgramVersionStoreTests(PostgresFixture postgres) : ProgramVersionStoreTests(postgres);

public sealed class ProgramJsonTests
{
    [Fact]
    public void Serialize_Deserialize_EveryRewardStructure_RoundTrips()
    {
        var document = ProgramVersionStoreTests.Document() with
        {
            Routing = new RoutingRules(false, OwnerSource.AccountOwner, "00G000000000001AAA"),
            DuplicateWindowDays = 180,
            Rewards = new RewardRules
            {
                RuleId = "multi", Version = 3,
                Advocate = new TieredReward([new RewardTier(1, 3, new Money(100m, "USD")), new RewardTier(4, null, new Money(500m, "USD"))]),
                Stages = [new RewardStage("won", 0, Percent: 25m), new RewardStage("retained", 90, Percent: 75m)],
                RetentionDays = 120,
                Referee = new RevenueShareReward(5m, new Money(10m, "EUR"), new Money(200m, "EUR"), "Amount"),
                ChoiceOptions = ["Gift card", "Bill credit"],
                UseSalesforceOverride = false,
                PayoutCurrency = "EUR",
                TaxFormThreshold = new Money(700m, "USD"),
            },
        };

        var json = ProgramJson.Serialize(document);
        var back = ProgramJson.Deserialize(json);

        Assert.Equal(json, ProgramJson.Serialize(back));
        Assert.Equal(((TieredReward)document.Rewards.Advocate).Tiers, Assert.IsType<TieredReward>(back.Rewards.Advocate).Tiers);
        Assert.Equal(document.Rewards.Referee, back.Rewards.Referee);
        Assert.Equal(document.Rewards.Stages, back.Rewards.Stages);
        Assert.Equal(document.Routing, back.Routing);
        Assert.Equal(document.LeadStatuses, back.LeadStatuses);
        Assert.Equal(document.Rewards.ChoiceOptions, back.Rewards.ChoiceOptions);
    }

    [Theory]
    [InlineData("{\"programId\":\"p\",\"rewards\":{\"ruleId\":\"r\",\"advocate\":{\"type\":\"flat\",\"amount\":{\"amount\":1,\"currency\":\"usd\"}}}}", "rewards.advocate.amount")]
    [InlineData("{\"programId\":\"p\",\"rewardz\":{}}", "rewardz")]
    [InlineData("{\"programId\":\"p\",\"leadStatuses\":{\"Open\":\"Sumbitted\"},\"rewards\":{}}", "leadStatuses")]
    [InlineData("{\"programId\":\"p\"}", "rewards is required")]
    [InlineData("not json", "$")]
    public void Deserialize_BadDocument_ErrorNamesThePlace(string json, string expected)
    {
        var error = Assert.Throws<ProgramFormatException>(() => ProgramJson.Deserialize(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
