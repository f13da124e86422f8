using System.Diagnostics;
using System.Globalization;
using Connector.Ledger;
using Connector.SalesforceEmulator.Faults;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Connector.Worker.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Benchmarks;

/// <summary>Command line of `backfill`: <c>--leads 1000000 --provider sqlite|postgresql|both --batch 2000 --page 50000 --latency-ms 80</c>.</summary>
internal sealed record BackfillOptions
{
    public int Leads { get; init; } = 1_000_000;
    public string Provider { get; init; } = "sqlite";
    public int Batch { get; init; } = 500;
    public int? Page { get; init; }
    public int Threshold { get; init; } = 10_000;

    /// <summary>What the emulated org adds to every API call (issue 5's benchmark conditions: 80 ms); 0 for none.</summary>
    public int LatencyMs { get; init; } = 80;

    /// <summary>A SQLite file to backfill into and keep afterwards (to inspect the ledger); by default a temporary one, deleted.</summary>
    public string? KeepLedger { get; init; }

    /// <summary>Settings for the throwaway PostgreSQL cluster (<c>--pg-setting shared_buffers=1GB</c>, repeated for more).</summary>
    public IReadOnlyList<string> PostgresSettings { get; init; } = [];

    /// <summary>
    /// Environment variables for the connector's process only (runtime settings such as <c>DOTNET_gcServer=1</c>), not the
    /// emulator's. By default the runtime settings the connector is deployed with; <c>NAME=</c> removes one.
    /// </summary>
    public IReadOnlyDictionary<string, string> ConnectorEnvironment { get; init; } =
        new Dictionary<string, string> { [RuntimeTuning.Gen0SizeVariable] = RuntimeTuning.Gen0SizeValue };

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
                "--latency-ms" => options with { LatencyMs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--keep-ledger" => options with { KeepLedger = Path.GetFullPath(Next()) },
                "--connector-env" => options with { ConnectorEnvironment = WithVariable(options.ConnectorEnvironment, Next()) },
                "--pg-setting" => options with { PostgresSettings = [.. options.PostgresSettings, Next()] },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Usage: backfill --leads N [--provider sqlite|postgresql|both] [--batch 500] [--page ROWS] [--threshold 10000] [--latency-ms 80] [--keep-ledger FILE] [--connector-env NAME=VALUE]... [--pg-setting NAME=VALUE]..."),
            };
        }

        return options;
    }

    private static Dictionary<string, string> WithVariable(IReadOnlyDictionary<string, string> variables, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"--connector-env takes NAME=VALUE, not '{assignment}'.");
        }

        return new Dictionary<string, string>(variables) { [assignment[..equals]] = assignment[(equals + 1)..] };
    }

    private static string CheckedProvider(string value) =>
        value is "sqlite" or "postgresql" or "both" ? value : throw new ArgumentException($"--provider is sqlite, postgresql or both, not '{value}'.");
}

/// <summary>
/// `backfill ...`: the connector's first start on a large org (issue 5: "backfill of 1,000,000 leads, goal ≥ 25,000
/// records/s with peak memory ≤ 300 MB"). Seeds the in-process emulator with N leads, then starts the connector's own
/// `run` command in a child process (streaming off: the stream adds nothing to a backfill) and waits, on /readyz, until
/// the leader's first catch-up is done — Bulk API 2.0 jobs for the objects over the threshold, applied through the full
/// apply path into a fresh ledger. Figures come from the connector's /metrics and its process (CPU, peak resident memory).
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
        emulator.Get<FaultInjector>().Configure(new FaultSettings { LatencyMs = options.LatencyMs });
        output.WriteLine($"The org answers every API call {options.LatencyMs} ms late.");

        if (options.Provider is "sqlite" or "both")
        {
            if (options.KeepLedger is { } file)
            {
                if (File.Exists(file))
                {
                    throw new ArgumentException($"--keep-ledger {file} exists already: the backfill needs a new ledger.");
                }

                await MeasureAsync(output, emulator, options, LedgerProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = file }.ConnectionString, cancellationToken);
                output.WriteLine($"Ledger kept in {file}.");
            }
            else
            {
                await BenchDatabases.WithSqliteFileAsync("backfill-bench", async connectionString =>
                {
                    await MeasureAsync(output, emulator, options, LedgerProvider.Sqlite, connectionString, cancellationToken);
                    return 0;
                });
            }
        }

        if (options.Provider is "postgresql" or "both")
        {
            await BenchDatabases.WithPostgresAsync(new LedgerBenchOptions { PostgresSettings = options.PostgresSettings }, output, async newDatabase =>
                await MeasureAsync(output, emulator, options, LedgerProvider.PostgreSql, await newDatabase("backfill"), cancellationToken), cancellationToken);
        }
    }

    private static async Task MeasureAsync(TextWriter output, EmulatorServer emulator, BackfillOptions options, LedgerProvider provider, string connectionString,
        CancellationToken cancellationToken)
    {
        var usage = emulator.Get<ApiUsage>();
        usage.Reset();
        var port = FreePort();
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
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Connector.Worker.Sync.BulkBackfill"] = "Information",
        };

        // The connector runs as `run` in a process of its own, so its peak memory is its own (the kernel's high-water
        // mark of resident memory, VmHWM), not mixed with the emulated org's, which lives in this process.
        var worker = Path.Combine(AppContext.BaseDirectory, "Connector.Worker.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in options.ConnectorEnvironment)
        {
            if (value.Length == 0)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        start.ArgumentList.Add(worker);
        start.ArgumentList.Add("run");
        foreach (var (key, value) in settings.Where(kv => kv.Value is not null))
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var runtime = string.Join(' ', options.ConnectorEnvironment.Where(v => v.Value.Length > 0).Select(v => $"{v.Key}={v.Value}"));
        output.WriteLine($"Backfill into {provider} (batch {options.Batch}, page {options.Page?.ToString(CultureInfo.InvariantCulture) ?? "Salesforce's default"}), connector in its own process ({(runtime.Length > 0 ? runtime : "the runtime's defaults")})...");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {worker}.");
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) { output.WriteLine("  | " + line); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { output.WriteLine("  ! " + line); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            var peaks = await WaitReadyAsync(http, process, TimeSpan.FromHours(2), cancellationToken);
            var elapsed = clock.Elapsed;
            var (cpu, peakResident) = ProcessFigures(process.Id);
            var metrics = Parse(await http.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken));
            var calls = usage.ByEndpoint;

            const double mb = 1024 * 1024;
            var backfilled = metrics.Where(c => c.Key.StartsWith("connector_backfill_records_done", StringComparison.Ordinal)).OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
            var applied = metrics.Where(c => c.Key.StartsWith("connector_catchup_records_total", StringComparison.Ordinal)).Sum(c => c.Value);
            var events = metrics.Where(c => c.Key.StartsWith("connector_events_total", StringComparison.Ordinal)).OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
            output.WriteLine();
            output.WriteLine($"First catch-up of {options.Leads:N0} seeded leads into {provider}, on {Environment.ProcessorCount} cores (the emulated org's process shares them):");
            output.WriteLine($"  records read and applied : {applied:N0} in {elapsed.TotalSeconds:N1} s = {applied / elapsed.TotalSeconds:N0} records/s, start-up included (connector CPU {cpu.TotalSeconds:N0} s)");
            foreach (var (name, value) in backfilled)
            {
                var sobject = name[(name.IndexOf('"', StringComparison.Ordinal) + 1)..name.LastIndexOf('"')];
                var rate = metrics.GetValueOrDefault($"connector_backfill_records_per_second{{sobject=\"{sobject}\"}}");
                output.WriteLine($"  by Bulk {sobject,-12}    : {value:N0} records, {rate:N0} records/s");
            }

            foreach (var (name, value) in events)
            {
                output.WriteLine($"  {name["connector_".Length..],-50}: {value:N0}");
            }

            output.WriteLine($"  API calls                : {calls.Values.Sum():N0} ({string.Join(", ", calls.Select(c => $"{c.Key} {c.Value}"))})");
            output.WriteLine($"  connector peak memory    : {peakResident / mb:N0} MB resident (VmHWM of the connector's process)");
            output.WriteLine($"  of which, sampled peaks  : GC heap {peaks.Heap / mb:N0} MB, GC committed {peaks.Committed / mb:N0} MB (every 0.5 s from /metrics)");
            var allocated = metrics.GetValueOrDefault("connector_gc_allocated_bytes_total");
            var collections = Enumerable.Range(0, 3).Select(g => metrics.GetValueOrDefault($"connector_gc_collections_total{{generation=\"{g}\"}}")).ToList();
            output.WriteLine($"  allocated                : {allocated / mb:N0} MB since start, {allocated / Math.Max(applied, 1) / 1024:N1} KB per record; collections gen0 {collections[0]:N0}, gen1 {collections[1]:N0}, gen2 {collections[2]:N0}, paused {metrics.GetValueOrDefault("connector_gc_pause_seconds_total"):N1} s");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    // Readiness is polled often, so the run's end is known to within a tenth of a second; the memory gauges (a /metrics
    // page each) less often, as before.
    private static readonly TimeSpan ReadinessPolling = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MemorySampling = TimeSpan.FromMilliseconds(500);

    /// <summary>Polls /readyz until the leader's first catch-up is done, sampling the connector's memory gauges meanwhile.</summary>
    private static async Task<(double Heap, double Committed)> WaitReadyAsync(HttpClient http, Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        double heap = 0, committed = 0;
        TimeSpan? sampled = null;
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The connector exited with code {process.ExitCode} before its first catch-up was done.");
            }

            try
            {
                if (sampled is not { } last || deadline.Elapsed - last >= MemorySampling)
                {
                    sampled = deadline.Elapsed;
                    var metrics = Parse(await http.GetStringAsync(new Uri("metrics", UriKind.Relative), cancellationToken));
                    heap = Math.Max(heap, metrics.GetValueOrDefault("connector_gc_heap_size_bytes"));
                    committed = Math.Max(committed, metrics.GetValueOrDefault("connector_gc_committed_bytes"));
                }

                using var response = await http.GetAsync(new Uri("readyz", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync(cancellationToken)).Contains("\"leaderReady\":true", StringComparison.Ordinal))
                {
                    return (heap, committed);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(ReadinessPolling, cancellationToken);
        }

        throw new TimeoutException($"The connector was not ready within {timeout}.");
    }

    /// <summary>CPU time (utime + stime from /proc/PID/stat) and peak resident memory (VmHWM from /proc/PID/status) of a Linux process.</summary>
    private static (TimeSpan Cpu, long PeakResident) ProcessFigures(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        var hwm = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kb = long.Parse(hwm["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return (TimeSpan.FromSeconds(ticks / 100.0), kb * 1024);
    }

    private static Dictionary<string, double> Parse(string prometheus) => prometheus.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Where(line => !line.StartsWith('#'))
        .Select(line => (Name: line[..line.LastIndexOf(' ')], Value: double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)))
        .GroupBy(m => m.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
