using System.Collections.Immutable;
using System.Diagnostics;
using Connector.Ledger;
using Connector.Ledger.Applying;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Migrations;
using Connector.Ledger.Tests.Support;
using Connector.Referrals;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;
using Microsoft.Data.Sqlite;

namespace Connector.Benchmarks;

/// <summary>
/// `apply ...`: events/s through the whole apply path (issue 4): ReferralLedger loading the view in the transaction,
/// the processor, the reward engine on wins, and the store's writes with event key and checkpoint. The workload is
/// referral lifecycles (lead created, worked, converted, opportunity snapshot, won with a revenue-share reward), with
/// one in ten events delivered twice. One writer, as a worker applies one stream in order. Each store and batch size
/// first runs <see cref="LedgerBenchOptions.Warmup"/> events unmeasured, so JIT compilation is not counted.
/// </summary>
internal static class ApplyBenchmark
{
    private const string Stream = "/data/ChangeEvents";
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);

    public static async Task RunAsync(LedgerBenchOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var results = new List<(string Store, int Batch, int Events, Measured Measured)>();
        if (options.Provider is "sqlite" or "both")
        {
            foreach (var batch in options.Batch.Where(_ => options.Warmup > 0))
            {
                await BenchDatabases.WithSqliteFileAsync($"apply-warmup-{batch}",
                    connectionString => MeasureAsync(TextWriter.Null, LedgerProvider.Sqlite, connectionString, options.Warmup, batch, cancellationToken));
            }

            foreach (var batch in options.Batch)
            {
                output.WriteLine($"SQLite file, {batch} per transaction, {options.Events:N0} events...");
                results.Add(("SQLite (file, WAL)", batch, options.Events, await BenchDatabases.WithSqliteFileAsync($"apply-bench-{batch}",
                    connectionString => MeasureAsync(output, LedgerProvider.Sqlite, connectionString, options.Events, batch, cancellationToken))));
            }
        }

        if (options.Provider is "postgresql" or "both")
        {
            await BenchDatabases.WithPostgresAsync(options, output, async newDatabase =>
            {
                foreach (var batch in options.Batch.Where(_ => options.Warmup > 0))
                {
                    await MeasureAsync(TextWriter.Null, LedgerProvider.PostgreSql, await newDatabase("apply_warmup"), options.Warmup, batch, cancellationToken);
                }

                foreach (var batch in options.Batch)
                {
                    var connectionString = await newDatabase("apply");
                    output.WriteLine($"PostgreSQL, {batch} per transaction, {options.Events:N0} events...");
                    results.Add(("PostgreSQL (durable commits)", batch, options.Events, await MeasureAsync(output, LedgerProvider.PostgreSql, connectionString, options.Events, batch, cancellationToken)));
                }
            }, cancellationToken);
        }

        output.WriteLine();
        output.WriteLine("Full apply path (processor + rewards + store), one writer:");
        output.WriteLine($"{"store",-30} {"batch",6} {"events",8} {"seconds",8} {"events/s",10} {"round trips/event",18} {"client CPU ms/event",20}");
        foreach (var (store, batch, events, measured) in results)
        {
            var roundTrips = measured.Commands is { } commands ? $"{(double)(commands + measured.Transactions) / events,18:F2}" : $"{"-",18}";
            output.WriteLine($"{store,-30} {batch,6} {events,8} {measured.Elapsed.TotalSeconds,8:F2} {events / measured.Elapsed.TotalSeconds,10:N0} {roundTrips} {measured.ClientCpu.TotalMilliseconds / events,20:F3}");
        }

        // On a shared machine wall time moves with everyone else's load; this process's CPU time (all of SQLite's work,
        // the client side of PostgreSQL's) does much less.

        output.WriteLine("Round trips: PostgreSQL commands (Npgsql's activities, a multi-statement command counts once) plus one COMMIT per transaction.");
    }

    /// <summary>How long the stream took; for PostgreSQL, how many commands it sent (each one round trip).</summary>
    private sealed record Measured(TimeSpan Elapsed, TimeSpan ClientCpu, long? Commands, int Transactions);

    private static async Task<Measured> MeasureAsync(TextWriter output, LedgerProvider provider, string connectionString, int events, int batch, CancellationToken cancellationToken)
    {
        await using var database = LedgerDatabase.Create(provider, connectionString);
        await new MigrationRunner(database, TimeProvider.System).MigrateAsync(cancellationToken);
        var statuses = new LeadStatusRow[]
        {
            new("Open - Not Contacted", false, true), new("Working - Contacted", false, false),
            new("Closed - Converted", true, false), new("Closed - Not Converted", false, false),
        };
        var stages = new OpportunityStageRow[] { new("Prospecting", false, false), new("Closed Won", true, true), new("Closed Lost", true, false) };
        var config = new ProgramConfig { ProgramId = "bench", Mapping = DefaultStateMapping.FromOrg("bench-1", statuses, stages).Mapping };
        var rules = new RewardRules { RuleId = "share", Version = 1, Advocate = new RevenueShareReward(10m), RetentionDays = 90 };
        var ledger = new ReferralLedger(new LedgerStore(database, TimeProvider.System), new LedgerProgram(config, rules));
        await ledger.SaveSalesRepsAsync([new SalesRep("005000000000001AAA", true)], cancellationToken);
        for (var a = 0; a < 50; a++)
        {
            await ledger.ApplyAsync(Change($"seed:{a}", ChangeEntity.Advocate, AdvocateId(a), Start.AddDays(-30), true,
                (AdvocateFields.OwnerId, "005000000000001AAA"), (AdvocateFields.Status, "Active"), (AdvocateFields.ReferralCode, $"CODE{a}")), null, cancellationToken);
        }

        var stream = Workload(events);
        var outcomes = new List<ApplyOutcome>(stream.Count);
        long commands = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStarted = _ => Interlocked.Increment(ref commands),
        };
        if (provider == LedgerProvider.PostgreSql)
        {
            ActivitySource.AddActivityListener(listener);
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < stream.Count; i += batch)
        {
            var slice = stream.Skip(i).Take(batch).Select((c, n) => new IncomingChange(c, StreamPosition.AtReplayId(Stream, i + n))).ToList();
            if (batch == 1)
            {
                outcomes.Add(await ledger.ApplyAsync(slice[0].Change, slice[0].Checkpoint, cancellationToken));
            }
            else
            {
                outcomes.AddRange(await ledger.ApplyBatchAsync(slice, cancellationToken));
            }
        }

        var elapsed = stopwatch.Elapsed;
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var sent = Interlocked.Read(ref commands);
        listener.Dispose();
        // What the run did, so a figure never comes from a workload that silently stopped deciding anything.
        output.WriteLine("  " + string.Join(", ", outcomes.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")) +
            $", reward entries {outcomes.Sum(o => o.RewardEntries)}, decisions {outcomes.Sum(o => o.DecisionCount)}");
        return new Measured(elapsed, clientCpu, provider == LedgerProvider.PostgreSql ? sent : null, (stream.Count + batch - 1) / batch);
    }

    private static List<SalesforceChange> Workload(int events)
    {
        var random = new Random(42);
        var stream = new List<SalesforceChange>(events);
        for (var i = 0; stream.Count < events; i++)
        {
            var lead = $"00Q{i:D15}";
            var opportunity = $"006{i:D15}";
            var at = Start.AddMinutes(i);
            SalesforceChange[] lifecycle =
            [
                Change($"cdc:{lead}:0", ChangeEntity.Lead, lead, at, true,
                    ("FirstName", "Ref"), ("LastName", $"Eree{i}"), ("Company", $"Co {i}"), ("Email", $"referee{i}@example.com"),
                    ("Status", "Open - Not Contacted"), ("IsConverted", false), ("ConvertedOpportunityId", null), ("OwnerId", "00G000000000001AAA"),
                    ("Advocate__c", AdvocateId(i % 50)), ("Referral_Method__c", "Email"), ("CreatedDate", at)),
                Change($"cdc:{lead}:1", ChangeEntity.Lead, lead, at.AddHours(1), false, ("Status", "Working - Contacted")),
                Change($"cdc:{lead}:2", ChangeEntity.Lead, lead, at.AddHours(2), false,
                    ("Status", "Closed - Converted"), ("IsConverted", true), ("ConvertedOpportunityId", opportunity)),
                // The re-read the conversion asks for, delivered as the worker would.
                Change($"sync:{opportunity}:1", ChangeEntity.Opportunity, opportunity, at.AddHours(2), true,
                    ("StageName", "Prospecting"), ("Amount", (decimal)random.Next(1, 100_000)), ("CurrencyIsoCode", "USD"), ("Advocate__c", AdvocateId(i % 50))),
                Change($"cdc:{opportunity}:1", ChangeEntity.Opportunity, opportunity, at.AddHours(5), false, ("StageName", "Closed Won")),
            ];
            foreach (var change in lifecycle)
            {
                stream.Add(change);
                if (random.Next(10) == 0)
                {
                    stream.Add(change);
                }
            }
        }

        return stream.Take(events).ToList();
    }

    private static string AdvocateId(int a) => $"a00{a:D15}";

    private static SalesforceChange Change(string key, ChangeEntity entity, string id, DateTimeOffset at, bool snapshot, params (string Name, object? Value)[] fields) => new()
    {
        EventKey = key,
        Entity = entity,
        RecordId = id,
        Kind = snapshot && key.StartsWith("cdc:", StringComparison.Ordinal) ? ChangeKind.Create : ChangeKind.Update,
        CommitTimestamp = at,
        IsSnapshot = snapshot,
        Fields = SalesforceChange.FieldsOf(fields),
        ChangedFields = fields.Select(f => f.Name).ToImmutableHashSet(StringComparer.OrdinalIgnoreCase),
    };
}
