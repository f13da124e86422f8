using System.Text.Json;
using Connector.Salesforce.Limits;

namespace Connector.Salesforce.Tests.Limits;

public sealed class LimitParsingTests
{
    [Theory]
    [InlineData("api-usage=18/5000", 18, 5000)]
    [InlineData("api-usage=25/5000; per-app-api-usage=17/250(appName=sample-app)", 25, 5000)]
    [InlineData("per-app-api-usage=17/250(appName=sample-app); api-usage=26/5000", 26, 5000)]
    [InlineData("api-usage=110018/100000", 110018, 100000)]
    [InlineData("api-bursts=1/750, api-usage=3/15000", 3, 15000)]
    public void TryParseApiUsage_HeaderVariants_ReadsOnlyApiUsage(string header, int used, int max)
    {
        Assert.True(LimitInfoReader.TryParseApiUsage(header, out var u, out var m));
        Assert.Equal((used, max), (u, m));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("per-app-api-usage=17/250(appName=x)")]
    [InlineData("api-usage=abc/5000")]
    [InlineData("api-usage=18")]
    [InlineData("api-usage=-1/5000")]
    public void TryParseApiUsage_NoUsableSegment_False(string? header) =>
        Assert.False(LimitInfoReader.TryParseApiUsage(header, out _, out _));

    [Theory]
    [InlineData("limits_developer_edition_camel.json", 15000, 14998)]
    [InlineData("limits_real_org_with_per_app_breakdown_telegraf.json", 25000, 24926)]
    public void TryParseDailyApiRequests_RealLimitsFixtures_ReadsOrgTotals(string fixture, int max, int remaining)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "limits", fixture)));

        Assert.True(ApiBudget.TryParseDailyApiRequests(doc.RootElement, out var m, out var r));
        Assert.Equal((max, remaining), (m, r));
    }

    [Fact]
    public void TryParseDailyApiRequests_RecordCountAnswer_False()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "limits", "limits_recordcount_cumulusci.json")));

        Assert.False(ApiBudget.TryParseDailyApiRequests(doc.RootElement, out _, out _));
    }
}
