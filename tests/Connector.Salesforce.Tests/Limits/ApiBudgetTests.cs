using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Connector.Salesforce.Http;
using Connector.Salesforce.Limits;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Limits;

namespace Connector.Salesforce.Tests.Limits;

public sealed class ApiBudgetTests
{
    private const string Describe = "GET /services/data/v{version}/sobjects/{type}";
    private const string Limits = "GET /services/data/v{version}/limits";

    [Fact]
    public async Task NormalCall_AtReserve_DeferredAfterMaxWaitWithoutReachingSalesforce()
    {
        await using var h = await StartAsync(maxWait: "00:00:00.200");
        var usage = h.Emulator.Get<ApiUsage>();
        usage.Preload(79);
        var http = h.Get<SalesforceHttp>();

        var e = await Assert.ThrowsAsync<ApiBudgetExhaustedException>(() => http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None));

        // The governor's own /limits read is the 80th call; normal work never goes past 80 of 100.
        Assert.Equal((80, 100, 20, false), (e.Used, e.Max, e.ReservePercent, e.RejectedBySalesforce));
        Assert.Equal(ApiBudgetExhaustedException.ReserveReached, e.ErrorCode);
        Assert.Equal(80, usage.Used);
        Assert.False(usage.ByEndpoint.ContainsKey(Describe));
        Assert.Equal(0, h.Get<ApiBudget>().WaitingCalls);
    }

    [Fact]
    public async Task CriticalCall_AtReserve_GoesThrough()
    {
        await using var h = await StartAsync(maxWait: "00:00:00.100");
        var usage = h.Emulator.Get<ApiUsage>();
        usage.Preload(79);
        var http = h.Get<SalesforceHttp>();
        await Assert.ThrowsAsync<ApiBudgetExhaustedException>(() => http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None));

        await http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Critical, CancellationToken.None);

        Assert.Equal(81, usage.Used);
        Assert.Equal(1, usage.ByEndpoint[Describe]);
    }

    [Fact]
    public async Task BackgroundCall_StopsBeforeNormalWork()
    {
        await using var h = await StartAsync(maxWait: "00:00:00.100");
        var usage = h.Emulator.Get<ApiUsage>();
        usage.Preload(73);
        var http = h.Get<SalesforceHttp>();

        // 74 after the /limits read: background stops at 75 (20% + 5%), normal work may still use 75..80.
        await http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None);
        var e = await Assert.ThrowsAsync<ApiBudgetExhaustedException>(() => http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Background, CancellationToken.None));
        await http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None);

        Assert.Equal(75, e.Used);
        Assert.Equal(76, usage.Used);
    }

    [Fact]
    public async Task ConcurrentNormalCalls_NearReserve_NeverOvershoot()
    {
        await using var h = await StartAsync(maxWait: "00:00:03");
        var usage = h.Emulator.Get<ApiUsage>();
        usage.Preload(70);
        var http = h.Get<SalesforceHttp>();

        var calls = Enumerable.Range(0, 30).Select(async _ =>
        {
            try
            {
                await http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None);
                return true;
            }
            catch (ApiBudgetExhaustedException)
            {
                return false;
            }
        }).ToList();
        var results = await Task.WhenAll(calls);

        Assert.Equal(9, results.Count(ok => ok));
        Assert.Equal(80, usage.Used);
    }

    [Fact]
    public async Task WaitingCall_BudgetRecovers_Proceeds()
    {
        await using var h = await StartAsync(maxWait: "00:00:30", recheck: "00:00:00.020", recheckMax: "00:00:00.100");
        var usage = h.Emulator.Get<ApiUsage>();
        usage.Preload(79);
        var http = h.Get<SalesforceHttp>();
        var budget = h.Get<ApiBudget>();

        var call = http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None);
        await Wait.UntilAsync(() => budget.WaitingCalls == 1, "the call to wait for the budget");
        Assert.False(call.IsCompleted);
        usage.Reset();
        await call.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, usage.ByEndpoint[Describe]);
        Assert.Equal(0, budget.WaitingCalls);
    }

    [Fact]
    public async Task WaitingCall_CallerCancels_StopsWaiting()
    {
        await using var h = await StartAsync(maxWait: "00:10:00");
        h.Emulator.Get<ApiUsage>().Preload(79);
        var http = h.Get<SalesforceHttp>();
        var budget = h.Get<ApiBudget>();
        using var cts = new CancellationTokenSource();

        var call = http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, cts.Token);
        await Wait.UntilAsync(() => budget.WaitingCalls == 1, "the call to wait for the budget");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, budget.WaitingCalls);
    }

    [Fact]
    public async Task RequestLimitExceeded_TypedErrorAndNoRetryStorm()
    {
        await using var h = await StartAsync(maxWait: "00:00:00.100");
        var usage = h.Emulator.Get<ApiUsage>();
        usage.Preload(100);
        var http = h.Get<SalesforceHttp>();

        var critical = await Assert.ThrowsAsync<ApiBudgetExhaustedException>(() => http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Critical, CancellationToken.None));
        var normal = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Assert.ThrowsAsync<ApiBudgetExhaustedException>(() => http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None))));

        Assert.True(critical.RejectedBySalesforce);
        Assert.Equal("REQUEST_LIMIT_EXCEEDED", critical.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, critical.Status);
        Assert.All(normal, e => Assert.False(e.RejectedBySalesforce));
        Assert.Equal((100, 100), h.Get<ApiBudget>().Snapshot);
        var rejected = usage.ByEndpoint.Where(e => e.Key.StartsWith("rejected:", StringComparison.Ordinal)).Sum(e => e.Value);
        Assert.Equal(1, rejected);
    }

    [Fact]
    public async Task Metrics_ReportUsedRemainingMaxAndGatedWaits()
    {
        await using var h = await StartAsync(maxWait: "00:00:00.050");
        h.Emulator.Get<ApiUsage>().Preload(50);
        var factory = h.Get<IMeterFactory>();
        var values = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ApiBudget.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            values.AddOrUpdate(instrument.Name, value, (_, old) => instrument is Counter<long> ? old + value : value));
        listener.Start();
        var http = h.Get<SalesforceHttp>();

        await http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None);
        listener.RecordObservableInstruments();

        Assert.Equal(52, values["salesforce.api.used"]);
        Assert.Equal(48, values["salesforce.api.remaining"]);
        Assert.Equal(100, values["salesforce.api.max"]);
        Assert.False(values.ContainsKey("salesforce.api.gated_waits"));

        h.Emulator.Get<ApiUsage>().Preload(30);
        await http.GetJsonAsync(http.Api("limits"), CallPriority.Critical, CancellationToken.None);
        await Assert.ThrowsAsync<ApiBudgetExhaustedException>(() => http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Normal, CancellationToken.None));
        listener.RecordObservableInstruments();

        Assert.Equal(83, values["salesforce.api.used"]);
        Assert.Equal(1, values["salesforce.api.gated_waits"]);
    }

    [Fact]
    public async Task LimitInfoHeader_EveryAnswer_UpdatesBudget()
    {
        await using var h = await StartAsync(maxWait: "00:00:01");
        var http = h.Get<SalesforceHttp>();
        await http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Critical, CancellationToken.None);
        Assert.Equal((1, 100), h.Get<ApiBudget>().Snapshot);

        h.Emulator.Get<ApiUsage>().Preload(10);
        await http.GetJsonAsync(http.Api("sobjects/Lead"), CallPriority.Critical, CancellationToken.None);

        Assert.Equal((12, 100), h.Get<ApiBudget>().Snapshot);
        Assert.False(h.Emulator.Get<ApiUsage>().ByEndpoint.ContainsKey(Limits));
    }

    private static Task<ClientHarness> StartAsync(string maxWait, string recheck = "01:00:00", string recheckMax = "01:00:00") =>
        ClientHarness.StartAsync(
            emulatorSettings: new Dictionary<string, string?> { ["Emulator:DailyApiRequests"] = "100" },
            clientSettings: new Dictionary<string, string?>
            {
                ["Salesforce:Budget:MaxWait"] = maxWait,
                ["Salesforce:Budget:RecheckInterval"] = recheck,
                ["Salesforce:Budget:RecheckMaxInterval"] = recheckMax,
            });
}
