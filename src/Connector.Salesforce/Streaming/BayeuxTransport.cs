using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.Salesforce.Auth;

namespace Connector.Salesforce.Streaming;

/// <summary>
/// One Bayeux client session's HTTP side: POSTs a JSON array of messages to /cometd/NN.0 and returns the
/// reply array. The HttpClient carries the auth handler (bearer token, instance URL, one renewal on HTTP 401)
/// but no retry or per-call timeout handler: a long poll is held by design, so every request gets its own
/// deadline here. Cookies (BAYEUX_BROWSER, load-balancer affinity) live in one jar per session.
/// </summary>
internal sealed class BayeuxTransport
{
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json;charset=UTF-8");
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly TokenCache _tokens;
    private readonly TimeProvider _time;
    private readonly CookieContainer _cookies = new();

    public BayeuxTransport(HttpClient http, Uri endpoint, TokenCache tokens, TimeProvider time)
    {
        _http = http;
        _endpoint = endpoint;
        _tokens = tokens;
        _time = time;
    }

    /// <summary>The session used for the latest request: the one to report as rejected when the server says 401.</summary>
    public AccessToken? LastToken { get; private set; }

    /// <summary>The reply messages; throws <see cref="BayeuxTransportException"/> when no usable reply arrived in time.</summary>
    public async Task<IReadOnlyList<JsonElement>> SendAsync(IReadOnlyList<JsonObject> messages, TimeSpan timeout, CancellationToken cancellationToken)
    {
        LastToken = await _tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        var body = JsonSerializer.SerializeToUtf8Bytes(new JsonArray(messages.Select(m => (JsonNode)m.DeepClone()).ToArray()));
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Options.Set(BayeuxCookieHandler.Cookies, _cookies);

        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        HttpStatusCode status;
        byte[] content;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            status = response.StatusCode;
            content = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BayeuxTransportException($"no answer within {timeout.TotalSeconds:0.###} s", timedOut: true);
        }
        catch (HttpRequestException e)
        {
            throw new BayeuxTransportException($"network failure ({e.HttpRequestError})", inner: e);
        }

        if ((int)status >= 500)
        {
            throw new BayeuxTransportException($"HTTP {(int)status}", status: status);
        }

        List<JsonElement> replies;
        try
        {
            replies = Parse(content);
        }
        catch (JsonException e)
        {
            throw new BayeuxTransportException($"HTTP {(int)status} without a Bayeux reply", status: status, inner: e);
        }

        // Salesforce answers some refusals (no cookie, bad version) with HTTP 400 and a Bayeux error array:
        // the caller reads the error from the messages like any other.
        return replies;
    }

    private static List<JsonElement> Parse(byte[] content)
    {
        using var document = JsonDocument.Parse(content);
        var root = document.RootElement;
        return root.ValueKind switch
        {
            JsonValueKind.Array => root.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(e => e.Clone()).ToList(),
            JsonValueKind.Object => [root.Clone()],
            _ => throw new JsonException("A Bayeux reply is a message or an array of messages."),
        };
    }
}

/// <summary>A request got no usable answer (network failure, timeout, 5xx, garbage): retried with backoff.</summary>
internal sealed class BayeuxTransportException : Exception
{
    public BayeuxTransportException(string message, bool timedOut = false, HttpStatusCode? status = null, Exception? inner = null)
        : base(message, inner)
    {
        TimedOut = timedOut;
        Status = status;
    }

    public bool TimedOut { get; }
    public HttpStatusCode? Status { get; }
}

/// <summary>
/// Sends and keeps the session's cookies. Sits inside the auth handler so it sees the final instance URL; the
/// primary handler has its own cookie handling off, since pooled handlers are shared by every session.
/// </summary>
internal sealed class BayeuxCookieHandler : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<CookieContainer> Cookies = new("Connector.Salesforce.Streaming.Cookies");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(Cookies, out var jar) || request.RequestUri is not { } uri)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        request.Headers.Remove("Cookie");
        var header = jar.GetCookieHeader(uri);
        if (header.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Cookie", header);
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            foreach (var value in values)
            {
                try
                {
                    jar.SetCookies(uri, value);
                }
                catch (CookieException)
                {
                    // A cookie the jar cannot hold (odd domain or attributes) is not worth failing the stream over.
                }
            }
        }

        return response;
    }
}
