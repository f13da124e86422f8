using System.Net;
using Connector.Salesforce.Http;
using Connector.Salesforce.Resilience;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Faults;
using Connector.SalesforceEmulator.Limits;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;

namespace Connector.Salesforce.Tests.Resilience;

public sealed class ResilienceHandlerTests
{
    private const string Describe = "GET /services/data/v{version}/sobjects/{type}";
    private const string Create = "POST /services/data/v{version}/sobjects/{type}";

    [Fact]
    public async Task Get_Under503Storm_SucceedsAfterRetries()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: Fast(maxAttempts: 10));
        var http = h.Get<SalesforceHttp>();
        var faults = h.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { Seed = 7, Http503Rate = 0.5 });

        for (var i = 0; i < 20; i++)
        {
            var lead = await http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None);
            Assert.Equal("Lead", lead.GetProperty("objectDescribe").GetProperty("name").GetString());
        }

        Assert.True(faults.Counters["http503"] >= 10, $"only {faults.Counters["http503"]} 503s injected");
        Assert.Equal(20, h.Emulator.Get<ApiUsage>().ByEndpoint[Describe]);
        Assert.Contains(CapturedLogs.Lines, l => l.Contains("[3101] Retrying GET /services/data/v62.0/sobjects/Lead after 503 SERVER_UNAVAILABLE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Query_RetryLog_NamesMethodAndPathButNeverTheQueryString()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: Fast(maxAttempts: 3));
        var http = h.Get<SalesforceHttp>();
        await http.GetJsonAsync(http.Api("limits"), CallPriority.Critical, CancellationToken.None);
        var faults = h.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { Http503Rate = 1, EndpointFilter = "/query" });
        var marker = "RetryLogMarker" + Guid.NewGuid().ToString("N");

        await Assert.ThrowsAsync<SalesforceApiException>(() =>
            http.GetJsonAsync(http.Api($"query?q=SELECT+Id+FROM+Lead+WHERE+LastName='{marker}'"), CallPriority.Normal, CancellationToken.None));

        Assert.Equal(3, faults.Counters["http503"]);
        Assert.Contains(CapturedLogs.Lines, l => l.Contains("[3101] Retrying GET /services/data/v62.0/query after 503 SERVER_UNAVAILABLE: attempt 3 of 3", StringComparison.Ordinal));
        Assert.DoesNotContain(CapturedLogs.Lines, l => l.Contains(marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Update_UnableToLockRow_RetriedUntilSaved()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: Fast(maxAttempts: 10));
        var http = h.Get<SalesforceHttp>();
        var id = await CreateLeadAsync(http, "Locky");
        var faults = h.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { Seed = 3, UnableToLockRowRate = 0.5, EndpointFilter = "PATCH" });

        for (var i = 0; i < 10; i++)
        {
            await http.SendJsonAsync(HttpMethod.Patch, http.Api($"sobjects/Lead/{id}"), new { Company = $"Acme {i}" }, CallPriority.Normal, CancellationToken.None);
        }

        faults.Configure(new FaultSettings());
        var lead = await http.GetJsonAsync(http.Api($"sobjects/Lead/{id}"), CallPriority.Normal, CancellationToken.None);
        Assert.Equal("Acme 9", lead.GetProperty("Company").GetString());
        Assert.True(faults.Counters["unableToLockRow"] > 0);
    }

    [Fact]
    public async Task Create_UnableToLockRow_RetriedAndSavedOnce()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: Fast(maxAttempts: 10));
        var http = h.Get<SalesforceHttp>();
        var faults = h.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { Seed = 5, UnableToLockRowRate = 0.6, EndpointFilter = Create });

        for (var i = 0; i < 5; i++)
        {
            await CreateLeadAsync(http, $"Lock {i}");
        }

        // Faults answer before the org counts the call: each counted create is one saved record.
        Assert.Equal(5, h.Emulator.Get<ApiUsage>().ByEndpoint[Create]);
        Assert.True(faults.Counters["unableToLockRow"] > 0);
    }

    [Fact]
    public async Task Create_Under503_NotRetriedAndTypedErrorSurfaces()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: Fast(maxAttempts: 5));
        var http = h.Get<SalesforceHttp>();
        var faults = h.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { Http503Rate = 1, EndpointFilter = Create });

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() => CreateLeadAsync(http, "Twice?"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.Status);
        Assert.Equal("SERVER_UNAVAILABLE", e.ErrorCode);
        Assert.Equal(1, faults.Counters["http503"]);
        Assert.False(h.Emulator.Get<ApiUsage>().ByEndpoint.ContainsKey(Create));
    }

    [Fact]
    public async Task Get_EveryAttemptTimesOut_RetriedThenTimeoutException()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: Fast(maxAttempts: 2, requestTimeout: "00:00:01"));
        var http = h.Get<SalesforceHttp>();
        var faults = h.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { TimeoutRate = 1, TimeoutHoldMs = 60_000, EndpointFilter = Describe });

        var e = await Assert.ThrowsAsync<TimeoutException>(() => http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None));

        Assert.Contains("GET /services/data/v62.0/sobjects/Lead timed out", e.Message, StringComparison.Ordinal);
        // The client's own record of its second attempt, then the emulator's, which can lag it: on a busy machine a
        // request the client gave up on after 1 s may not have reached the emulator's handler yet (a run saw 1 here).
        Assert.Contains(CapturedLogs.Lines, l =>
            l.Contains("[3101] Retrying GET /services/data/v62.0/sobjects/Lead after ", StringComparison.Ordinal) && l.Contains(": attempt 2 of 2 ", StringComparison.Ordinal));
        await Wait.UntilAsync(() => faults.Counters["timeouts"] >= 2, "the emulator to receive both attempts");
        Assert.Equal(2, faults.Counters["timeouts"]);
    }

    [Fact]
    public async Task Create_TimesOut_NotRetried()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: Fast(maxAttempts: 3, requestTimeout: "00:00:01"));
        var http = h.Get<SalesforceHttp>();
        var faults = h.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { TimeoutRate = 1, TimeoutHoldMs = 60_000, EndpointFilter = Create });

        await Assert.ThrowsAsync<TimeoutException>(() => CreateLeadAsync(http, "Maybe"));

        await Wait.UntilAsync(() => faults.Counters["timeouts"] >= 1, "the emulator to receive the create");
        Assert.Equal(1, faults.Counters["timeouts"]);
    }

    [Fact]
    public async Task CallerCancellation_NotRetried()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: Fast(maxAttempts: 5));
        var http = h.Get<SalesforceHttp>();
        await http.GetJsonAsync(http.Api("limits"), CallPriority.Critical, CancellationToken.None);
        var faults = h.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { TimeoutRate = 1, TimeoutHoldMs = 60_000, EndpointFilter = Describe });
        using var cts = new CancellationTokenSource();

        var call = http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, cts.Token);
        await Wait.UntilAsync(() => faults.Counters["timeouts"] == 1, "the call to reach the emulator");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, faults.Counters["timeouts"]);
    }

    [Fact]
    public async Task Circuit_OpensAfterRepeatedFailures_FailsFastThenClosesAfterBreak()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var settings = Fast(maxAttempts: 1);
        settings["Salesforce:Resilience:CircuitMinimumThroughput"] = "4";
        settings["Salesforce:Resilience:CircuitFailureRatio"] = "0.5";
        settings["Salesforce:Resilience:CircuitBreakDuration"] = "00:00:05";
        await using var h = await ClientHarness.StartAsync(clientSettings: settings, configure: s => s.AddSingleton<TimeProvider>(clock));
        var http = h.Get<SalesforceHttp>();
        var pipeline = h.Get<SalesforceResiliencePipeline>();
        await http.GetJsonAsync(http.Api("limits"), CallPriority.Critical, CancellationToken.None);
        var faults = h.Emulator.Get<FaultInjector>();
        faults.Configure(new FaultSettings { Http503Rate = 1, EndpointFilter = Describe });

        for (var i = 0; i < 3; i++)
        {
            var e = await Assert.ThrowsAsync<SalesforceApiException>(() => http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None));
            Assert.Equal("SERVER_UNAVAILABLE", e.ErrorCode);
        }

        Assert.Equal(CircuitState.Open, pipeline.CircuitState);
        var open = await Assert.ThrowsAsync<SalesforceUnavailableException>(() => http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None));
        Assert.Contains("Salesforce is unavailable", open.Message, StringComparison.Ordinal);
        Assert.Equal("CIRCUIT_OPEN", open.ErrorCode);
        Assert.Equal(3, faults.Counters["http503"]);

        faults.Configure(new FaultSettings());
        clock.Advance(TimeSpan.FromSeconds(6));
        await http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None);

        Assert.Equal(CircuitState.Closed, pipeline.CircuitState);
    }

    [Fact]
    public async Task Options_BaseDelayAboveMaxDelay_RejectedAtStart()
    {
        await using var h = await ClientHarness.StartAsync(clientSettings: new Dictionary<string, string?>
        {
            ["Salesforce:Resilience:BaseDelay"] = "00:01:00",
            ["Salesforce:Resilience:MaxDelay"] = "00:00:01",
        });

        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => h.Get<SalesforceResiliencePipeline>());
        Assert.Contains("Salesforce:Resilience:BaseDelay", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypedClient_HasNoOverallTimeout_SoRetriesAndBudgetWaitsAreNotCut()
    {
        await using var h = await ClientHarness.StartAsync();

        var client = h.Get<IHttpClientFactory>().CreateClient(nameof(SalesforceHttp));

        Assert.Equal(Timeout.InfiniteTimeSpan, client.Timeout);
    }

    internal static Dictionary<string, string?> Fast(int maxAttempts, string requestTimeout = "00:00:30") => new()
    {
        ["Salesforce:RequestTimeout"] = requestTimeout,
        ["Salesforce:Resilience:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Salesforce:Resilience:BaseDelay"] = "00:00:00.001",
        ["Salesforce:Resilience:MaxDelay"] = "00:00:00.010",
        ["Salesforce:Resilience:CircuitMinimumThroughput"] = "100000",
    };

    private static async Task<string> CreateLeadAsync(SalesforceHttp http, string lastName)
    {
        var created = await http.SendJsonAsync(HttpMethod.Post, http.Api("sobjects/Lead"), new { LastName = lastName, Company = "Acme" }, CallPriority.Normal, CancellationToken.None);
        return created.GetProperty("id").GetString()!;
    }
}
