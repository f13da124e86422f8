using System.Data.Common;
using System.Globalization;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Outbox;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Rewards;
using Connector.Ledger.Tests.Support;
using Dapper;

namespace Connector.Ledger.Tests.Ledger;

/// <summary>
/// Writes queued in a transaction (<see cref="ILedgerTransaction.Enqueue"/>) go as a few statements of many rows
/// (on PostgreSQL one statement of column arrays per table): every column of every table must read back as written,
/// each row with its own values, in the order queued, with the same conflict handling as one row at a time.
/// </summary>
public abstract class QueuedWritesTests : LedgerTestBase
{
    private const string Stream = "/data/LeadChangeEvent";
    private const int Changes = 300;

    protected QueuedWritesTests(ILedgerTestDatabases databases)
        : base(databases)
    {
    }

    private LedgerStore CreateSut() => new(Database, Time);

    [Fact]
    public async Task Enqueue_ManyChangesWithRowsOfEveryTable_ReadBackEqualRowByRowInQueuedOrder()
    {
        var sut = CreateSut();
        // An advocate and a referral already stored: the queued rows update them (submitted_at is not updated).
        await sut.InTransactionAsync(async (tx, ct) =>
        {
            tx.Enqueue(new AppliedChange { EventKey = "seed", Advocates = [AdvocateRow(0) with { Name = "Before" }], Referrals = [ReferralRow(0, 0) with { State = "Submitted" }] });
            await tx.SaveCheckpointAsync(StreamPosition.AtCursor(Stream, "seed-cursor"), ct);
            return 0;
        }, CancellationToken.None);
        var changes = Enumerable.Range(0, Changes).Select(Change).ToList();

        await sut.InTransactionAsync(async (tx, ct) =>
        {
            foreach (var change in changes)
            {
                tx.Enqueue(change);
            }

            await tx.SaveCheckpointAsync(StreamPosition.AtReplayId(Stream, 4_000_000_000_123), ct);
            return 0;
        }, CancellationToken.None);

        var now = Stored(Time.GetUtcNow());
        // Upserted rows: one per key, the last values queued; a referral keeps the submitted_at it was inserted with.
        var advocates = changes.SelectMany(c => c.Advocates).GroupBy(a => a.AdvocateId).Select(g => Stored(g.Last())).OrderBy(a => a.AdvocateId, StringComparer.Ordinal);
        Assert.Equal(advocates, await QueryAsync<AdvocateRow>("SELECT * FROM advocates ORDER BY advocate_id"));
        var referrals = changes.SelectMany(c => c.Referrals).GroupBy(r => r.ReferralKey)
            .Select(g => Stored(g.Last()) with { SubmittedAt = g.Key == Key(0) ? Stored(ReferralRow(0, 0).SubmittedAt) : Stored(g.First().SubmittedAt) })
            .OrderBy(r => r.ReferralKey, StringComparer.Ordinal);
        Assert.Equal(referrals, await QueryAsync<ReferralRow>("SELECT * FROM referrals ORDER BY referral_key"));

        // Appended rows: in queued order (their ids ascend in it), each with its own change's event key.
        Assert.Equal(
            changes.SelectMany(c => c.StateChanges.Select(s => new RecordedStateChange
            {
                ReferralKey = s.ReferralKey, FromState = s.FromState, ToState = s.ToState, OccurredAt = Stored(s.OccurredAt), EventKey = c.EventKey,
                Reason = s.Reason, RuleId = s.RuleId, MappingVersion = s.MappingVersion, RecordedAt = now,
            })),
            (await QueryAsync<RecordedStateChange>("SELECT * FROM referral_state_changes ORDER BY id")).Select(r => r with { Id = 0 }));
        Assert.Equal(
            changes.SelectMany(c => c.RewardEntries.Select(e => new RewardEntry
            {
                IdempotencyKey = e.IdempotencyKey, ReferralKey = e.ReferralKey, AdvocateId = e.AdvocateId, Beneficiary = e.Beneficiary, Kind = e.Kind,
                Amount = e.Amount, Currency = e.Currency, EffectiveOn = e.EffectiveOn, Reason = e.Reason, RuleId = e.RuleId, RelatedKey = e.RelatedKey,
                EventKey = c.EventKey, RecordedAt = now, BeneficiaryId = e.BeneficiaryId, RuleVersion = e.RuleVersion, Stage = e.Stage, Cycle = e.Cycle,
                WonOn = e.WonOn, WonAt = e.WonAt is { } wonAt ? Stored(wonAt) : null, RetentionEndsOn = e.RetentionEndsOn, MaturesOn = e.MaturesOn,
                ChoiceOptions = e.ChoiceOptions,
            })),
            (await QueryAsync<RewardEntry>("SELECT * FROM reward_entries ORDER BY id")).Select(r => r with { Id = 0 }));
        Assert.Equal(
            changes.SelectMany(c => c.Quarantined.Select(q => new QuarantineEntry
            {
                SourceEventKey = c.EventKey, Entity = q.Entity, RecordId = q.RecordId, ReasonCode = q.ReasonCode, Reason = q.Reason, Payload = q.Payload,
                ReceivedAt = now,
            })),
            (await QueryAsync<QuarantineEntry>("SELECT id, source_event_key, entity, record_id, reason_code, reason, payload, received_at, resolved_at, reapplied_event_key FROM quarantine ORDER BY id"))
                .Select(q => q with { Id = 0 }));
        Assert.Equal(
            changes.SelectMany(c => c.Audit.Select(a => new RecordedAudit
            {
                DecisionKind = a.DecisionKind, Subject = a.Subject, Reason = a.Reason, RuleId = a.RuleId, MappingVersion = a.MappingVersion, EventKey = c.EventKey,
                At = Stored(a.At),
            })),
            (await QueryAsync<RecordedAudit>("SELECT * FROM audit_entries WHERE event_key <> 'seed' ORDER BY id")).Select(a => a with { Id = 0 }));
        Assert.Equal(
            changes.SelectMany(c => c.Outbox.Select(o => new OutboxMessage
            {
                Kind = o.Kind, TargetSObject = o.TargetSObject, TargetId = o.TargetId, Payload = o.Payload, IdempotencyKey = o.IdempotencyKey, CreatedAt = now,
            })),
            (await QueryAsync<OutboxMessage>("SELECT * FROM outbox_messages ORDER BY id")).Select(o => o with { Id = 0 }));
        Assert.Equal(
            changes.Where(c => c.RecordsEventKey).Select(c => c.EventKey).Append("seed").Order(StringComparer.Ordinal),
            (await QueryAsync<AppliedEvent>("SELECT event_key, stream, applied_at FROM applied_events")).Select(e => e.EventKey).Order(StringComparer.Ordinal));
        Assert.All(await QueryAsync<AppliedEvent>("SELECT event_key, stream, applied_at FROM applied_events WHERE event_key <> 'seed'"), e =>
        {
            Assert.Equal(changes[Number(e.EventKey)].Checkpoint?.Stream, e.Stream);
            Assert.Equal(now, e.AppliedAt);
        });
        Assert.Equal(
            [new StreamCheckpoint { Stream = Stream, ReplayId = 4_000_000_000_123, Cursor = null, UpdatedAt = now }],
            await QueryAsync<StreamCheckpoint>("SELECT stream, replay_id, cursor_value AS cursor, updated_at FROM stream_checkpoints"));
    }

    [Fact]
    public async Task Enqueue_SameEventKeyTwiceInOneTransaction_FailsOnTheUniqueKeyAndWritesNothing()
    {
        var sut = CreateSut();

        var failure = await Assert.ThrowsAnyAsync<DbException>(() => sut.InTransactionAsync(async (tx, ct) =>
        {
            tx.Enqueue(Change(0));
            tx.Enqueue(Change(1));
            // No state change: the same event key would repeat Change(0)'s (unique per referral, event and state).
            tx.Enqueue(Change(2) with { EventKey = Change(0).EventKey, StateChanges = [] });
            await tx.SaveCheckpointAsync(StreamPosition.AtReplayId(Stream, 7), ct);
            return 0;
        }, CancellationToken.None));

        Assert.True(sut.IsUniqueViolation(failure), failure.Message);
        Assert.Contains("applied_events", failure.Message, StringComparison.Ordinal);
        Assert.All(await Database.SnapshotAsync(), table => Assert.Equal(0, table.Value));
    }

    [Fact]
    public async Task Enqueue_EventKeyRecordedByAnEarlierTransaction_FailsOnTheUniqueKeyAndWritesNothingMore()
    {
        var sut = CreateSut();
        await sut.InTransactionAsync((tx, _) => { tx.Enqueue(Change(0)); return Task.FromResult(0); }, CancellationToken.None);
        var before = await Database.SnapshotAsync();

        var failure = await Assert.ThrowsAnyAsync<DbException>(() => sut.InTransactionAsync(async (tx, ct) =>
        {
            tx.Enqueue(Change(1));
            tx.Enqueue(Change(2) with { EventKey = Change(0).EventKey, StateChanges = [] });
            await tx.SaveCheckpointAsync(StreamPosition.AtReplayId(Stream, 7), ct);
            return 0;
        }, CancellationToken.None));

        Assert.True(sut.IsUniqueViolation(failure), failure.Message);
        Assert.Contains("applied_events", failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Database.SnapshotAsync());
    }

    [Fact]
    public async Task Enqueue_SameRewardAndOutboxKeysTwiceInOneTransaction_KeepsTheFirstOfEach()
    {
        var sut = CreateSut();
        var first = Change(0);
        var again = Change(1) with
        {
            RewardEntries = [first.RewardEntries[0] with { Amount = 1m, Reason = "decided again" }],
            Outbox = [first.Outbox[0] with { TargetId = "00Q00000000000XAAA" }],
        };

        await sut.InTransactionAsync((tx, _) =>
        {
            tx.Enqueue(first);
            tx.Enqueue(again);
            return Task.FromResult(0);
        }, CancellationToken.None);

        var entry = Assert.Single(await QueryAsync<RewardEntry>("SELECT * FROM reward_entries"));
        Assert.Equal((first.RewardEntries[0].Amount, first.RewardEntries[0].Reason, first.EventKey), (entry.Amount, entry.Reason, entry.EventKey));
        Assert.Equal(first.Outbox[0].TargetId, Assert.Single(await QueryAsync<OutboxMessage>("SELECT * FROM outbox_messages")).TargetId);
        Assert.Equal(2, await Database.CountAsync("applied_events"));
    }

    [Fact]
    public async Task Enqueue_QuarantineEntriesReappliedTwiceInOneTransaction_ResolvesEachOnceWithTheFirstEventKey()
    {
        var sut = CreateSut();
        var quarantine = new QuarantineStore(Database, Time);
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await quarantine.AddAsync($"event:{i}", Sample.Quarantined(), CancellationToken.None));
        }

        Time.Advance(TimeSpan.FromMinutes(5));
        await sut.InTransactionAsync((tx, _) =>
        {
            tx.Enqueue(new AppliedChange { EventKey = "fix:1", RecordsEventKey = false, ReappliedQuarantineIds = [ids[2], ids[0]] });
            tx.Enqueue(new AppliedChange { EventKey = "fix:2", RecordsEventKey = false, ReappliedQuarantineIds = [ids[0]] });
            return Task.FromResult(0);
        }, CancellationToken.None);

        var entries = await QueryAsync<QuarantineEntry>("SELECT id, source_event_key, entity, record_id, reason_code, reason, payload, received_at, resolved_at, reapplied_event_key FROM quarantine ORDER BY id");
        (string?, DateTimeOffset?)[] expected = [("fix:1", Stored(Time.GetUtcNow())), (null, null), ("fix:1", Stored(Time.GetUtcNow()))];
        Assert.Equal(expected, entries.Select(e => (e.ReappliedEventKey, e.ResolvedAt)));
    }

    // Every column set (and, row by row, left null where it may be), with values that differ per row.
    private static AppliedChange Change(int i)
    {
        var at = new DateTimeOffset(2025, 3, 14, 9, 30, 15, TimeSpan.FromHours(i % 3 - 1)).AddSeconds(i).AddTicks(1_234_567);
        // Every third change updates an earlier change's advocate and referral (folded to one upsert row per key).
        var target = i % 3 == 2 ? i - 2 : i;
        return new AppliedChange
        {
            EventKey = $"cdc:tx{i}:1",
            RecordsEventKey = i % 7 != 3,
            Checkpoint = i % 2 == 0 ? StreamPosition.AtReplayId(Stream, 100 + i) : null,
            Advocates = [AdvocateRow(target) with { Name = $"Advocate {target} v{i}" }],
            Referrals = [ReferralRow(target, i)],
            StateChanges =
            [
                new ReferralStateChangeRow { ReferralKey = Key(target), FromState = i % 2 == 0 ? null : "Submitted", ToState = "Working", OccurredAt = at, Reason = $"Status {i}", RuleId = i % 2 == 0 ? $"rule-{i}" : null, MappingVersion = $"m{i % 5}" },
                new ReferralStateChangeRow { ReferralKey = Key(target), FromState = "Working", ToState = $"State{i}", OccurredAt = at.AddMinutes(1), Reason = $"Stage {i}", MappingVersion = "m1" },
            ],
            RewardEntries =
            [
                new RewardEntryRow
                {
                    IdempotencyKey = $"reward:{i}", ReferralKey = Key(target), AdvocateId = Advocate(target), Beneficiary = i % 2 == 0 ? "Advocate" : "Referee",
                    Kind = i % 4 == 0 ? "Clawback" : "Earned", Amount = (i % 4 == 0 ? -1 : 1) * (99_999_999_999_999.9999m - i * 1_000_000.0001m), Currency = i % 2 == 0 ? "USD" : "EUR",
                    EffectiveOn = new DateOnly(2025, 1, 1).AddDays(i), Reason = $"Reward {i}", RuleId = i % 3 == 0 ? null : $"rule-{i}",
                    RelatedKey = i % 4 == 0 ? $"reward:{i - 1}" : null, BeneficiaryId = i % 2 == 0 ? Advocate(target) : null, RuleVersion = i % 2 == 0 ? i : null,
                    Stage = i % 2 == 0 ? $"stage-{i}" : null, Cycle = i % 2 == 1 ? i : null, WonOn = i % 2 == 0 ? new DateOnly(2024, 12, 31).AddDays(i) : null,
                    WonAt = i % 2 == 0 ? at.AddHours(-i) : null, RetentionEndsOn = i % 3 == 0 ? new DateOnly(2025, 6, 1).AddDays(i) : null,
                    MaturesOn = i % 3 == 1 ? new DateOnly(2025, 7, 1).AddDays(i) : null, ChoiceOptions = i % 5 == 0 ? $"[\"gift-{i}\",\"cash\"]" : null,
                },
            ],
            // Payloads as jsonb prints them, so both engines read back the same text.
            Quarantined = i % 4 == 1 ? [new QuarantineRow { Entity = "Opportunity", RecordId = i % 8 == 1 ? null : $"006{i:D15}", ReasonCode = $"Code{i}", Reason = $"Why {i}", Payload = $$"""{"id": "x{{i}}", "seq": {{i}}}""" }] : [],
            Audit = [new AuditRow { DecisionKind = "StateChange", Subject = $"Referral:{Key(target)}", Reason = $"Audit {i}", RuleId = i % 2 == 0 ? "r" : null, MappingVersion = i % 3 == 0 ? null : "m1", At = at.AddMilliseconds(i) }],
            Outbox = i % 2 == 0 ? [new OutboxMessageRow { Kind = OutboxKinds.OwnerChange, TargetSObject = "Lead", TargetId = $"00Q{i:D15}", Payload = $$"""{"OwnerId": "005{{i:D15}}"}""", IdempotencyKey = $"owner:{i}" }] : [],
        };
    }

    private static string Advocate(int i) => $"a00{i:D15}";

    private static string Key(int i) => $"R-{i:D5}";

    private static int Number(string eventKey) => int.Parse(eventKey.Split(':')[1][2..], CultureInfo.InvariantCulture);

    private static AdvocateRow AdvocateRow(int i) => new()
    {
        AdvocateId = Advocate(i),
        ContactId = i % 2 == 0 ? $"003{i:D15}" : null,
        AccountId = i % 3 == 0 ? null : $"001{i:D15}",
        OwnerId = $"005{i:D15}",
        Name = $"Advocate {i}",
        Status = i % 2 == 0 ? "Active" : "Inactive",
        ReferralCode = $"CODE-{i}",
        EnrolledOn = i % 2 == 0 ? new DateOnly(2024, 1, 1).AddDays(i) : null,
        UpdatedAt = new DateTimeOffset(2025, 2, 1, 8, 0, 0, TimeSpan.FromHours(2)).AddMinutes(i).AddTicks(9_999),
        Watermark = i % 2 == 1 ? new DateTimeOffset(2025, 2, 1, 8, 0, 0, TimeSpan.Zero).AddSeconds(i).AddTicks(15) : null,
        ContactOwnerId = i % 2 == 0 ? $"005{i + 1:D15}" : null,
        AccountOwnerId = i % 4 == 0 ? $"005{i + 2:D15}" : null,
    };

    private static ReferralRow ReferralRow(int i, int version) => new()
    {
        ReferralKey = Key(i),
        ReferralId = version % 2 == 0 ? $"a01{i:D15}" : null,
        AdvocateId = Advocate(i),
        State = $"State{version}",
        Method = version % 2 == 0 ? "Email" : "Verbal",
        LeadId = $"00Q{i:D15}",
        OpportunityId = version % 3 == 0 ? $"006{i:D15}" : null,
        LoggedById = version % 2 == 1 ? $"005{version:D15}" : null,
        RefereeName = $"Referee {version}",
        RefereeEmail = version % 2 == 0 ? $"r{version}@example.com" : null,
        RefereeCompany = version % 3 == 0 ? null : $"Company {version}",
        RefereePhone = version % 2 == 0 ? $"+1 555 {version:D4}" : null,
        SubmittedAt = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.FromHours(-5)).AddMinutes(version).AddTicks(3),
        UpdatedAt = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.FromHours(1)).AddSeconds(version).AddTicks(123_456_7),
        RefereeEmailKey = version % 2 == 0 ? $"R{version}@EXAMPLE.COM" : null,
        DuplicateOf = version % 5 == 0 ? Key(i + 1) : null,
        WonAt = version % 2 == 0 ? new DateTimeOffset(2025, 3, 2, 0, 0, 0, TimeSpan.Zero).AddSeconds(version) : null,
        LeadWatermark = new DateTimeOffset(2025, 3, 3, 0, 0, 0, TimeSpan.Zero).AddTicks(version * 10 + 7),
        OpportunityWatermark = version % 2 == 1 ? new DateTimeOffset(2025, 3, 4, 0, 0, 0, TimeSpan.Zero).AddSeconds(version) : null,
        DealStage = version % 2 == 0 ? "Closed Won" : null,
        DealRevenue = version % 2 == 0 ? 12_345.6789m + version : null,
        DealCurrency = version % 2 == 0 ? "USD" : null,
        DealRewardOverride = version % 3 == 0 ? -0.0001m * version : null,
        DealCloseDate = version % 2 == 0 ? new DateOnly(2025, 3, 31).AddDays(version) : null,
    };

    private static DateTimeOffset Stored(DateTimeOffset value) => LedgerTypeHandlers.ToStoredPrecision(value);

    private static AdvocateRow Stored(AdvocateRow row) => row with { UpdatedAt = Stored(row.UpdatedAt), Watermark = row.Watermark is { } w ? Stored(w) : null };

    private static ReferralRow Stored(ReferralRow row) => row with
    {
        SubmittedAt = Stored(row.SubmittedAt),
        UpdatedAt = Stored(row.UpdatedAt),
        WonAt = row.WonAt is { } won ? Stored(won) : null,
        LeadWatermark = row.LeadWatermark is { } lead ? Stored(lead) : null,
        OpportunityWatermark = row.OpportunityWatermark is { } opportunity ? Stored(opportunity) : null,
    };

    private async Task<List<T>> QueryAsync<T>(string sql)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<T>(sql)];
    }

    private sealed record AppliedEvent
    {
        public required string EventKey { get; init; }
        public string? Stream { get; init; }
        public DateTimeOffset AppliedAt { get; init; }
    }
}

public sealed class SqliteQueuedWritesTests() : QueuedWritesTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlQueuedWritesTests(PostgresFixture postgres) : QueuedWritesTests(postgres);
