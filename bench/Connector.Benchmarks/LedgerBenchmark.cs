using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Connector.Ledger;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Migrations;
using Connector.Ledger.Outbox;
using Connector.Ledger.Rewards;
using Connector.Ledger.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Connector.Benchmarks;

/// <summary>Command line: <c>ledger --events 20000 --concurrency 1,4 --batch 1,50 [--provider sqlite|postgresql|both] [--postgres "Host=..."]</c>.</summary>
internal sealed record LedgerBenchOptions
{
    public int Events { get; init; } = 20_000;
    public IReadOnlyList<int> Concurrency { get; init; } = [1, 4];
    /// <summary>Changes per transaction (<see cref="LedgerStore.ApplyBatchAsync"/>); 1 is <see cref="LedgerStore.ApplyAsync"/>.</summary>
    public IReadOnlyList<int> Batch { get; init; } = [1, 50];
    public string Provider { get; init; } = "both";
    /// <summary>An existing PostgreSQL database; without it a throwaway cluster with production durability settings is started.</summary>
    public string? PostgresConnectionString { get; init; }
    /// <summary>Settings for the throwaway cluster on top of its production durability (<c>NAME=VALUE</c>, as <c>postgres -c</c> takes them).</summary>
    public IReadOnlyList<string> PostgresSettings { get; init; } = [];
    /// <summary>`apply`: events run through each store and batch size first, unmeasured, so the figures exclude JIT compilation.</summary>
    public int Warmup { get; init; } = 1_000;

    public static LedgerBenchOptions Parse(string[] args)
    {
        var options = new LedgerBenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--events" => options with { Events = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--concurrency" => options with { Concurrency = [.. Next().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))] },
                "--batch" => options with { Batch = [.. Next().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))] },
                "--provider" => options with { Provider = Next().ToLowerInvariant() },
                "--postgres" => options with { PostgresConnectionString = Next() },
                "--warmup" => options with { Warmup = int.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException(
                    $"Unknown option {args[i]}. Usage: ledger --events N --concurrency 1,4 --batch 1,50 [--provider sqlite|postgresql|both] [--postgres CONNECTION] [--warmup N (apply)]"),
            };
        }

        return options;
    }
}

/// <summary>
/// Applies synthetic changes through <see cref="LedgerStore.ApplyAsync"/> (each one transaction: event key, checkpoint,
/// referral upsert, state change, audit; every 4th a reward, every 2nd an outbox message) and reports events/s.
/// </summary>
internal static class LedgerBenchmark
{
    private sealed record Figure(string Store, int Concurrency, int Batch, int Events, TimeSpan Elapsed, double P50Ms, double P99Ms)
    {
        public double EventsPerSecond => Events / Elapsed.TotalSeconds;
    }

    public static async Task RunAsync(LedgerBenchOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var figures = new List<Figure>();
        if (options.Provider is "sqlite" or "both")
        {
            foreach (var (concurrency, batch) in Runs(options))
            {
                output.WriteLine($"SQLite file, {concurrency} writer(s), {batch} per transaction, {options.Events:N0} events...");
                figures.Add(await BenchDatabases.WithSqliteFileAsync($"ledger-bench-{concurrency}-{batch}", connectionString =>
                    MeasureAsync("SQLite (file, WAL, synchronous=NORMAL)", LedgerProvider.Sqlite, connectionString, options.Events, concurrency, batch, cancellationToken)));
            }
        }

        if (options.Provider is "postgresql" or "both")
        {
            await BenchDatabases.WithPostgresAsync(options, output, async newDatabase =>
            {
                foreach (var (concurrency, batch) in Runs(options))
                {
                    var connectionString = await newDatabase("bench");
                    output.WriteLine($"PostgreSQL, {concurrency} writer(s), {batch} per transaction, {options.Events:N0} events...");
                    figures.Add(await MeasureAsync("PostgreSQL (durable commits)", LedgerProvider.PostgreSql, connectionString, options.Events, concurrency, batch, cancellationToken));
                }
            }, cancellationToken);
        }

        Print(figures, output);
    }

    private static IEnumerable<(int Concurrency, int Batch)> Runs(LedgerBenchOptions options) =>
        from batch in options.Batch from concurrency in options.Concurrency select (concurrency, batch);

    /// <summary>Latency is per transaction (a batch of <paramref name="batch"/> changes).</summary>
    private static async Task<Figure> MeasureAsync(string store, LedgerProvider provider, string connectionString, int events, int concurrency, int batch,
        CancellationToken cancellationToken)
    {
        await using var database = LedgerDatabase.Create(provider, connectionString);
        await new MigrationRunner(database, TimeProvider.System).MigrateAsync(cancellationToken);
        var ledger = new LedgerStore(database, TimeProvider.System);
        // Advocates exist before the run, as they would in a live program.
        await ledger.ApplyAsync(new AppliedChange
        {
            EventKey = $"seed:{Guid.NewGuid():N}",
            Advocates = [.. Enumerable.Range(0, 500).Select(Advocate)],
        }, cancellationToken);

        // Each writer is one stream with its own referrals, as a worker applies one stream's events in order.
        var perWriter = events / concurrency;
        var transactionsPerWriter = (perWriter + batch - 1) / batch;
        var latencies = new double[transactionsPerWriter * concurrency];
        var runId = Guid.NewGuid().ToString("N")[..8];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(writer => Task.Run(async () =>
        {
            for (var t = 0; t < transactionsPerWriter; t++)
            {
                var changes = Enumerable.Range(t * batch, Math.Min(batch, perWriter - (t * batch))).Select(j => Change(runId, writer, j)).ToList();
                var started = Stopwatch.GetTimestamp();
                var applied = batch == 1
                    ? (await ledger.ApplyAsync(changes[0], cancellationToken) ? 1 : 0)
                    : await ledger.ApplyBatchAsync(changes, cancellationToken);
                if (applied != changes.Count)
                {
                    throw new InvalidOperationException($"Writer {writer}, transaction {t}: {changes.Count - applied} change(s) reported as duplicates.");
                }

                latencies[(writer * transactionsPerWriter) + t] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }, cancellationToken)));
        var elapsed = clock.Elapsed;

        Array.Sort(latencies);
        return new Figure(store, concurrency, batch, perWriter * concurrency, elapsed,
            latencies[latencies.Length / 2], latencies[Math.Min(latencies.Length - 1, (int)(latencies.Length * 0.99))]);
    }

    private static AdvocateRow Advocate(int n) => new()
    {
        AdvocateId = $"a00{n:D12}AAA",
        Status = "Active",
        ReferralCode = $"ADV{n:D6}",
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    private static AppliedChange Change(string runId, int writer, int j)
    {
        var at = DateTimeOffset.UnixEpoch.AddSeconds(j);
        var referral = $"{writer}-{j / 3}"; // each referral moves through three states
        var referralKey = $"{runId}-R{referral}";
        var leadId = $"00Q{runId}{writer}-{j / 3}";
        var state = (j % 3) switch { 0 => "Submitted", 1 => "Working", _ => "Won" };
        var advocateId = $"a00{j / 3 % 500:D12}AAA";
        var i = $"{writer}-{j}";
        return new AppliedChange
        {
            EventKey = $"{runId}:cdc:{i}",
            Checkpoint = StreamPosition.AtReplayId($"/data/ChangeEvents/{writer}", j),
            Referrals =
            [
                new ReferralRow
                {
                    ReferralKey = referralKey, AdvocateId = advocateId, State = state, Method = "Email",
                    LeadId = leadId, RefereeEmail = $"referee{referral}@example.com", SubmittedAt = at, UpdatedAt = at,
                },
            ],
            StateChanges = [new ReferralStateChangeRow { ReferralKey = referralKey, ToState = state, OccurredAt = at, Reason = "Lead status mapped", MappingVersion = "m1" }],
            Audit = [new AuditRow { DecisionKind = "StateChange", Subject = $"Referral:{referralKey}", Reason = "Lead status mapped", MappingVersion = "m1", At = at }],
            RewardEntries = j % 4 == 0
                ? [new RewardEntryRow
                {
                    IdempotencyKey = $"{runId}:reward:{i}", ReferralKey = referralKey, AdvocateId = advocateId, Kind = "Earned",
                    Amount = 100.25m, Currency = "USD", EffectiveOn = DateOnly.FromDateTime(at.UtcDateTime), Reason = "Flat",
                }]
                : [],
            Outbox = j % 2 == 0
                ? [new OutboxMessageRow
                {
                    Kind = OutboxKinds.OwnerChange, TargetSObject = "Lead", TargetId = leadId,
                    Payload = """{"OwnerId":"005000000000001AAA"}""", IdempotencyKey = $"{runId}:owner:{i}",
                }]
                : [],
        };
    }

    private static void Print(List<Figure> figures, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}");
        output.WriteLine($" {"Store",-40} | {"Writers",7} | {"Batch",5} | {"Events",8} | {"Events/s",9} | {"p50 ms/tx",9} | {"p99 ms/tx",9}");
        output.WriteLine(new string('-', 106));
        foreach (var f in figures)
        {
            output.WriteLine($" {f.Store,-40} | {f.Concurrency,7} | {f.Batch,5} | {f.Events,8:N0} | {f.EventsPerSecond,9:N0} | {f.P50Ms,9:N2} | {f.P99Ms,9:N2}");
        }
    }
}
