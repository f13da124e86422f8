using System.Runtime.InteropServices;

namespace Connector.Benchmarks;

internal sealed record RestFigures(long Gets, long Patches, long Errors, TimeSpan Elapsed, double P50Ms, double P99Ms)
{
    public double RequestsPerSecond => (Gets + Patches) / Elapsed.TotalSeconds;
}

internal sealed record StreamingFigures(long Committed, long Delivered, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed.TotalSeconds == 0 ? 0 : Delivered / Elapsed.TotalSeconds;
}

internal sealed record SnapshotFigures(TimeSpan Save, long Bytes, TimeSpan Load);

/// <summary>The figures, printed as one table.</summary>
internal sealed class BenchReport
{
    public required BenchOptions Options { get; init; }
    public TimeSpan SeedTime { get; set; }
    public TimeSpan SeedCpu { get; set; }
    public long Records { get; set; }
    public long Leads { get; set; }
    public long ManagedHeap { get; set; }
    public long ManagedHeapForOrg { get; set; }
    public long WorkingSet { get; set; }
    public RestFigures? Rest { get; set; }
    public StreamingFigures? Streaming { get; set; }
    public SnapshotFigures? Snapshot { get; set; }

    public void Print(TextWriter output)
    {
        const double mb = 1024 * 1024;
        var rows = new List<(string Measure, string Value)>
        {
            ("Machine", $"{Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}"),
            ("Seeded org", $"{Leads:N0} leads, {Records:N0} records in all"),
            ("Start + seed time", $"{SeedTime.TotalSeconds:N1} s wall, {SeedCpu.TotalSeconds:N1} s CPU"),
            ("Managed heap (after full GC)", $"{ManagedHeap / mb:N0} MB ({ManagedHeapForOrg / mb:N0} MB for the org, {(Records == 0 ? 0 : ManagedHeapForOrg / (double)Records):N0} B/record)"),
            ("Process working set", $"{WorkingSet / mb:N0} MB"),
        };
        if (Rest is { } r)
        {
            rows.Add(("REST requests/s", $"{r.RequestsPerSecond:N0} ({Options.Concurrency} workers, {r.Elapsed.TotalSeconds:N0} s, {Options.UpdateShare:P0} PATCH)"));
            rows.Add(("REST calls / errors", $"{r.Gets:N0} GET + {r.Patches:N0} PATCH / {r.Errors:N0} errors"));
            rows.Add(("REST latency p50 / p99", $"{r.P50Ms:N2} ms / {r.P99Ms:N2} ms"));
        }

        if (!Options.SkipStreaming)
        {
            rows.Add(Streaming is { } s
                ? ("Streaming events/s", $"{s.EventsPerSecond:N0} delivered to one long-poll subscriber ({s.Delivered:N0} of {s.Committed:N0} committed)")
                : ("Streaming events/s", "n/a (no CometD endpoint in this build)"));
        }

        if (Snapshot is { } snap)
        {
            rows.Add(("Snapshot save", $"{snap.Save.TotalSeconds:N1} s, {snap.Bytes / mb:N0} MB on disk"));
            rows.Add(("Start from snapshot", $"{snap.Load.TotalSeconds:N1} s"));
        }

        var width = rows.Max(x => x.Measure.Length);
        var line = new string('-', width + 2) + "+" + new string('-', rows.Max(x => x.Value.Length) + 2);
        output.WriteLine();
        output.WriteLine(line);
        foreach (var (measure, value) in rows)
        {
            output.WriteLine($" {measure.PadRight(width)} | {value}");
        }

        output.WriteLine(line);
    }
}
