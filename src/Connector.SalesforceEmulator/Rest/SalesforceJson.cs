using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>
/// JSON as Salesforce writes it: UTF-8, no HTML escaping of quotes or '+' (the default encoder would send
/// \u0027 and \u002B), and the exact Content-Type header "application/json;charset=UTF-8".
/// </summary>
public static class SalesforceJson
{
    public const string ContentType = "application/json;charset=UTF-8";

    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(JsonNode node) => node.ToJsonString(SerializerOptions);

    public static IResult Result(int status, JsonNode? body) => new JsonBody(body is null ? [] : Encoding.UTF8.GetBytes(Serialize(body)), status);

    public static IResult Result(int status, byte[] utf8) => new JsonBody(utf8, status);

    private sealed class JsonBody(byte[] body, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = ContentType;
            httpContext.Response.ContentLength = body.Length;
            return httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
        }
    }
}
