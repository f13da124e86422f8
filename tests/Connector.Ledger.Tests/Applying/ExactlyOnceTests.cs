using System.Globalization;
using Connector.Ledger.Applying;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Tests.Support;
using Connector.Referrals;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;
using Connector.Referrals.Tests.Support;
using Dapper;

namespace Connector.Ledger.Tests.Applying;

/// <summary>
/// Issue 4's proof on a real store: the domain's generated org histories, delivered with duplicates, interleaving
/// across records, catch-up snapshots of older states and replayed suffixes, applied through <see cref="ReferralLedger"/>
/// and compared with the oracle (final states, reward totals per advocate) and with the in-memory ledger (which
/// events count as applied). Reproduce a failure with REFERRAL_FUZZ_SEED=&lt;seed&gt;.
/// </summary>
public abstract class ExactlyOnceTests : LedgerTestBase
{
    private const string Stream = "/data/ChangeEvents";
    private const int LeadsPerRun = 50;

    private static readonly RewardRules Rules = new()
    {
        RuleId = "fuzz-share",
        Version = 1,
        Advocate = new RevenueShareReward(10m),
        RetentionDays = 90,
    };

    private static readonly string[] Tables =
    [
        "advocates", "referrals", "referral_state_changes", "reward_entries", "reward_payouts", "quarantine", "audit_entries",
        "applied_events", "stream_checkpoints", "outbox_messages", "sales_reps",
    ];

    protected ExactlyOnceTests(ILedgerTestDatabases databases)
        : base(databases)
    {
        // After every generated win: the reward engine earns nothing for a win dated after "today".
        Time.SetUtcNow(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    private static int[] Seeds(int count) => Environment.GetEnvironmentVariable("REFERRAL_FUZZ_SEED") is { } one
        ? [int.Parse(one, CultureInfo.InvariantCulture)]
        : [.. Enumerable.Range(1, count).Select(i => i * 7919)];

    [Fact]
    public async Task ApplyAsync_GeneratedStreamsWithDuplicatesReorderingAndReplays_MatchOracleExactlyOnce()
    {
        var sequences = 0;
        foreach (var seed in Seeds(3))
        {
            var run = await Run.StartAsync(this, seed);
            await run.ApplyAsync(0, run.Stream.Count, payHalfway: true);
            await run.AssertMatchesOracleAsync();

            // Redelivering the whole stream again changes no row. applied_events may grow: the domain does not mark
            // ignored changes applied, and an opportunity change ignored before its lead's conversion was seen, whose
            // commit time equals the referral's opportunity watermark (not strictly older, so not stale), comes back
            // from the processor with the unchanged referral and so counts as applied on the second pass. Every other
            // table must stay exactly as it was.
            var before = await CountRowsAsync(run.Database);
            var keysBefore = await AppliedKeysAsync(run.Database);
            await run.ApplyAsync(0, run.Stream.Count, payHalfway: false);
            var after = await CountRowsAsync(run.Database);
            var changed = Tables.Where(t => t != "applied_events" && before[t] != after[t]).ToList();
            Assert.True(changed.Count == 0, $"seed {seed}: replay changed rows: " + string.Join(", ", changed.Select(t => $"{t} {before[t]} → {after[t]}")));
            var newKeys = (await AppliedKeysAsync(run.Database)).Except(keysBefore).ToList();
            // Only changes the first pass ignored may count as applied now (a redelivered applied change is a duplicate).
            Assert.All(newKeys, key => Assert.StartsWith("cdc:006", key, StringComparison.Ordinal));
            // How many depends on the stream (a fixed cap failed on valid streams, e.g. seed 150002 with 14): what matters is
            // that they are opportunity changes (checked just above) and that no effect row changed (checked before).
            sequences += run.Org.Leads.Count(l => l.IsReferral);
        }

        Assert.True(sequences >= 100 || Seeds(3).Length == 1, $"only {sequences} referral sequences generated");
    }

    [Fact]
    public async Task ApplyBatchAsync_GeneratedStreamsInRandomBatches_MatchOracle()
    {
        foreach (var seed in Seeds(3))
        {
            var run = await Run.StartAsync(this, seed + 1);
            await run.ApplyInBatchesAsync(new Random(seed), run.Stream.Count, payHalfway: true);
            // Re-reads come after their batch here, not right after the change: which ignored changes later count as
            // applied may differ from the in-memory ledger, the outcome may not.
            await run.AssertMatchesOracleAsync(compareAppliedEvents: false);

            var before = await CountRowsAsync(run.Database);
            await run.ApplyInBatchesAsync(new Random(seed + 2), run.Stream.Count, payHalfway: false);
            var after = await CountRowsAsync(run.Database);
            Assert.All(Tables.Where(t => t != "applied_events"), t => Assert.Equal(before[t], after[t]));
            Assert.Equal(run.Stream.Count - 1, await new CheckpointStore(run.Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));
        }
    }

    // Fourteen seeds. Seed 8 (REFERRAL_FUZZ_SEED=63352) once failed: a late re-read brought a deal that had been won,
    // reopened, cut in amount and won again as simply Won, so the reversal and the re-win arrived stale and the first
    // win's reward stood on the old revenue. A stale reversal committed after the win now reverses it and re-wins at
    // the re-read (OpportunityChange.UnseenReversal; ReferralProcessorTests.Process_StaleReversalAfterTheWin…).
    // Seeds 11 and 14 (REFERRAL_FUZZ_SEED=87109, 110866) failed: a deal won, reversed inside retention and won again
    // the same day earned nothing the second time, as the reward engine told wins apart by day. Wins are now told
    // apart by instant (RewardFacts.WonAt, reward_entries.won_at; RewardEngineReversalTests.Evaluate_SameDayReverse…).
    private const int LateRereadSeeds = 14;

    [Fact]
    public async Task ApplyBatchAsync_LateRereads_MatchOracleWithReversals()
    {
        var (clawbacks, cancellations) = (0, 0);
        foreach (var seed in Seeds(LateRereadSeeds))
        {
            var run = await Run.StartAsync(this, seed + 1);
            await run.ApplyInBatchesAsync(new Random(seed), run.Stream.Count, payHalfway: true, maxRereadDelay: 300);
            // Re-reads come after their batch here, not right after the change (as with a worker's asynchronous
            // re-reads), so intermediate wins and reversals apply: which ignored changes later count as applied may
            // differ from the in-memory ledger, the outcome may not.
            var reversals = await run.AssertMatchesOracleAsync(compareAppliedEvents: false);
            clawbacks += reversals.Clawbacks;
            cancellations += reversals.Cancellations;

            // Redelivered, the stream changes nothing, with one exception: an opportunity's reversal first delivered
            // only before its lead's conversion linked it (ignored then), while the win it reverses arrived again after
            // the link and a late re-read showed the deal Won again. Redelivered now, after that win, it proves the
            // reversal the first pass missed: the win is voided and re-won at the re-read (OpportunityChange's unseen
            // reversal). Only such never-applied opportunity events may add history, and the outcome must not move.
            var before = await CountRowsAsync(run.Database);
            var keysBefore = await AppliedKeysAsync(run.Database);
            var lastChange = await MaxIdAsync(run.Database, "referral_state_changes");
            var lastReward = await MaxIdAsync(run.Database, "reward_entries");
            await run.ApplyInBatchesAsync(new Random(seed + 2), run.Stream.Count, payHalfway: false, maxRereadDelay: 300);
            var after = await CountRowsAsync(run.Database);
            Assert.All(Tables.Where(t => t is not ("applied_events" or "referral_state_changes" or "reward_entries" or "audit_entries")), t => Assert.Equal(before[t], after[t]));
            await using (var connection = await run.Database.OpenAsync(CancellationToken.None))
            {
                var newChanges = (await connection.QueryAsync<(string Referral, string EventKey)>(
                    "SELECT referral_key, event_key FROM referral_state_changes WHERE id > @Last", new { Last = lastChange })).ToList();
                Assert.All(newChanges, c => Assert.True(c.EventKey.StartsWith("cdc:006", StringComparison.Ordinal) && !keysBefore.Contains(c.EventKey), $"seed {run.Seed}: replay added history from {c.EventKey}"));
                var rewarded = await connection.QueryAsync<string>("SELECT referral_key FROM reward_entries WHERE id > @Last", new { Last = lastReward });
                Assert.All(rewarded, r => Assert.Contains(r, newChanges.Select(c => c.Referral)));
                Assert.True(newChanges.Count > 0 || after["audit_entries"] == before["audit_entries"], $"seed {run.Seed}: replay audited without new history");
            }

            await run.AssertMatchesOracleAsync(compareAppliedEvents: false);
            Assert.Equal(run.Stream.Count - 1, await new CheckpointStore(run.Database, Time).GetReplayIdAsync(Stream, CancellationToken.None));
        }

        // The streams must exercise reversals of unpaid rewards (cancelled). Reversals of paid rewards (clawed back) are
        // rare here since a payout can no longer race a reversal (voided entries are not payable); the targeted
        // clawback test covers them.
        Assert.True(cancellations > 0 || Seeds(LateRereadSeeds).Length == 1, $"{clawbacks} clawbacks, {cancellations} cancellations");
    }

    [Fact]
    public async Task ApplyAsync_CrashMidStream_LeavesCheckpointAtPreviousEventAndRedeliveryCompletes()
    {
        var run = await Run.StartAsync(this, Seeds(1)[0]);
        // A first delivery (a redelivered key is a duplicate and never reaches the write).
        var crashAt = Enumerable.Range(run.Stream.Count / 2, run.Stream.Count / 2)
            .First(i => run.Stream.Take(i).All(c => c.EventKey != run.Stream[i].EventKey));
        var crashKey = run.Stream[crashAt].EventKey;
        await run.ApplyAsync(0, crashAt, payHalfway: false);

        run.Ledger.BeforeWrite = change =>
        {
            if (change.EventKey == crashKey)
            {
                throw new InvalidOperationException("simulated crash");
            }
        };
        var applied = await AppliedCountAsync(run.Database);
        await Assert.ThrowsAsync<InvalidOperationException>(() => run.ApplyAsync(crashAt, run.Stream.Count, payHalfway: false));

        var checkpoint = await new CheckpointStore(run.Database, Time).GetReplayIdAsync(Stream, CancellationToken.None);
        Assert.Equal(crashAt - 1, checkpoint);
        Assert.Equal(applied, await AppliedCountAsync(run.Database));

        // The worker restarts and the stream redelivers from the event after the checkpoint.
        run.Ledger.BeforeWrite = null;
        await run.ApplyAsync((int)checkpoint!.Value + 1, run.Stream.Count, payHalfway: false);
        await run.AssertMatchesOracleAsync();
    }

    private static async Task<HashSet<string>> AppliedKeysAsync(LedgerDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<string>("SELECT event_key FROM applied_events")];
    }

    private static async Task<long> MaxIdAsync(LedgerDatabase database, string table)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long?>($"SELECT MAX(id) FROM {table}") ?? 0;
    }

    private static async Task<long> AppliedCountAsync(LedgerDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM applied_events");
    }

    private static async Task<Dictionary<string, long>> CountRowsAsync(LedgerDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            counts[table] = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
        }

        return counts;
    }

    /// <summary>One generated org, its delivery stream, the ledger under test and the in-memory reference.</summary>
    private sealed class Run
    {
        private Run(int seed, SimulatedOrg org, List<SalesforceChange> stream, LedgerDatabase database, ReferralLedger ledger, LedgerStore store, InMemoryLedger reference)
        {
            Seed = seed;
            Org = org;
            Stream = stream;
            Database = database;
            Ledger = ledger;
            Store = store;
            Reference = reference;
        }

        public int Seed { get; }
        public SimulatedOrg Org { get; }
        public List<SalesforceChange> Stream { get; }
        public LedgerDatabase Database { get; }
        public ReferralLedger Ledger { get; }
        public LedgerStore Store { get; }
        public InMemoryLedger Reference { get; }

        public static async Task<Run> StartAsync(ExactlyOnceTests test, int seed)
        {
            var random = new Random(seed);
            var org = SimulatedOrg.Generate(random, LeadsPerRun);
            var stream = SimulatedOrg.Deliveries(random, org);
            var database = test.OpenDatabase();
            await ClearAsync(database);
            var store = new LedgerStore(database, test.Time);
            var config = SimulatedOrg.Config();
            var ledger = new ReferralLedger(store, new LedgerProgram(config, Rules));
            var reference = new InMemoryLedger(config, org.Advocates, org.Reps, org.Reread);
            foreach (var change in stream)
            {
                reference.Apply(change);
            }

            await ledger.SaveSalesRepsAsync(org.Reps, CancellationToken.None);
            foreach (var advocate in org.Advocates)
            {
                // Advocates arrive the way the worker brings them: Advocate__c snapshots, before any lead names them.
                var outcome = await ledger.ApplyAsync(AdvocateSnapshot(advocate), null, CancellationToken.None);
                Assert.Equal(ApplyStatus.Applied, outcome.Status);
            }

            return new Run(seed, org, stream, database, ledger, store, reference);
        }

        /// <summary>Delivers stream[from..to) one change per transaction, each with its position; re-reads inline, as the worker will.</summary>
        public async Task ApplyAsync(int from, int to, bool payHalfway)
        {
            for (var i = from; i < to; i++)
            {
                var pending = new Queue<SalesforceChange>();
                var outcome = await Ledger.ApplyAsync(Stream[i], StreamPosition.AtReplayId(ExactlyOnceTests.Stream, i), CancellationToken.None);
                foreach (var resync in outcome.Resyncs)
                {
                    if (Org.Reread(resync) is { } snapshot)
                    {
                        pending.Enqueue(snapshot);
                    }
                }

                while (pending.TryDequeue(out var next))
                {
                    var reread = await Ledger.ApplyAsync(next, null, CancellationToken.None);
                    foreach (var resync in reread.Resyncs)
                    {
                        if (Org.Reread(resync) is { } snapshot)
                        {
                            pending.Enqueue(snapshot);
                        }
                    }
                }

                if (payHalfway && i == to / 2)
                {
                    await PayEverythingPayableAsync();
                }
            }
        }

        /// <summary>
        /// Delivers the stream in batches of 1–40 (one transaction each). Re-reads are answered after the batch, or
        /// after up to <paramref name="maxRereadDelay"/> more deliveries, as an asynchronous worker might: the changes in between apply one by one, so wins,
        /// reversals and re-wins of linked deals reach the reward engine before the re-read brings the final state.
        /// </summary>
        public async Task ApplyInBatchesAsync(Random random, int to, bool payHalfway, int maxRereadDelay = 0)
        {
            var paid = !payHalfway;
            var rereads = new List<(int Due, ResyncRequested Request)>();
            for (var i = 0; i < to;)
            {
                var size = Math.Min(random.Next(1, 41), to - i);
                var batch = Enumerable.Range(i, size).Select(n => new IncomingChange(Stream[n], StreamPosition.AtReplayId(ExactlyOnceTests.Stream, n))).ToList();
                rereads.AddRange((await Ledger.ApplyBatchAsync(batch, CancellationToken.None)).SelectMany(o => o.Resyncs).Select(r => (i + random.Next(0, maxRereadDelay + 1), r)));
                i += size;
                await AnswerRereadsAsync(rereads, i >= to ? int.MaxValue : i);
                if (!paid && i >= to / 2)
                {
                    paid = true;
                    await PayEverythingPayableAsync();
                }
            }
        }

        private async Task AnswerRereadsAsync(List<(int Due, ResyncRequested Request)> rereads, int now)
        {
            while (rereads.FindIndex(r => r.Due <= now) is var index and >= 0)
            {
                var request = rereads[index].Request;
                rereads.RemoveAt(index);
                if (Org.Reread(request) is { } snapshot)
                {
                    rereads.AddRange((await Ledger.ApplyAsync(snapshot, null, CancellationToken.None)).Resyncs.Select(r => (now, r)));
                }
            }
        }

        /// <summary>Pays every payable entry so far: later reversals of those wins must claw back instead of cancel.</summary>
        private async Task PayEverythingPayableAsync()
        {
            await using var connection = await Database.OpenAsync(CancellationToken.None);
            var keys = await connection.QueryAsync<string>("SELECT idempotency_key FROM reward_entries WHERE kind IN ('Earned', 'Matured')");
            foreach (var key in keys)
            {
                await Store.RecordPayoutAsync(key, $"payout-{key}", new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero), CancellationToken.None);
            }
        }

        public async Task<(int Clawbacks, int Cancellations)> AssertMatchesOracleAsync(bool compareAppliedEvents = true)
        {
            var failures = new List<string>();
            await using var connection = await Database.OpenAsync(CancellationToken.None);
            var quarantined = await connection.QueryAsync<string>("SELECT reason FROM quarantine");
            failures.AddRange(quarantined.Select(q => $"quarantined: {q}"));

            var states = (await connection.QueryAsync<(string Key, string State)>("SELECT referral_key, state FROM referrals"))
                .ToDictionary(r => r.Key, r => r.State, StringComparer.Ordinal);
            var expectedTotals = new Dictionary<(string Advocate, string Currency), decimal>();
            foreach (var lead in Org.Leads)
            {
                var expected = Oracle.FinalState(lead, Org.OpportunityOf(lead));
                var stored = states.GetValueOrDefault(Referral.IdForLead(lead.Id));
                if (stored != expected?.ToString())
                {
                    failures.Add($"{lead.Id}: ledger {stored ?? "none"}, oracle {expected?.ToString() ?? "none"}");
                }

                if (expected == ReferralState.Won)
                {
                    var revenue = Oracle.Revenue(Org.OpportunityOf(lead)!);
                    var share = decimal.Round(revenue.Amount * 0.10m, revenue.Currency == "JPY" ? 0 : 2, MidpointRounding.AwayFromZero);
                    var advocate = await connection.ExecuteScalarAsync<string>(
                        "SELECT advocate_id FROM referrals WHERE referral_key = @Key", new { Key = Referral.IdForLead(lead.Id) });
                    var key = (advocate!, revenue.Currency);
                    expectedTotals[key] = expectedTotals.GetValueOrDefault(key) + share;
                }
            }

            // Reward totals per advocate from the stored entries (paid + clawed back + pending = what the standing wins earn).
            var entries = (await connection.QueryAsync<(string Key, string Advocate, string Kind, decimal Amount, string Currency, string? Related, DateTimeOffset? PaidAt)>("""
                SELECT e.idempotency_key, e.advocate_id, e.kind, e.amount, e.currency, e.related_key, p.paid_at
                FROM reward_entries e LEFT JOIN reward_payouts p ON p.reward_entry_id = e.id
                """)).ToList();
            var paid = entries.Where(e => e.PaidAt is not null).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
            var actualTotals = new Dictionary<(string Advocate, string Currency), decimal>();
            foreach (var group in entries.GroupBy(e => e.Advocate, StringComparer.Ordinal))
            {
                var balances = RewardBalances.Summarize(group.Select(e => new Referrals.Rewards.RewardEntry
                {
                    IdempotencyKey = e.Key, ReferralId = "-", Beneficiary = RewardBeneficiary.Advocate, BeneficiaryId = e.Advocate,
                    Kind = Enum.Parse<RewardEntryKind>(e.Kind), Amount = new Money(e.Amount, e.Currency), EffectiveDate = default,
                    Reason = "-", RelatedEntryKey = e.Related, RuleId = "-", RuleVersion = 1, Stage = "-", Cycle = 0, WonDate = default,
                    RetentionEndsOn = default,
                }), paid);
                foreach (var balance in balances)
                {
                    Assert.True(balance.ClawedBack <= 0 && balance.Pending >= 0 && balance.Scheduled == 0, $"seed {Seed}: odd balance {balance}");
                    if (balance.NetEarned != 0)
                    {
                        actualTotals[(group.Key, balance.Currency)] = balance.NetEarned;
                    }
                }
            }

            foreach (var key in expectedTotals.Keys.Union(actualTotals.Keys).Where(k => expectedTotals.GetValueOrDefault(k) != actualTotals.GetValueOrDefault(k)))
            {
                failures.Add($"rewards of {key.Advocate} in {key.Currency}: ledger {actualTotals.GetValueOrDefault(key)}, oracle {expectedTotals.GetValueOrDefault(key)}");
                foreach (var referral in await connection.QueryAsync<string>(
                    "SELECT r.referral_key FROM referrals r WHERE r.advocate_id = @A AND (r.state = 'Won' AND r.deal_currency = @C OR EXISTS (SELECT 1 FROM reward_entries e WHERE e.referral_key = r.referral_key AND e.currency = @C))", new { A = key.Advocate, C = key.Currency }))
                {
                    var history = await connection.QueryAsync<string>(
                        "SELECT to_state || '@' || occurred_at FROM referral_state_changes WHERE referral_key = @R ORDER BY id", new { R = referral });
                    var rewards = await connection.QueryAsync<string>(
                        "SELECT kind || ' ' || amount || ' ' || idempotency_key FROM reward_entries WHERE referral_key = @R ORDER BY id", new { R = referral });
                    var issues = await connection.QueryAsync<string>(
                        "SELECT reason FROM audit_entries WHERE subject = @S AND decision_kind = 'RewardIssue' ORDER BY id", new { S = "Referral:" + referral });
                    failures.Add($"  {referral}: {string.Join(" → ", history)}; rewards: {string.Join("; ", rewards)}; issues: {string.Join("; ", issues)}");
                }
            }

            // The same events count as applied as in the in-memory ledger (plus the advocate snapshots seeded here).
            var applied = !compareAppliedEvents ? Reference.AppliedEventKeys.ToHashSet(StringComparer.Ordinal) : (await connection.QueryAsync<string>("SELECT event_key FROM applied_events WHERE event_key NOT LIKE 'seed:%'"))
                .ToHashSet(StringComparer.Ordinal);
            failures.AddRange(applied.Except(Reference.AppliedEventKeys).Take(5).Select(k => $"applied in the store only: {k}"));
            failures.AddRange(Reference.AppliedEventKeys.Except(applied).Take(5).Select(k => $"applied in memory only: {k}"));

            Assert.True(failures.Count == 0, $"stream seed {Seed} (REFERRAL_FUZZ_SEED sets the test's seed; the batched tests generate their stream from it plus one):\n" + string.Join("\n", failures.Take(20)));
            return (entries.Count(e => e.Kind == nameof(RewardEntryKind.Clawback)), entries.Count(e => e.Kind == nameof(RewardEntryKind.Cancelled)));
        }

        private static SalesforceChange AdvocateSnapshot(Advocate advocate) => new()
        {
            EventKey = $"seed:{advocate.Id}",
            Entity = ChangeEntity.Advocate,
            RecordId = advocate.Id,
            Kind = ChangeKind.Create,
            CommitTimestamp = new DateTimeOffset(2024, 12, 1, 0, 0, 0, TimeSpan.Zero),
            IsSnapshot = true,
            Fields = SalesforceChange.FieldsOf(
                (AdvocateFields.Contact, advocate.ContactId), (AdvocateFields.Account, advocate.AccountId), (AdvocateFields.OwnerId, advocate.OwnerUserId),
                (AdvocateFields.Status, advocate.Status.ToPicklist()), (AdvocateFields.ReferralCode, advocate.ReferralCode),
                (AdvocateFields.EnrolledDate, advocate.EnrolledDate)),
        };

        private static async Task ClearAsync(LedgerDatabase database)
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            foreach (var table in new[] { "reward_payouts", "reward_entries", "referral_state_changes", "referrals", "advocates", "quarantine", "audit_entries", "applied_events", "stream_checkpoints", "outbox_messages", "sales_reps" })
            {
                await connection.ExecuteAsync($"DELETE FROM {table}");
            }
        }
    }
}

public sealed class SqliteExactlyOnceTests() : ExactlyOnceTests(new SqliteTestDatabases());

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlExactlyOnceTests(PostgresFixture postgres) : ExactlyOnceTests(postgres);
