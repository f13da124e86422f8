using Connector.Ledger.Applying;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Tests.Support;
using Connector.Referrals;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;
using Connector.Referrals.Tests.Support;
using Dapper;

namespace Connector.Ledger.Tests.Applying;

public abstract class ReferralLedgerTests : LedgerTestBase
{
    private const string Stream = "/data/LeadChangeEvent";

    private static readonly RewardRules Flat = new() { RuleId = "flat", Version = 3, Advocate = new FlatReward(new Money(100m, "USD")), RetentionDays = 90 };

    protected ReferralLedgerTests(ILedgerTestDatabases databases)
        : base(databases)
    {
        Time.SetUtcNow(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));
    }

    private LedgerStore Store => new(Database, Time);

    private async Task<ReferralLedger> CreateSutAsync(ProgramConfig? config = null)
    {
        var sut = new ReferralLedger(Store, new LedgerProgram(config ?? Org.Config(), Flat));
        await sut.SaveSalesRepsAsync([new SalesRep(Org.Rep, true), new SalesRep(Org.InactiveRep, false)], CancellationToken.None);
        var advocate = Org.Advocate();
        var seeded = await sut.ApplyAsync(new SalesforceChange
        {
            EventKey = "seed:advocate",
            Entity = ChangeEntity.Advocate,
            RecordId = advocate.Id,
            Kind = ChangeKind.Create,
            CommitTimestamp = Org.T0.AddDays(-30),
            IsSnapshot = true,
            Fields = SalesforceChange.FieldsOf(
                (AdvocateFields.Contact, advocate.ContactId), (AdvocateFields.Account, advocate.AccountId), (AdvocateFields.OwnerId, advocate.OwnerUserId),
                (AdvocateFields.Status, "Active"), (AdvocateFields.ReferralCode, advocate.ReferralCode), (AdvocateFields.EnrolledDate, advocate.EnrolledDate)),
        }, null, CancellationToken.None);
        Assert.Equal(ApplyStatus.Applied, seeded.Status);
        return sut;
    }

    [Fact]
    public async Task ApplyAsync_NewReferralLead_WritesReferralHistoryAuditOwnerChangeAndCheckpoint()
    {
        var sut = await CreateSutAsync();

        var outcome = await sut.ApplyAsync(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 11), CancellationToken.None);

        Assert.Equal(ApplyStatus.Applied, outcome.Status);
        var referral = await Store.GetReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None);
        Assert.Equal("Submitted", referral!.State);
        var history = await Store.GetHistoryAsync(referral.ReferralKey, CancellationToken.None);
        Assert.Equal(("R-REGISTER", "v1"), (history.Single().RuleId, history.Single().MappingVersion));
        var audit = await Store.GetAuditTrailAsync($"Referral:{referral.ReferralKey}", CancellationToken.None);
        Assert.Contains(audit, a => a.DecisionKind == nameof(RoutingDecision) && a.RuleId == "RT-OWNER" && a.MappingVersion == "v1");
        Assert.All(audit, a => Assert.Equal(Org.LeadCreated().EventKey, a.EventKey));
        // The lead's routing write; the advocate's enrolment queued its contact link (target: the contact) before.
        var outbox = await QueryAsync<(string Kind, string TargetId)>("SELECT kind, target_id FROM outbox_messages WHERE kind = 'OwnerChange'");
        Assert.Equal([("OwnerChange", Org.Lead1)], outbox);
        Assert.Single(await QueryAsync<string>("SELECT target_id FROM outbox_messages WHERE kind = 'ProfileUpdate' AND target_sobject = 'Contact'"));
        Assert.Equal(11, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));

        var again = await sut.ApplyAsync(Org.LeadCreated(), StreamPosition.AtReplayId(Stream, 12), CancellationToken.None);
        Assert.Equal(ApplyStatus.Duplicate, again.Status);
        Assert.Equal(12, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_WinPaidThenLost_EarnsOnceAndClawsBack()
    {
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(), null, CancellationToken.None);
        await sut.ApplyAsync(Org.Converted(Org.T0.AddHours(1), "cdc:convert"), null, CancellationToken.None);
        var won = Org.Updated(ChangeEntity.Opportunity, Org.Opp1, Org.T0.AddHours(2), "cdc:won",
            ("StageName", "Closed Won"), ("Amount", 5000m), ("CurrencyIsoCode", "USD"));

        var first = await sut.ApplyAsync(won, null, CancellationToken.None);
        var replay = await sut.ApplyAsync(won, null, CancellationToken.None);
        var key = (await QueryAsync<string>("SELECT idempotency_key FROM reward_entries WHERE kind = 'Earned'")).Single();
        await Store.RecordPayoutAsync(key, "pay-1", Org.T0.AddDays(1), CancellationToken.None);
        var lost = await sut.ApplyAsync(Org.Stage("Closed Lost", Org.T0.AddDays(2), "cdc:lost"), null, CancellationToken.None);

        Assert.Equal((ApplyStatus.Applied, 1, ApplyStatus.Duplicate), (first.Status, first.RewardEntries, replay.Status));
        Assert.Equal(1, lost.RewardEntries);
        var entries = await QueryAsync<(string Kind, decimal Amount, string Related, int Version, string Stage)>(
            "SELECT kind, amount, COALESCE(related_key, '-'), rule_version, stage FROM reward_entries ORDER BY id");
        Assert.Equal([("Earned", 100m, "-", 3, "won"), ("Clawback", -100m, key, 3, "won")], entries);
        Assert.Equal("Lost", (await Store.GetReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None))!.State);
    }

    [Fact]
    public async Task ApplyAsync_WonLostAndWonAgainTheSameDay_EarnsForTheReWinAndStoresEachWinInstant()
    {
        var sut = await CreateSutAsync();
        await sut.ApplyAsync(Org.LeadCreated(), null, CancellationToken.None);
        await sut.ApplyAsync(Org.Converted(Org.T0.AddHours(1), "cdc:convert"), null, CancellationToken.None);
        var firstWinAt = Org.T0.AddHours(2);
        var reWinAt = Org.T0.AddHours(9);
        Assert.Equal(firstWinAt.UtcDateTime.Date, reWinAt.UtcDateTime.Date);

        await sut.ApplyAsync(Org.Updated(ChangeEntity.Opportunity, Org.Opp1, firstWinAt, "cdc:won",
            ("StageName", "Closed Won"), ("Amount", 5000m), ("CurrencyIsoCode", "USD")), null, CancellationToken.None);
        await sut.ApplyAsync(Org.Stage("Closed Lost", Org.T0.AddHours(5), "cdc:lost"), null, CancellationToken.None);
        var reWin = await sut.ApplyAsync(Org.Stage("Closed Won", reWinAt, "cdc:rewon"), null, CancellationToken.None);

        Assert.Equal(1, reWin.RewardEntries);
        var entries = await new Connector.Ledger.Rewards.RewardLedgerQueries(Database).EntriesForReferralAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None);
        Assert.Equal(
            [("Earned", 100m, 0, firstWinAt), ("Cancelled", -100m, 0, firstWinAt), ("Earned", 100m, 1, reWinAt)],
            entries.OrderBy(e => e.Id).Select(e => (e.Kind, e.Amount, e.Cycle ?? -1, e.WonAt ?? default)));
    }

    [Fact]
    public async Task ReapplyQuarantinedAsync_AfterMappingFix_AppliesTheStoredChangeAndResolvesIt()
    {
        var sut = await CreateSutAsync();
        var change = Org.LeadCreated(status: "Nurturing");

        var first = await sut.ApplyAsync(change, StreamPosition.AtReplayId(Stream, 5), CancellationToken.None);
        var redelivered = await sut.ApplyAsync(change, StreamPosition.AtReplayId(Stream, 6), CancellationToken.None);

        Assert.Equal((ApplyStatus.Quarantined, ApplyStatus.Quarantined), (first.Status, redelivered.Status));
        var open = await new QuarantineStore(Database, Time).ListOpenAsync(10, CancellationToken.None);
        var entry = Assert.Single(open);
        Assert.Equal(("UnmappedStatus", change.EventKey), (entry.ReasonCode, entry.SourceEventKey));
        Assert.False(await Store.IsAppliedAsync(change.EventKey, CancellationToken.None));
        Assert.Equal(6, await new CheckpointStore(Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));

        var stillUnmapped = await sut.ReapplyQuarantinedAsync(entry.Id, CancellationToken.None);
        Assert.Equal(ApplyStatus.Quarantined, stillUnmapped!.Status);

        var fixedMapping = DefaultStateMapping.FromOrg("v2", [.. Org.LeadStatuses, new LeadStatusRow("Nurturing", false, false)], Org.Stages).Mapping;
        var fixedLedger = new ReferralLedger(Store, new LedgerProgram(Org.Config() with { Mapping = fixedMapping }, Flat));
        var reapplied = await fixedLedger.ReapplyQuarantinedAsync(entry.Id, CancellationToken.None);

        Assert.Equal(ApplyStatus.Applied, reapplied!.Status);
        Assert.True(await Store.IsAppliedAsync(change.EventKey, CancellationToken.None));
        var resolved = await new QuarantineStore(Database, Time).GetAsync(entry.Id, CancellationToken.None);
        Assert.Equal(change.EventKey, resolved!.ReappliedEventKey);
        Assert.Null(await fixedLedger.ReapplyQuarantinedAsync(entry.Id, CancellationToken.None));
        Assert.Equal("v2", (await Store.GetHistoryAsync(Referral.IdForLead(Org.Lead1), CancellationToken.None)).Single().MappingVersion);
    }

    [Fact]
    public void ChangeJson_RoundTrip_KeepsTypedValuesNullsAndChangedFields()
    {
        var change = Org.Updated(ChangeEntity.Opportunity, Org.Opp1, Org.T0, "cdc:1",
            ("StageName", "Closed Won"), ("Amount", 1234.5600m), ("IsWon", true), ("CloseDate", new DateOnly(2025, 3, 2)),
            ("LastActivity", Org.T0.AddMinutes(3)), ("Reward_Amount_Override__c", null));

        var back = ChangeJson.Deserialize(ChangeJson.Serialize(change));

        Assert.Equal(ChangeJson.Serialize(change), ChangeJson.Serialize(back));
        Assert.Equal(change.Fields.OrderBy(f => f.Key), back.Fields.OrderBy(f => f.Key));
        Assert.Equal(1234.5600m.ToString(System.Globalization.CultureInfo.InvariantCulture), back.Value("Amount")!.ToString());
        Assert.True(back.ChangedFields.SetEquals(change.ChangedFields));
    }

    private async Task<List<T>> QueryAsync<T>(string sql)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<T>(sql)];
    }
}

public sealed class SqliteReferralLedgerTests() : ReferralLedgerTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlReferralLedgerTests(PostgresFixture postgres) : ReferralLedgerTests(postgres);
