using System.CommandLine;

namespace Connector.Worker.Demo;

/// <summary><c>demo</c>: the README's first command. Exit 0 only when the ledger is consistent with the org's ground truth.</summary>
public static class DemoCommand
{
    private static readonly Option<int> Referrals = new("--referrals") { Description = "Referrals logged during the simulated sales period.", DefaultValueFactory = _ => 400 };
    private static readonly Option<int> SeedLeads = new("--seed-leads") { Description = "Leads in the seeded org (its referral history is backfilled).", DefaultValueFactory = _ => 2000 };
    private static readonly Option<int> RandomSeed = new("--random-seed") { Description = "Seed of the simulation's choices.", DefaultValueFactory = _ => 42 };
    private static readonly Option<FileInfo> Report = new("--report") { Description = "Also write the report as JSON to this file." };
    private static readonly Option<int> LatencyMs = new("--latency-ms") { Description = "Latency the emulated org adds to every API call (benchmarks use 80).", DefaultValueFactory = _ => 0 };
    private static readonly Option<FileInfo> Ledger = new("--ledger") { Description = "Keep the SQLite ledger in this file (default: a temp file, deleted at the end)." };
    private static readonly Option<string> Postgres = new("--postgres")
    {
        Description = "Run the ledger on this PostgreSQL database instead (a connection string; the database must be empty or the connector's own).",
    };

    public static Command Create()
    {
        var command = new Command("demo", "Run the connector against an emulated org through a simulated sales period and report; exit 0 when the ledger matches the org.")
        {
            Referrals, SeedLeads, RandomSeed, Report, Ledger, Postgres, LatencyMs,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var referrals = parse.GetValue(Referrals);
            var seed = parse.GetValue(SeedLeads);
            var latency = parse.GetValue(LatencyMs);
            if (referrals is < 1 or > 100_000 || seed is < 100 or > 1_000_000 || latency is < 0 or > 10_000)
            {
                await output.WriteLineAsync("--referrals must be 1–100,000, --seed-leads 100–1,000,000 and --latency-ms 0–10,000.").ConfigureAwait(false);
                return 2;
            }

            if (parse.GetValue(Postgres) is not null && parse.GetValue(Ledger) is not null)
            {
                await output.WriteLineAsync("--ledger (a SQLite file) and --postgres (a PostgreSQL database) exclude each other: the ledger is one or the other.").ConfigureAwait(false);
                return 2;
            }

            var run = new DemoRun(new DemoSettings(referrals, seed, parse.GetValue(RandomSeed), parse.GetValue(Ledger)?.FullName, latency, parse.GetValue(Postgres)), output);
            var (report, exitCode) = await run.RunAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(report.ToText()).ConfigureAwait(false);
            if (parse.GetValue(Report) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, report.ToJson(), cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"Report written to {file.FullName}").ConfigureAwait(false);
            }

            return exitCode;
        });
        return command;
    }
}
