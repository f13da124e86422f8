using System.Net;
using System.Text.Json;

namespace Connector.Salesforce;

/// <summary>One entry of Salesforce's error array: <c>{message, errorCode, fields}</c> (or <c>statusCode</c> per record).</summary>
public sealed record SalesforceError(string ErrorCode, string Message, IReadOnlyList<string> Fields);

/// <summary>
/// A call Salesforce answered with an error. Carries the HTTP status, the Salesforce errorCode, the
/// fields it names and the message; the request is named by method and path only (never query values,
/// tokens or bodies).
/// </summary>
public class SalesforceApiException : Exception
{
    public SalesforceApiException(HttpStatusCode status, IReadOnlyList<SalesforceError> errors, string request)
        : base($"{request} failed: {(int)status} {Describe(errors)}")
    {
        Status = status;
        Errors = errors;
        Request = request;
    }

    /// <summary>An error raised on the client's side for a request (an open circuit, an exhausted budget) with its cause.</summary>
    public SalesforceApiException(HttpStatusCode status, IReadOnlyList<SalesforceError> errors, string request, Exception? innerException)
        : base($"{request} failed: {(int)status} {Describe(errors)}", innerException)
    {
        Status = status;
        Errors = errors;
        Request = request;
    }

    public SalesforceApiException()
        : this(HttpStatusCode.InternalServerError, [], "request")
    {
    }

    public SalesforceApiException(string message)
        : base(message)
    {
        Errors = [];
        Request = string.Empty;
    }

    public SalesforceApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
        Request = string.Empty;
    }

    public HttpStatusCode Status { get; }
    public IReadOnlyList<SalesforceError> Errors { get; }
    public string Request { get; }

    /// <summary>The first error's code (INVALID_FIELD, UNABLE_TO_LOCK_ROW, ...), or "HTTP_nnn" when the body had none.</summary>
    public string ErrorCode => Errors.Count > 0 ? Errors[0].ErrorCode : $"HTTP_{(int)Status}";

    public IReadOnlyList<string> Fields => Errors.Count > 0 ? Errors[0].Fields : [];

    /// <summary>Parses a REST error body (an array of errors; tolerant of objects and non-JSON bodies).</summary>
    public static IReadOnlyList<SalesforceError> ParseErrors(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var items = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : [root];
            return items.Where(e => e.ValueKind == JsonValueKind.Object).Select(ParseError).ToList();
        }
        catch (JsonException)
        {
            return [new SalesforceError("UNPARSEABLE_RESPONSE", body.Length > 200 ? body[..200] : body, [])];
        }
    }

    public static SalesforceError ParseError(JsonElement e)
    {
        static string? Str(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var code = Str(e, "errorCode") ?? Str(e, "statusCode") ?? Str(e, "error") ?? "UNKNOWN";
        var message = Str(e, "message") ?? Str(e, "error_description") ?? string.Empty;
        var fields = e.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Array
            ? f.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToList()
            : [];
        return new SalesforceError(code, message, fields);
    }

    private static string Describe(IReadOnlyList<SalesforceError> errors) =>
        errors.Count == 0 ? "(no error body)" : string.Join("; ", errors.Select(e => e.Fields.Count > 0 ? $"{e.ErrorCode} [{string.Join(",", e.Fields)}]: {e.Message}" : $"{e.ErrorCode}: {e.Message}"));
}
