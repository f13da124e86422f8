using System.Diagnostics;
using System.Globalization;
using Connector.Ledger;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Connector.Worker.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Benchmarks;

/// <summary>Command line of `backfill`: <c>--leads 1000000 --provider sqlite|postgresql|both --batch 1000 --page 50000</c>.</summary>
internal sealed record BackfillOptions
{
    public int Leads { get; init; } = 1_000_000;
    public string Provider { get; init; } = "sqlite";
    public int Batch { get; init; } = 1000;
    public int? Page { get; init; }
    public int Threshold { get; init; } = 10_000;

    public static BackfillOptions Parse(string[] args)
    {
        var options = new BackfillOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--leads" => options with { Leads = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--provider" => options with { Provider = CheckedProvider(Next()) },
                "--batch" => options with { Batch = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--page" => options with { Page = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--threshold" => options with { Threshold = int.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Usage: backfill --leads N [--provider sqlite|postgresql|both] [--batch 1000] [--page ROWS] [--threshold 10000]"),
            };
        }

        return options;
    }

    private static string CheckedProvider(string value) =>
        value is "sqlite" or "postgresql" or "both" ? value : throw new ArgumentException($"--provider is sqlite, postgresql or both, not '{value}'.");
}

/// <summary>
/// `backfill ...`: the connector's first start on a large org (issue 5: "backfill of 1,000,000 leads, goal ≥ 25,000
/// records/s with peak memory ≤ 300 MB"). Seeds the in-process emulator with N leads, then runs the connector as `run`
/// wires it (ConnectorHost, streaming off: the stream adds nothing to a backfill) until the leader's first catch-up is
/// done — Bulk API 2.0 jobs for the objects over the threshold, applied through the full apply path into a fresh ledger.
/// Memory is sampled during the run; the emulator's org lives in the same process, so the connector's share is the
/// growth over the heap measured after seeding.
/// </summary>
internal static class BackfillBenchmark
{
    private static readonly string DevKey = Path.Combine(AppContext.BaseDirectory, "Dev", "jwt-signing-key.DEVELOPMENT-ONLY.pem");

    public static async Task RunAsync(BackfillOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        output.WriteLine($"Seeding {options.Leads:N0} leads in the in-process emulator...");
        var clock = Stopwatch.StartNew();
        await using var emulator = await EmulatorServer.StartAsync(new Dictionary<string, string?>
        {
            ["Emulator:Seed:Leads"] = options.Leads.ToString(CultureInfo.InvariantCulture),
            ["Emulator:DailyApiRequests"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        }, null, cancellationToken);
        output.WriteLine($"Seeded in {clock.Elapsed.TotalSeconds:N0} s.");

        if (options.Provider is "sqlite" or "both")
        {
            await BenchDatabases.WithSqliteFileAsync("backfill-bench", async connectionString =>
            {
                await MeasureAsync(output, emulator, options, LedgerProvider.Sqlite, connectionString, cancellationToken);
                return 0;
            });
        }

        if (options.Provider is "postgresql" or "both")
        {
            await BenchDatabases.WithPostgresAsync(new LedgerBenchOptions(), output, async newDatabase =>
                await MeasureAsync(output, emulator, options, LedgerProvider.PostgreSql, await newDatabase("backfill"), cancellationToken), cancellationToken);
        }
    }

    private static async Task MeasureAsync(TextWriter output, EmulatorServer emulator, BackfillOptions options, LedgerProvider provider, string connectionString,
        CancellationToken cancellationToken)
    {
        var usage = emulator.Get<ApiUsage>();
        usage.Reset();
        var baselineHeap = ProcessMemory.ManagedHeap();
        var baselineWorkingSet = ProcessMemory.WorkingSet();
        var settings = new Dictionary<string, string?>
        {
            ["Salesforce:LoginUrl"] = emulator.BaseUrl.ToString(),
            ["Salesforce:ClientId"] = "emulator-client",
            ["Salesforce:Username"] = "integration@emulator.local",
            ["Salesforce:PrivateKeyFile"] = DevKey,
            ["Salesforce:ApiVersion"] = "62.0",
            ["Ledger:Provider"] = provider.ToString(),
            ["Ledger:ConnectionString"] = connectionString,
            ["Worker:Sync:Streaming"] = "false",
            ["Worker:Sync:BulkBackfillThreshold"] = options.Threshold.ToString(CultureInfo.InvariantCulture),
            ["Worker:Sync:BulkApplyBatchSize"] = options.Batch.ToString(CultureInfo.InvariantCulture),
            ["Worker:Sync:BulkPageSize"] = options.Page?.ToString(CultureInfo.InvariantCulture),
            ["Worker:Sync:BulkPollDelay"] = "00:00:00.200",
            ["Worker:Rewards:Formula"] = "RevenueShare",
            ["Worker:Rewards:Percent"] = "10",
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Connector.Worker.Sync.BulkBackfill"] = "Information",
        };

        output.WriteLine($"Backfill into {provider} (batch {options.Batch}, page {options.Page?.ToString(CultureInfo.InvariantCulture) ?? "Salesforce's default"})...");
        var peak = new PeakSampler();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using var app = ConnectorHost.Build([.. settings.Where(kv => kv.Value is not null).SelectMany(kv => new[] { $"--{kv.Key}", kv.Value! })]);
        await app.StartAsync(cancellationToken);
        await app.Services.GetRequiredService<ConnectorWorker>().Ready.WaitAsync(TimeSpan.FromHours(2), cancellationToken);
        var elapsed = clock.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        await peak.StopAsync();
        var metrics = app.Services.GetRequiredService<ConnectorMetrics>();
        var calls = usage.ByEndpoint;

        // Where the time goes: the same Lead job's results read again by the same client, parsed, not applied.
        var readOnly = TimeSpan.Zero;
        long readRows = 0;
        if (emulator.Get<Connector.SalesforceEmulator.Bulk.BulkQueryJobs>().All.LastOrDefault(j => j.Query.SObject.Name == "Lead") is { } leadJob)
        {
            var bulk = app.Services.GetRequiredService<Connector.Salesforce.Bulk.BulkQueryClient>();
            var read = Stopwatch.StartNew();
            await foreach (var _ in bulk.ReadResultsAsync(leadJob.Id, default, new Connector.Salesforce.Bulk.BulkQueryOptions { MaxRecordsPerPage = options.Page }, cancellationToken))
            {
                readRows++;
            }

            readOnly = read.Elapsed;
        }

        await app.StopAsync(cancellationToken);

        const double mb = 1024 * 1024;
        var backfilled = metrics.Counters.Where(c => c.Key.StartsWith("backfill_records_done", StringComparison.Ordinal)).OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
        var applied = metrics.Counters.Where(c => c.Key.StartsWith("catchup_records_total", StringComparison.Ordinal)).Sum(c => c.Value);
        var events = metrics.Counters.Where(c => c.Key.StartsWith("events_total", StringComparison.Ordinal)).OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
        output.WriteLine();
        output.WriteLine($"First catch-up of {options.Leads:N0} seeded leads into {provider}, on {Environment.ProcessorCount} cores:");
        output.WriteLine($"  records read and applied : {applied:N0} in {elapsed.TotalSeconds:N1} s = {applied / elapsed.TotalSeconds:N0} records/s (process CPU {cpuUsed.TotalSeconds:N0} s)");
        foreach (var (name, value) in backfilled)
        {
            var sobject = name[(name.IndexOf('"', StringComparison.Ordinal) + 1)..name.LastIndexOf('"')];
            output.WriteLine($"  by Bulk {sobject,-12}    : {value:N0} records, {metrics.Count($"backfill_records_per_second{{sobject=\"{sobject}\"}}"):N0} records/s");
        }

        foreach (var (name, value) in events)
        {
            output.WriteLine($"  {name,-50}: {value:N0}");
        }

        if (readRows > 0)
        {
            output.WriteLine($"  Lead results read alone  : {readRows:N0} rows in {readOnly.TotalSeconds:N1} s = {readRows / readOnly.TotalSeconds:N0} rows/s (Bulk download + CSV parse, no apply)");
        }

        output.WriteLine($"  API calls                : {calls.Values.Sum():N0} ({string.Join(", ", calls.Select(c => $"{c.Key} {c.Value}"))})");
        output.WriteLine($"  peak working set         : {peak.WorkingSet / mb:N0} MB (process, emulator's org included; {baselineWorkingSet / mb:N0} MB before the connector started)");
        output.WriteLine($"  peak managed heap        : {peak.Heap / mb:N0} MB ({baselineHeap / mb:N0} MB the seeded org; connector's growth over it {(peak.Heap - baselineHeap) / mb:N0} MB)");
    }

    /// <summary>Samples working set and managed heap every 100 ms (a peak between two samples can be missed; the trend cannot).</summary>
    private sealed class PeakSampler
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public PeakSampler() => _loop = Task.Run(LoopAsync);

        public long WorkingSet { get; private set; }
        public long Heap { get; private set; }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            using var process = Process.GetCurrentProcess();
            while (!_stop.IsCancellationRequested)
            {
                process.Refresh();
                WorkingSet = Math.Max(WorkingSet, process.WorkingSet64);
                Heap = Math.Max(Heap, GC.GetTotalMemory(forceFullCollection: false));
                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
