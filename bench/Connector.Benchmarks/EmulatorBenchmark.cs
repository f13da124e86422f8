using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Connector.Benchmarks;

/// <summary>Starts the emulator in-process, seeded, and measures seeding, memory, REST and streaming throughput.</summary>
internal static class EmulatorBenchmark
{
    public const string ApiVersion = "v62.0";

    public static async Task<BenchReport> RunAsync(BenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var report = new BenchReport { Options = options };
        var snapshotPath = Path.Combine(Path.GetTempPath(), $"emulator-bench-{Environment.ProcessId}.snapshot");
        var settings = new Dictionary<string, string?>
        {
            ["Emulator:Seed:Leads"] = options.Leads.ToString(CultureInfo.InvariantCulture),
            // The benchmark is about throughput, not the daily allocation.
            ["Emulator:DailyApiRequests"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (options.Snapshot)
        {
            settings["Emulator:SnapshotPath"] = snapshotPath;
        }

        var baseline = ProcessMemory.ManagedHeap();
        log.WriteLine($"Seeding {options.Leads:N0} leads...");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using var server = await EmulatorServer.StartAsync(settings, null, cancellationToken);
        report.SeedTime = clock.Elapsed;
        report.SeedCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        report.Records = server.Store.Read(r => r.Schema.Objects.Sum(o => r.All(o.Name, includeDeleted: true).LongCount()));
        report.Leads = server.Store.Count("Lead");
        report.ManagedHeap = ProcessMemory.ManagedHeap();
        report.ManagedHeapForOrg = report.ManagedHeap - baseline;
        report.WorkingSet = ProcessMemory.WorkingSet();

        using var http = await LoginAsync(server, options.Concurrency, cancellationToken);
        if (!options.SkipRest)
        {
            log.WriteLine($"REST: {options.Concurrency} workers for {options.Seconds} s...");
            report.Rest = await RestLoad.RunAsync(server, http, options, cancellationToken);
        }

        if (!options.SkipStreaming)
        {
            log.WriteLine($"Streaming: one subscriber on /data/LeadChangeEvent for {options.Seconds} s...");
            report.Streaming = await StreamingLoad.RunAsync(server, http, options, cancellationToken);
        }

        if (options.Snapshot)
        {
            log.WriteLine("Snapshot: save, then start a second emulator from it...");
            report.Snapshot = await MeasureSnapshotAsync(http, settings, snapshotPath, cancellationToken);
        }

        return report;
    }

    private static async Task<SnapshotFigures> MeasureSnapshotAsync(HttpClient http, Dictionary<string, string?> settings, string path, CancellationToken cancellationToken)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            using (var response = await http.PostAsync(new Uri("/emulator/snapshot", UriKind.Relative), null, cancellationToken))
            {
                response.EnsureSuccessStatusCode();
            }

            var save = clock.Elapsed;
            var bytes = new FileInfo(path).Length;
            clock.Restart();
            await using (await EmulatorServer.StartAsync(settings, null, cancellationToken))
            {
                return new SnapshotFigures(save, bytes, clock.Elapsed);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<HttpClient> LoginAsync(EmulatorServer server, int connections, CancellationToken cancellationToken)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(2, connections + 2), PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        var http = new HttpClient(handler) { BaseAddress = server.BaseUrl, Timeout = TimeSpan.FromMinutes(5) };
        var options = server.Services.GetRequiredService<IOptions<EmulatorOptions>>().Value;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = options.ClientId, ["client_secret"] = options.ClientSecret,
            ["username"] = options.Username, ["password"] = options.Password,
        });
        using var response = await http.PostAsync(new Uri("/services/oauth2/token", UriKind.Relative), form, cancellationToken);
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
