using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;
using Microsoft.Net.Http.Headers;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>
/// Global describe (GET /sobjects), basic info (GET /sobjects/{type}) and the full sObject describe
/// (GET /sobjects/{type}/describe). The schema is fixed when the emulator starts, so that moment is its
/// Last-Modified and If-Modified-Since answers 304 as an org whose metadata has not changed does.
/// </summary>
public static class DescribeEndpoints
{
    private const string JsonContentType = "application/json;charset=UTF-8";

    public static RouteGroupBuilder MapDescribe(this RouteGroupBuilder api)
    {
        var services = ((IEndpointRouteBuilder)api).ServiceProvider;
        // HTTP dates carry whole seconds: truncate so a client echoing Last-Modified gets its 304.
        var started = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var lastModified = new DateTimeOffset(started.Ticks - (started.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

        api.MapGet("/sobjects", (HttpContext http, OrgSchema schema) =>
            Conditional(http, lastModified, () => DescribeWriter.Global(schema.Objects, RestContext.Of(http).BasePath)));

        api.MapGet("/sobjects/{type}", (HttpContext http, OrgSchema schema, string type) =>
            Bytes(DescribeWriter.Basic(Find(schema, type), RestContext.Of(http).BasePath)));

        api.MapGet("/sobjects/{type}/describe", (HttpContext http, OrgSchema schema, string type) =>
        {
            var o = Find(schema, type);
            return Conditional(http, lastModified, () => DescribeWriter.SObject(o, RestContext.Of(http).BasePath, $"{http.Request.Scheme}://{http.Request.Host}"));
        });

        return api;
    }

    private static SObjectSchema Find(OrgSchema schema, string type) =>
        schema.Find(type) ?? throw SalesforceException.NotFound();

    private static IResult Conditional(HttpContext http, DateTimeOffset lastModified, Func<byte[]> body)
    {
        http.Response.Headers.LastModified = HeaderUtilities.FormatDate(lastModified);
        var since = http.Request.GetTypedHeaders().IfModifiedSince;
        return since is { } s && s >= lastModified ? Results.StatusCode(StatusCodes.Status304NotModified) : Bytes(body());
    }

    private static IResult Bytes(byte[] body) => Results.Bytes(body, JsonContentType);
}
