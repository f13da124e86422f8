using System.Text.Json;
using Connector.Ledger.Tests.Support;
using Connector.Worker.Cli;

namespace Connector.Worker.Tests.Demo;

/// <summary>The README's first command, small: it must end consistent with the org and write the report's fields.</summary>
public sealed class DemoCommandTests
{
    [Fact]
    public async Task A_short_demo_ends_consistent_with_the_org_and_writes_the_report()
    {
        var file = Path.Combine(Path.GetTempPath(), $"demo-report-{Guid.NewGuid():N}.json");
        try
        {
            using var output = new StringWriter();
            var exit = await WorkerCli.RunAsync(["demo", "--referrals", "60", "--seed-leads", "300", "--report", file], output, output, CancellationToken.None);

            Assert.True(exit == 0, output.ToString());
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var root = report.RootElement;
            foreach (var field in new[] { "referrals", "routed", "routedToAdvocateRep", "rewardsCount", "rewardsTotal", "apiCalls", "apiCallsPer1000Routed", "apiCallsSalesPeriod", "apiCallsPer1000RoutedSalesPeriod", "latencyP50Ms", "latencyP99Ms", "quarantined" })
            {
                Assert.True(root.TryGetProperty(field, out _), $"report lacks {field}");
            }

            Assert.Equal(60, root.GetProperty("referrals").GetInt32());
            var afterJump = root.GetProperty("apiCallsAfterJumpByEndpoint").EnumerateObject().Sum(e => e.Value.GetInt32());
            Assert.Equal(root.GetProperty("apiCalls").GetInt32(), root.GetProperty("apiCallsSalesPeriod").GetInt32() + afterJump);
            Assert.Equal(root.GetProperty("routed").GetInt32(), root.GetProperty("routedToAdvocateRep").GetInt32());
            Assert.Equal(0, root.GetProperty("check").GetProperty("lost").GetInt32());
            Assert.Equal(0, root.GetProperty("check").GetProperty("duplicateRewards").GetInt32());
            Assert.Contains("HOLDS", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_same_demo_on_a_PostgreSQL_ledger_ends_consistent_with_the_org()
    {
        // Production runs on PostgreSQL: every flow of the demo (backfill, routing, conversions, wins, reversals,
        // retention, profiles) through the PostgreSQL dialect, held to the same ground truth.
        await using var postgres = await ThrowawayPostgres.StartAsync();
        var ledger = await postgres.CreateDatabaseAsync("demo");
        using var output = new StringWriter();

        var exit = await WorkerCli.RunAsync(["demo", "--referrals", "60", "--seed-leads", "300", "--postgres", ledger], output, output, CancellationToken.None);

        Assert.True(exit == 0, output.ToString());
        Assert.Contains("HOLDS", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ledger_file_and_PostgreSQL_together_are_refused()
    {
        using var output = new StringWriter();

        var exit = await WorkerCli.RunAsync(["demo", "--ledger", "x.db", "--postgres", "Host=localhost"], output, output, CancellationToken.None);

        Assert.Equal(2, exit);
        Assert.Contains("--ledger (a SQLite file) and --postgres (a PostgreSQL database) exclude each other", output.ToString(), StringComparison.Ordinal);
    }
}
