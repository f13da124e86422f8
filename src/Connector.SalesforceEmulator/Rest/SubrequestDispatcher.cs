using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Data;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>
/// The outcome of one Composite subrequest. <paramref name="LastModified"/>: the resource's Last-Modified (describes), which a
/// client revalidating with If-Modified-Since inside a Composite call needs as much as one calling directly.
/// </summary>
public sealed record SubResponse(int Status, JsonNode? Body, string? Location, string? LastModified = null);

/// <summary>
/// Runs a REST call inside another one (Composite, Composite Batch) through the very same endpoint code
/// a direct call would hit, so a subrequest behaves exactly like the request it stands for.
/// </summary>
public sealed class SubrequestDispatcher
{
    private readonly EndpointDataSource _endpoints;
    private readonly ConcurrentDictionary<RouteEndpoint, TemplateMatcher> _matchers = new();

    public SubrequestDispatcher(EndpointDataSource endpoints) => _endpoints = endpoints;

    public async Task<SubResponse> SendAsync(HttpContext parent, string method, string url, JsonNode? body, IReadOnlyDictionary<string, string> headers)
    {
        var queryStart = url.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? url : url[..queryStart];
        var query = queryStart < 0 ? string.Empty : url[queryStart..];
        var version = RestPipeline.ParseVersion(path);
        if (version is null)
        {
            return Error(new SalesforceException(404, "NOT_FOUND", "The requested resource does not exist"));
        }

        var parentContext = RestContext.Of(parent);
        var http = new DefaultHttpContext { RequestServices = parent.RequestServices };
        http.Request.Method = method.ToUpperInvariant();
        http.Request.Path = path;
        http.Request.QueryString = new QueryString(query);
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(SalesforceJson.Serialize(body));
        http.Request.Body = new MemoryStream(bytes);
        http.Request.ContentLength = bytes.Length;
        http.Request.ContentType = "application/json";
        foreach (var (name, value) in headers)
        {
            http.Request.Headers[name] = value;
        }

        var response = new MemoryStream();
        http.Response.Body = response;
        http.Items[ApiSession.HttpContextKey] = parentContext.Session;
        http.Items[RestContext.HttpContextKey] = parentContext with
        {
            Version = version.Value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture),
            AutoAssignHeader = headers.GetValueOrDefault("Sforce-Auto-Assign") ?? parentContext.AutoAssignHeader,
        };

        var (endpoint, values) = Match(http.Request.Method, path);
        if (endpoint is null)
        {
            return Error(SalesforceException.NotFound());
        }

        http.Request.RouteValues = values!;
        http.SetEndpoint(endpoint);
        try
        {
            await endpoint.RequestDelegate!(http);
        }
        catch (SalesforceException e)
        {
            return Error(e);
        }
        catch (MultipleMatchesException e)
        {
            return new SubResponse(300, new JsonArray(e.Urls.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray()), null);
        }
        catch (JsonException)
        {
            return Error(new SalesforceException(400, "JSON_PARSER_ERROR", "Unexpected character in request body"));
        }

        var text = Encoding.UTF8.GetString(response.ToArray());
        return new SubResponse(
            http.Response.StatusCode,
            text.Length == 0 ? null : JsonNode.Parse(text),
            http.Response.Headers.Location.FirstOrDefault(),
            http.Response.Headers.LastModified.FirstOrDefault());
    }

    private (RouteEndpoint? Endpoint, RouteValueDictionary? Values) Match(string method, string path)
    {
        RouteEndpoint? best = null;
        RouteValueDictionary? bestValues = null;
        var bestScore = -1;
        foreach (var endpoint in _endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (methods is null || !methods.Contains(method, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var matcher = _matchers.GetOrAdd(endpoint, e => new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText!), new RouteValueDictionary()));
            var values = new RouteValueDictionary();
            if (!matcher.TryMatch(path, values))
            {
                continue;
            }

            // Literal segments beat parameters (…/describe over …/{id}), as endpoint routing decides.
            var score = endpoint.RoutePattern.PathSegments.Count(s => s.IsSimple && s.Parts[0].IsLiteral);
            if (score > bestScore)
            {
                (best, bestValues, bestScore) = (endpoint, values, score);
            }
        }

        return (best, bestValues);
    }

    private static SubResponse Error(SalesforceException e) => new(e.HttpStatus, RestErrors.Body(e), null);
}
