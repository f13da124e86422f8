using System.Globalization;
using System.Text.Json;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Faults;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Limits;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>
/// What every call under /services/data/vNN.0 goes through, in the real API's order: version check,
/// session check (401 INVALID_SESSION_ID), injected faults, the daily allocation (403
/// REQUEST_LIMIT_EXCEEDED), Sforce-Limit-Info on the response, and errors rendered as Salesforce does.
/// </summary>
public sealed class RestPipeline
{
    private readonly RequestDelegate _next;

    public RestPipeline(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext http, TokenStore tokens, ApiUsage usage, FaultInjector faults, IOptions<EmulatorOptions> options)
    {
        var version = ParseVersion(http.Request.Path);
        var o = options.Value;
        if (version is null || version.Value < o.MinApiVersion || version.Value > o.MaxApiVersion || version.Value != decimal.Truncate(version.Value))
        {
            await RestErrors.From(SalesforceException.NotFound()).ExecuteAsync(http);
            return;
        }

        var session = tokens.Validate(BearerToken(http.Request));
        if (session is null)
        {
            http.Response.Headers.WWWAuthenticate = "Token";
            await RestErrors.From(new SalesforceException(401, "INVALID_SESSION_ID", "Session expired or invalid")).ExecuteAsync(http);
            return;
        }

        var endpoint = http.GetEndpoint() as RouteEndpoint;
        var key = $"{http.Request.Method} {endpoint?.RoutePattern.RawText ?? "(unmatched)"}";
        http.Response.OnStarting(() =>
        {
            http.Response.Headers["Sforce-Limit-Info"] = usage.LimitInfoHeader;
            return Task.CompletedTask;
        });

        if (await faults.InjectRestFaultAsync(http, key, http.RequestAborted) is { } injected)
        {
            await injected.ExecuteAsync(http);
            return;
        }

        if (!usage.TryConsume(key))
        {
            await RestErrors.From(new SalesforceException(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")).ExecuteAsync(http);
            return;
        }

        if (endpoint is null)
        {
            await RestErrors.From(SalesforceException.NotFound()).ExecuteAsync(http);
            return;
        }

        http.Items[RestContext.HttpContextKey] = new RestContext(session, version.Value.ToString("0.0", CultureInfo.InvariantCulture))
        {
            AutoAssignHeader = http.Request.Headers["Sforce-Auto-Assign"].FirstOrDefault(),
            CallOptionsClient = RestContext.ParseClient(http.Request.Headers["Sforce-Call-Options"].FirstOrDefault()),
        };
        http.Items[ApiSession.HttpContextKey] = session;

        try
        {
            await _next(http);
        }
        catch (SalesforceException e) when (!http.Response.HasStarted)
        {
            http.Response.Clear();
            await RestErrors.From(e).ExecuteAsync(http);
        }
        catch (JsonException e) when (!http.Response.HasStarted)
        {
            http.Response.Clear();
            var position = e.LineNumber is { } line ? $" at [line:{line + 1}, column:{(e.BytePositionInLine ?? 0) + 1}]" : string.Empty;
            await RestErrors.From(new SalesforceException(400, "JSON_PARSER_ERROR", "Unexpected character in request body" + position)).ExecuteAsync(http);
        }
        catch (BadHttpRequestException e) when (!http.Response.HasStarted)
        {
            http.Response.Clear();
            await RestErrors.From(new SalesforceException(400, "JSON_PARSER_ERROR", e.Message)).ExecuteAsync(http);
        }
    }

    /// <summary>Bearer (REST) or OAuth (legacy, what faye sends on CometD) tokens.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.FirstOrDefault();
        if (header is null)
        {
            return null;
        }

        foreach (var scheme in (string[])["Bearer ", "OAuth "])
        {
            if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return header[scheme.Length..].Trim();
            }
        }

        return null;
    }

    /// <summary>"/services/data/v62.0/…" → 62.0; null when the path has no version segment.</summary>
    public static decimal? ParseVersion(PathString path)
    {
        var value = path.Value ?? string.Empty;
        const string prefix = "/services/data/v";
        if (!value.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var end = value.IndexOf('/', prefix.Length);
        var text = end < 0 ? value[prefix.Length..] : value[prefix.Length..end];
        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && text.Contains('.', StringComparison.Ordinal) ? v : null;
    }
}
