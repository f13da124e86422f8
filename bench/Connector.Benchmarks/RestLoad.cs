using System.Diagnostics;
using System.Text;
using Connector.SalesforceEmulator.Hosting;

namespace Connector.Benchmarks;

/// <summary>N concurrent workers doing GET /sobjects/Lead/{id} and PATCH updates against random unconverted leads.</summary>
internal static class RestLoad
{
    public static async Task<RestFigures> RunAsync(EmulatorServer server, HttpClient http, BenchOptions options, CancellationToken cancellationToken)
    {
        // Converted leads reject updates (CANNOT_UPDATE_CONVERTED_LEAD): pick from the others, spread over the table.
        var ids = server.Store.Read(r => r.All("Lead").Where(l => l.Get("IsConverted") is false).Select(l => l.Id).ToArray());
        var sample = ids.Where((_, i) => i % Math.Max(1, ids.Length / 50_000) == 0).ToArray();
        if (sample.Length == 0)
        {
            throw new InvalidOperationException("The REST benchmark needs seeded leads (--leads > 0).");
        }

        // Warm-up: JIT and connection pool, not measured.
        await RunWorkersAsync(http, sample, options with { Seconds = 1 }, cancellationToken);
        var clock = Stopwatch.StartNew();
        var results = await RunWorkersAsync(http, sample, options, cancellationToken);
        var elapsed = clock.Elapsed;
        var latencies = results.SelectMany(r => r.Latencies).Order().ToArray();
        return new RestFigures(
            results.Sum(r => r.Gets),
            results.Sum(r => r.Patches),
            results.Sum(r => r.Errors),
            elapsed,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99));
    }

    private static async Task<WorkerResult[]> RunWorkersAsync(HttpClient http, string[] ids, BenchOptions options, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(options.Seconds));
        var workers = Enumerable.Range(0, options.Concurrency).Select(w => Task.Run(() => WorkAsync(http, ids, options.UpdateShare, w, stop.Token), CancellationToken.None));
        return await Task.WhenAll(workers);
    }

    private static async Task<WorkerResult> WorkAsync(HttpClient http, string[] ids, double updateShare, int worker, CancellationToken stop)
    {
        var random = new Random(worker);
        var result = new WorkerResult();
        var basePath = $"/services/data/{EmulatorBenchmark.ApiVersion}/sobjects/Lead/";
        while (!stop.IsCancellationRequested)
        {
            var id = ids[random.Next(ids.Length)];
            var update = random.NextDouble() < updateShare;
            using var request = new HttpRequestMessage(update ? HttpMethod.Patch : HttpMethod.Get, new Uri(basePath + id, UriKind.Relative));
            if (update)
            {
                var rating = random.Next(3) switch { 0 => "Hot", 1 => "Warm", _ => "Cold" };
                request.Content = new StringContent($$"""{"Rating":"{{rating}}"}""", Encoding.UTF8, "application/json");
                // Keep the owner: without this header the active assignment rule re-runs on update.
                request.Headers.Add("Sforce-Auto-Assign", "FALSE");
            }

            var start = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    if (update)
                    {
                        result.Patches++;
                    }
                    else
                    {
                        result.Gets++;
                    }
                }
                else
                {
                    result.Errors++;
                }
            }
            catch (HttpRequestException)
            {
                result.Errors++;
            }

            result.Latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return result;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private sealed class WorkerResult
    {
        public long Gets { get; set; }
        public long Patches { get; set; }
        public long Errors { get; set; }
        public List<double> Latencies { get; } = [];
    }
}
