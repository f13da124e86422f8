using System.Text.Json;
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
}
