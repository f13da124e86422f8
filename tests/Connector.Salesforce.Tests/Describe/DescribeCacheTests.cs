using System.Net;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Limits;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Tests.Describe;

public sealed class DescribeCacheTests
{
    private const string DescribeEndpoint = "GET /services/data/v{version}/sobjects/{type}/describe";

    private static Task<ClientHarness> StartAsync(FakeTimeProvider clock) =>
        ClientHarness.StartAsync(
            clientSettings: new Dictionary<string, string?> { ["Salesforce:Describe:MaxAge"] = "00:10:00" },
            configure: s => s.AddSingleton<TimeProvider>(clock),
            configureEmulator: s => s.AddSingleton<TimeProvider>(clock));

    private static long Calls(ClientHarness h, string endpoint) => h.Emulator.Get<ApiUsage>().ByEndpoint.GetValueOrDefault(endpoint);

    [Fact]
    public async Task GetAsync_CustomSchema_IsTyped()
    {
        await using var h = await StartAsync(new FakeTimeProvider(TimeProvider.System.GetUtcNow()));

        var lead = await h.Get<DescribeCache>().GetAsync("Lead", CancellationToken.None);

        var advocate = lead.FindRelationship("Advocate__r")!;
        Assert.Equal("Advocate__c", advocate.Name);
        Assert.Equal(["Advocate__c"], advocate.ReferenceTo);
        Assert.True(advocate.Custom);
        var method = lead.FindField("Referral_Method__c")!;
        Assert.Equal(["Verbal", "Email", "Lead Form", "Social", "Shareable URL", "Print Card"], method.PicklistValues.Select(p => p.Value));
        var referral = await h.Get<DescribeCache>().GetAsync("Referral__c", CancellationToken.None);
        Assert.True(referral.Custom);
        Assert.True(referral.FindField("External_Key__c")!.ExternalId);
        Assert.Equal(64, referral.FindField("External_Key__c")!.Length);
    }

    [Fact]
    public async Task GetAsync_WithinMaxAge_CostsNoCall_ThenRevalidatesWith304()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var h = await StartAsync(clock);

        var first = await h.Get<DescribeCache>().GetAsync("Lead", CancellationToken.None);
        var again = await h.Get<DescribeCache>().GetAsync("lead", CancellationToken.None);
        Assert.Same(first, again);
        Assert.Equal(1, Calls(h, DescribeEndpoint));

        clock.Advance(TimeSpan.FromMinutes(11));
        var revalidated = await h.Get<DescribeCache>().GetAsync("Lead", CancellationToken.None);

        Assert.Same(first, revalidated);
        Assert.Equal(2, Calls(h, DescribeEndpoint));
        Assert.Equal(1, h.Get<DescribeCache>().Fetches);
        Assert.Equal(1, h.Get<DescribeCache>().NotModified);

        // The 304 restarted the max age: no further call within it.
        clock.Advance(TimeSpan.FromMinutes(9));
        await h.Get<DescribeCache>().GetAsync("Lead", CancellationToken.None);
        Assert.Equal(2, Calls(h, DescribeEndpoint));
    }

    [Fact]
    public async Task GetAsync_ConcurrentCallers_ShareOneRequest()
    {
        await using var h = await StartAsync(new FakeTimeProvider(TimeProvider.System.GetUtcNow()));

        var all = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => h.Get<DescribeCache>().GetAsync("Opportunity", CancellationToken.None)));

        Assert.All(all, d => Assert.Same(all[0], d));
        Assert.Equal(1, Calls(h, DescribeEndpoint));
    }

    [Fact]
    public async Task GetAsync_UnknownObject_ThrowsNotFound()
    {
        await using var h = await StartAsync(new FakeTimeProvider(TimeProvider.System.GetUtcNow()));

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() => h.Get<DescribeCache>().GetAsync("Nope__c", CancellationToken.None));

        Assert.Equal(HttpStatusCode.NotFound, e.Status);
    }

    [Fact]
    public async Task GetObjectNamesAsync_ListsStandardAndCustomObjects_AndRevalidates()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var h = await StartAsync(clock);

        var names = await h.Get<DescribeCache>().GetObjectNamesAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(1));
        var again = await h.Get<DescribeCache>().GetObjectNamesAsync(CancellationToken.None);

        Assert.Contains("Lead", names);
        Assert.Contains("Advocate__c", names);
        Assert.Contains("Referral_Logged__e", names);
        Assert.Equal(names, again);
        Assert.Equal(1, h.Get<DescribeCache>().NotModified);
    }
}
