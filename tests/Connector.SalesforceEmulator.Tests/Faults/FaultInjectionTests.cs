using System.Net;
using Connector.SalesforceEmulator.Faults;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Faults;

public sealed class FaultInjectionTests
{
    private const string V = EmulatorFixture.V;

    private static async Task<List<HttpStatusCode>> StatusesAsync(HttpClient http, int count)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var response = await http.GetAsync($"{V}/limits");
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    [Fact]
    public async Task ErrorRates_SameSeed_GiveTheSameSequence()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Emulator:Faults:Seed"] = "42",
            ["Emulator:Faults:Http503Rate"] = "0.3",
            ["Emulator:Faults:UnableToLockRowRate"] = "0.2",
        };
        var (first, http1) = await EmulatorFixture.StartAsync(settings);
        var (second, http2) = await EmulatorFixture.StartAsync(settings);
        await using (first)
        await using (second)
        using (http1)
        using (http2)
        {
            var a = await StatusesAsync(http1, 40);
            var b = await StatusesAsync(http2, 40);

            Assert.Equal(a, b);
            Assert.Contains(HttpStatusCode.ServiceUnavailable, a);
            Assert.Contains(HttpStatusCode.BadRequest, a);
            Assert.Contains(HttpStatusCode.OK, a);
            var counters = first.Get<FaultInjector>().Counters;
            Assert.Equal(a.Count(s => s == HttpStatusCode.ServiceUnavailable), counters["http503"]);
        }
    }

    [Fact]
    public async Task UnableToLockRow_HasTheRealErrorBody()
    {
        var (server, http) = await EmulatorFixture.StartAsync(new Dictionary<string, string?> { ["Emulator:Faults:UnableToLockRowRate"] = "1" });
        await using (server)
        using (http)
        {
            using var response = await http.GetAsync($"{V}/limits");

            var error = (await response.ReadAsync())[0];
            Assert.Equal("UNABLE_TO_LOCK_ROW", error.Str("errorCode"));
            Assert.StartsWith("unable to obtain exclusive access to this record", error.Str("message"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EndpointFilter_LimitsFaultsToMatchingRoutes()
    {
        var (server, http) = await EmulatorFixture.StartAsync(new Dictionary<string, string?>
        {
            ["Emulator:Faults:Http500Rate"] = "1",
            ["Emulator:Faults:EndpointFilter"] = "/sobjects",
        });
        await using (server)
        using (http)
        {
            using var limits = await http.GetAsync($"{V}/limits");
            using var create = await http.PostAsync($"{V}/sobjects/Lead", Json.Body(new { LastName = "X", Company = "Y" }));

            Assert.Equal(HttpStatusCode.OK, limits.StatusCode);
            Assert.Equal(HttpStatusCode.InternalServerError, create.StatusCode);
            Assert.Equal("UNKNOWN_EXCEPTION", (await create.ReadAsync())[0].Str("errorCode"));
        }
    }

    [Fact]
    public async Task Timeout_HoldsTheRequestUntilTheClientGivesUp()
    {
        var (server, http) = await EmulatorFixture.StartAsync(new Dictionary<string, string?>
        {
            ["Emulator:Faults:TimeoutRate"] = "1",
            ["Emulator:Faults:TimeoutHoldMs"] = "60000",
        });
        await using (server)
        using (http)
        {
            using var impatient = new HttpClient { BaseAddress = server.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
            impatient.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
            using var giveUp = new CancellationTokenSource();

            var request = impatient.GetAsync($"{V}/limits", giveUp.Token);
            // The client gives up once the emulator holds the request, not on a clock of its own: on a busy machine a
            // short client timeout could end the request before it reached the emulator at all.
            await Wait.UntilAsync(() => server.Get<FaultInjector>().Counters["timeouts"] >= 1, "the emulator to hold the request");
            Assert.False(request.IsCompleted, "the emulator answered a request it should hold");
            await giveUp.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
            Assert.Equal(1, server.Get<FaultInjector>().Counters["timeouts"]);
        }
    }

    [Fact]
    public void Settings_RateOutOfRange_IsRejectedWithItsName()
    {
        var e = Assert.Throws<ArgumentException>(() => new FaultSettings { Http503Rate = 1.5 }.Validate());

        Assert.Contains("Http503Rate", e.Message, StringComparison.Ordinal);
    }
}
