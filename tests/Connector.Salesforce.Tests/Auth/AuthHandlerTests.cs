using System.Net;
using Connector.Salesforce.Auth;
using Connector.Salesforce.Http;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Limits;

namespace Connector.Salesforce.Tests.Auth;

public sealed class AuthHandlerTests
{
    [Fact]
    public async Task FirstCall_LogsInWithJwtAndReachesTheInstance()
    {
        await using var h = await ClientHarness.StartAsync();
        var http = h.Get<SalesforceHttp>();

        var limits = await http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None);

        Assert.True(limits.GetProperty("DailyApiRequests").GetProperty("Max").GetInt32() > 0);
        Assert.Equal(1, h.Get<TokenCache>().Renewals);
    }

    [Fact]
    public async Task ExpiredSession_IsRenewedOnceAndTheRequestReplayed()
    {
        await using var h = await ClientHarness.StartAsync();
        var http = h.Get<SalesforceHttp>();
        await http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None);
        var usage = h.Emulator.Get<ApiUsage>();
        var calls = usage.ByEndpoint.GetValueOrDefault("POST /services/oauth2/token");

        h.Emulator.Get<Connector.SalesforceEmulator.Auth.TokenStore>().ExpireAllSessions();
        var tasks = Enumerable.Range(0, 20).Select(_ => http.GetJsonAsync(http.Api("limits"), CallPriority.Normal, CancellationToken.None));
        await Task.WhenAll(tasks);

        Assert.Equal(2, h.Get<TokenCache>().Renewals);
        Assert.Equal(calls + 1, h.Emulator.Get<ApiUsage>().ByEndpoint["POST /services/oauth2/token"]);
    }

    [Fact]
    public async Task ErrorFromSalesforce_BecomesTypedExceptionWithCodeAndFields()
    {
        await using var h = await ClientHarness.StartAsync();
        var http = h.Get<SalesforceHttp>();

        var e = await Assert.ThrowsAsync<SalesforceApiException>(() =>
            http.SendJsonAsync(HttpMethod.Post, http.Api("sobjects/Lead"), new { Company = "Acme" }, CallPriority.Normal, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Equal("REQUIRED_FIELD_MISSING", e.ErrorCode);
        Assert.Equal(["LastName"], e.Fields);
        Assert.Contains("POST /services/data/v62.0/sobjects/Lead", e.Message, StringComparison.Ordinal);
    }
}
