using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Limits;

namespace Connector.SalesforceEmulator.Rest;

/// <summary><c>GET /limits</c> and the version's resource directory.</summary>
public static class LimitsEndpoints
{
    public static RouteGroupBuilder MapLimits(this RouteGroupBuilder api)
    {
        api.MapGet("/limits", Limits);
        api.MapGet("", Resources);
        return api;
    }

    private static IResult Limits(ApiUsage usage)
    {
        var max = usage.DailyAllocation;
        var remaining = usage.Remaining;
        static JsonObject Pair(int max, int remaining) => new() { ["Max"] = max, ["Remaining"] = remaining };
        var body = new JsonObject
        {
            ["ActiveScratchOrgs"] = Pair(3, 3),
            ["ConcurrentAsyncGetReportInstances"] = Pair(200, 200),
            ["ConcurrentSyncReportRuns"] = Pair(20, 20),
            ["DailyApiRequests"] = Pair(max, remaining),
            ["DailyAsyncApexExecutions"] = Pair(250000, 250000),
            ["DailyBulkApiBatches"] = Pair(15000, 15000),
            ["DailyBulkV2QueryFileStorageMB"] = Pair(976562, 976562),
            ["DailyBulkV2QueryJobs"] = Pair(10000, 10000),
            ["DailyDurableGenericStreamingApiEvents"] = Pair(1000000, 1000000),
            ["DailyDurableStreamingApiEvents"] = Pair(1000000, 1000000),
            ["DailyGenericStreamingApiEvents"] = Pair(10000, 10000),
            ["DailyStandardVolumePlatformEvents"] = Pair(10000, 10000),
            ["DailyStreamingApiEvents"] = Pair(1000000, 1000000),
            ["DataStorageMB"] = Pair(1024, 1024),
            ["DurableStreamingApiConcurrentClients"] = Pair(2000, 2000),
            ["FileStorageMB"] = Pair(1024, 1024),
            ["HourlyPublishedPlatformEvents"] = Pair(250000, 250000),
            ["HourlyPublishedStandardVolumePlatformEvents"] = Pair(1000, 1000),
            ["MonthlyPlatformEventsUsageEntitlement"] = Pair(1500000, 1500000),
            ["SingleEmailMessages"] = Pair(5000, 5000),
            ["StreamingApiConcurrentClients"] = Pair(2000, 2000),
        };
        return RestErrors.Json(200, body);
    }

    private static IResult Resources(HttpContext http)
    {
        var b = RestContext.Of(http).BasePath;
        var body = new JsonObject();
        foreach (var name in new[] { "composite", "jobs", "limits", "query", "queryAll", "sobjects" })
        {
            body[name] = $"{b}/{(name == "jobs" ? "jobs/query" : name)}";
        }

        return RestErrors.Json(200, body);
    }
}
