using System.Diagnostics.Metrics;
using System.Text.Json;
using Connector.Salesforce.Http;
using Connector.Salesforce.Limits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connector.Salesforce.Tests.Limits;

public sealed class ApiBudgetUnitTests
{
    [Fact]
    public void ObserveLimitInfo_OlderAnswerArrivesLast_KeepsTheHigherCount()
    {
        var budget = CreateSut();

        budget.ObserveLimitInfo(78, 100);
        budget.ObserveLimitInfo(76, 100);

        Assert.Equal((78, 100), budget.Snapshot);
    }

    [Fact]
    public void Observe_FromLimits_LowersTheCountWhenTheWindowRolls()
    {
        var budget = CreateSut();
        budget.ObserveLimitInfo(78, 100);

        budget.Observe(10, 100);

        Assert.Equal((10, 100), budget.Snapshot);
    }

    [Fact]
    public void ObserveLimitInfo_AllocationChanged_TakesTheNewPair()
    {
        var budget = CreateSut();
        budget.ObserveLimitInfo(78, 100);

        budget.ObserveLimitInfo(20, 5000);

        Assert.Equal((20, 5000), budget.Snapshot);
    }

    [Fact]
    public async Task AcquireAsync_UnknownBudget_LetsCallsThrough()
    {
        var budget = CreateSut();

        using var slot = await budget.AcquireAsync(CallPriority.Background, "GET /x", CancellationToken.None);

        Assert.False(budget.IsKnown);
    }

    [Fact]
    public async Task AcquireAsync_SlotsInFlight_CountAgainstTheReserve()
    {
        var budget = CreateSut(maxWait: TimeSpan.Zero);
        budget.Observe(78, 100);

        using var first = await budget.AcquireAsync(CallPriority.Normal, "GET /x", CancellationToken.None);
        using var second = await budget.AcquireAsync(CallPriority.Normal, "GET /x", CancellationToken.None);
        var e = await Assert.ThrowsAsync<ApiBudgetExhaustedException>(() => budget.AcquireAsync(CallPriority.Normal, "GET /x", CancellationToken.None).AsTask());

        Assert.Equal((78, 100, 20), (e.Used, e.Max, e.ReservePercent));
    }

    [Fact]
    public async Task MarkExhausted_CriticalStillPasses()
    {
        var budget = CreateSut(maxWait: TimeSpan.Zero);
        budget.Observe(10, 100);

        budget.MarkExhausted();

        Assert.Equal((100, 100), budget.Snapshot);
        using var critical = await budget.AcquireAsync(CallPriority.Critical, "GET /x", CancellationToken.None);
        await Assert.ThrowsAsync<ApiBudgetExhaustedException>(() => budget.AcquireAsync(CallPriority.Normal, "GET /x", CancellationToken.None).AsTask());
    }

    private static ApiBudget CreateSut(TimeSpan? maxWait = null)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var options = new SalesforceBudgetOptions { MaxWait = maxWait ?? TimeSpan.FromSeconds(1), RecheckInterval = TimeSpan.FromHours(1), RecheckMaxInterval = TimeSpan.FromHours(1) };
        return new ApiBudget(20, options, TimeProvider.System, _ => Task.FromResult(default(JsonElement)), meters, NullLogger.Instance);
    }
}
