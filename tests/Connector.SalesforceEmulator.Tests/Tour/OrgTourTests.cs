using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Tour;

namespace Connector.SalesforceEmulator.Tests.Tour;

/// <summary>The README's demo command runs this tour: it must keep working end to end.</summary>
public sealed class OrgTourTests
{
    [Fact]
    public async Task Run_AgainstSeededOrg_CompletesEveryStep()
    {
        await using var server = await EmulatorServer.StartAsync(new Dictionary<string, string?>
        {
            ["Emulator:Seed:Leads"] = "2000",
            ["Emulator:Seed:Accounts"] = "200",
        });
        using var output = new StringWriter();

        await new OrgTour(server.BaseUrl, output).RunAsync(CancellationToken.None);

        var text = output.ToString();
        Assert.Contains("Tour complete", text, StringComparison.Ordinal);
        Assert.Contains("CDC CREATE event", text, StringComparison.Ordinal);
        Assert.Contains("200 leads updated in 1 API call", text, StringComparison.Ordinal);
        Assert.DoesNotContain("!AQ", text, StringComparison.Ordinal);
    }
}
