using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Connector.Salesforce.Http;

/// <summary>
/// The typed HttpClient every Salesforce call goes through. Paths are relative to the org's instance
/// ("services/data/v62.0/query?..."); the auth handler points them at the instance URL it got at login.
/// Authentication, retries and the API budget live in the handlers, not here.
/// </summary>
public sealed class SalesforceHttp
{
    /// <summary>Placeholder base address: the auth handler swaps in the real instance URL.</summary>
    public static readonly Uri InstancePlaceholder = new("https://instance.salesforce.invalid/");

    private readonly HttpClient _http;

    public SalesforceHttp(HttpClient http, IOptions<SalesforceOptions> options)
    {
        _http = http;
        _http.BaseAddress ??= InstancePlaceholder;
        Options = options.Value;
    }

    public SalesforceOptions Options { get; }

    /// <summary>"services/data/v62.0/" + <paramref name="relative"/>.</summary>
    public string Api(string relative) => Options.ApiBasePath + relative.TrimStart('/');

    /// <summary>Sends and returns the response; non-success statuses become <see cref="SalesforceApiException"/> (except 304).</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("Sforce-Call-Options", "client=" + Options.CallOptionsClient);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode || response.StatusCode is System.Net.HttpStatusCode.NotModified or System.Net.HttpStatusCode.MultipleChoices)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new SalesforceApiException(response.StatusCode, SalesforceApiException.ParseErrors(body), SalesforceRequest.Describe(request));
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path, CallPriority priority, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path).WithPriority(priority);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a JSON body (or none) and returns the JSON answer (default for 204).</summary>
    public async Task<JsonElement> SendJsonAsync(
        HttpMethod method, string path, object? body, CallPriority priority, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? headers = null, bool? idempotent = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: SalesforceJson.Options) }.WithPriority(priority);
        if (idempotent is { } i)
        {
            request.AsIdempotent(i);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength == 0 || response.StatusCode == System.Net.HttpStatusCode.NoContent)
        {
            return default;
        }

        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>JSON settings for request bodies: Salesforce field names are used as written.</summary>
public static class SalesforceJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
