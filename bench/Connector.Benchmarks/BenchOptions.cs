using System.Globalization;

namespace Connector.Benchmarks;

/// <summary>Command line: <c>--leads 1000000 --seconds 10 --concurrency 8 [--snapshot] [--skip-rest] [--skip-streaming]</c>.</summary>
internal sealed record BenchOptions
{
    public int Leads { get; init; } = 1_000_000;
    public int Seconds { get; init; } = 10;
    public int Concurrency { get; init; } = 8;
    /// <summary>Share of REST calls that are PATCH updates (the rest are GETs).</summary>
    public double UpdateShare { get; init; } = 0.2;
    public bool Snapshot { get; init; }
    public bool SkipRest { get; init; }
    public bool SkipStreaming { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--leads" => options with { Leads = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seconds" => options with { Seconds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--concurrency" => options with { Concurrency = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--update-share" => options with { UpdateShare = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--snapshot" => options with { Snapshot = true },
                "--skip-rest" => options with { SkipRest = true },
                "--skip-streaming" => options with { SkipStreaming = true },
                _ => throw new ArgumentException(
                    $"Unknown option {args[i]}. Usage: --leads N --seconds S --concurrency C [--update-share 0.2] [--snapshot] [--skip-rest] [--skip-streaming]"),
            };
        }

        return options;
    }
}
