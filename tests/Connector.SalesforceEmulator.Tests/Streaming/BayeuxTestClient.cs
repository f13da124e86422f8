using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Connector.SalesforceEmulator.Tests.Streaming;

/// <summary>
/// A minimal Bayeux long-polling client, speaking the way faye and the CometD JS client do (JSON arrays,
/// cookies kept, Authorization on every request), so tests see exactly what a real client would.
/// </summary>
internal sealed class BayeuxTestClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _path;
    private int _nextId;

    public BayeuxTestClient(Uri baseUrl, string? token, string scheme = "Bearer", string version = "62.0", bool useCookies = true)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, UseCookies = useCookies }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, token);
        }

        _path = "/cometd/" + version;
    }

    public CookieContainer Cookies { get; }
    public string? ClientId { get; private set; }

    /// <summary>Events received by <see cref="ConnectAsync"/>, in arrival order.</summary>
    public List<JsonElement> Events { get; } = [];

    public void SetToken(string token) => _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

    public string NextId() => (++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task<HttpResponseMessage> PostRawAsync(string json) =>
        await _http.PostAsync(_path, new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<JsonElement[]> SendAsync(params object[] messages)
    {
        using var response = await PostRawAsync(JsonSerializer.Serialize(messages));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {text}");
        return [.. JsonDocument.Parse(text).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    public async Task<JsonElement> HandshakeAsync()
    {
        var replies = await SendAsync(new Dictionary<string, object>
        {
            ["channel"] = "/meta/handshake", ["version"] = "1.0", ["minimumVersion"] = "1.0",
            ["supportedConnectionTypes"] = new[] { "long-polling" }, ["id"] = NextId(), ["ext"] = new { replay = true },
        });
        var reply = Assert.Single(replies);
        if (reply.GetProperty("successful").GetBoolean())
        {
            ClientId = reply.GetProperty("clientId").GetString();
        }

        return reply;
    }

    public async Task<JsonElement> SubscribeAsync(string channel, long? replayId = null)
    {
        var message = new Dictionary<string, object?>
        {
            ["channel"] = "/meta/subscribe", ["clientId"] = ClientId, ["subscription"] = channel, ["id"] = NextId(),
        };
        if (replayId is { } r)
        {
            message["ext"] = new Dictionary<string, object> { ["replay"] = new Dictionary<string, long> { [channel] = r } };
        }

        return Assert.Single(await SendAsync(message));
    }

    /// <summary>One /meta/connect; returns every message of the reply (events first, then the connect reply) and keeps the events.</summary>
    public async Task<JsonElement[]> ConnectAsync(bool immediate = false)
    {
        var message = new Dictionary<string, object?>
        {
            ["channel"] = "/meta/connect", ["clientId"] = ClientId, ["connectionType"] = "long-polling", ["id"] = NextId(),
        };
        if (immediate)
        {
            message["advice"] = new { timeout = 0 };
        }

        var replies = await SendAsync(message);
        Events.AddRange(replies.Where(r => !r.GetProperty("channel").GetString()!.StartsWith("/meta/", StringComparison.Ordinal)));
        return replies;
    }

    /// <summary>Connects until <paramref name="count"/> events have arrived in total, or fails after <paramref name="within"/>.</summary>
    public async Task<List<JsonElement>> ReceiveAsync(int count, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (Events.Count < count)
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"Expected {count} events, got {Events.Count}: {string.Join(", ", Events.Take(20))}");
            }

            var replies = await ConnectAsync();
            var connect = replies.Last();
            Assert.True(connect.GetProperty("successful").GetBoolean(), connect.ToString());
        }

        return Events;
    }

    public void Dispose() => _http.Dispose();
}
