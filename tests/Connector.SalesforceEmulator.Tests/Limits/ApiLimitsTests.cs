using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Limits;

public sealed class ApiLimitsTests
{
    private const string V = EmulatorFixture.V;

    [Fact]
    public async Task DailyAllocation_WhenUsedUp_Returns403RequestLimitExceeded()
    {
        var (server, http) = await EmulatorFixture.StartAsync(new Dictionary<string, string?> { ["Emulator:DailyApiRequests"] = "3" });
        await using (server)
        using (http)
        {
            var statuses = new List<HttpStatusCode>();
            string? lastHeader = null;
            for (var i = 0; i < 4; i++)
            {
                using var response = await http.GetAsync($"{V}/limits");
                statuses.Add(response.StatusCode);
                lastHeader = response.Headers.GetValues("Sforce-Limit-Info").Single();
                if (response.StatusCode == HttpStatusCode.Forbidden)
                {
                    var error = (await response.ReadAsync())[0];
                    Assert.Equal("REQUEST_LIMIT_EXCEEDED", error.Str("errorCode"));
                    Assert.Equal("TotalRequests Limit exceeded.", error.Str("message"));
                }
            }

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden], statuses);
            Assert.Equal("api-usage=3/3", lastHeader);
        }
    }

    [Fact]
    public async Task Limits_ReportsDailyApiRequestsUsage()
    {
        var (server, http) = await EmulatorFixture.StartAsync(new Dictionary<string, string?> { ["Emulator:DailyApiRequests"] = "15000" });
        await using (server)
        using (http)
        {
            await http.GetAsync($"{V}/limits");
            var json = await (await http.GetAsync($"{V}/limits")).ReadAsync();

            Assert.Equal(15000, json.GetProperty("DailyApiRequests").GetProperty("Max").GetInt32());
            Assert.Equal(14998, json.GetProperty("DailyApiRequests").GetProperty("Remaining").GetInt32());
            Assert.True(json.TryGetProperty("DailyBulkV2QueryJobs", out _));
        }
    }

    [Fact]
    public async Task Usage_ExpiresAfter24Hours()
    {
        var clock = new FakeTimeProvider();
        var (server, http) = await EmulatorFixture.StartAsync(
            new Dictionary<string, string?> { ["Emulator:DailyApiRequests"] = "2", ["Emulator:TokenLifetime"] = "3.00:00:00" },
            s => s.AddSingleton<TimeProvider>(clock));
        await using (server)
        using (http)
        {
            await http.GetAsync($"{V}/limits");
            await http.GetAsync($"{V}/limits");
            using var refused = await http.GetAsync($"{V}/limits");
            clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
            using var allowed = await http.GetAsync($"{V}/limits");

            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
    }
}
