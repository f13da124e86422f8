using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Connector.SalesforceEmulator.Tour;

/// <summary>
/// Just enough of a CometD long-polling client for the tour to show change events arriving: handshake,
/// subscribe with the replay extension, and a connect loop. (The connector's real client is its own project.)
/// </summary>
internal sealed class BayeuxProbe : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Threading.Channels.Channel<JsonElement> _events = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
    private string _clientId = string.Empty;
    private Task? _loop;

    private BayeuxProbe(HttpClient http, string path)
    {
        _http = http;
        _path = path;
    }

    public static async Task<BayeuxProbe> SubscribeAsync(Uri baseUrl, string accessToken, string channel, CancellationToken cancellationToken)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        var probe = new BayeuxProbe(http, "/cometd/62.0");
        var handshake = await probe.SendAsync(new JsonObject
        {
            ["channel"] = "/meta/handshake", ["version"] = "1.0", ["minimumVersion"] = "1.0",
            ["supportedConnectionTypes"] = new JsonArray("long-polling"), ["ext"] = new JsonObject { ["replay"] = true },
        }, cancellationToken);
        probe._clientId = handshake[0].GetProperty("clientId").GetString()!;
        var subscribe = await probe.SendAsync(new JsonObject
        {
            ["channel"] = "/meta/subscribe", ["clientId"] = probe._clientId, ["subscription"] = channel,
            ["ext"] = new JsonObject { ["replay"] = new JsonObject { [channel] = -1 } },
        }, cancellationToken);
        if (!subscribe[0].GetProperty("successful").GetBoolean())
        {
            throw new InvalidOperationException($"Subscribe to {channel} failed: {subscribe[0].GetProperty("error").GetString()}");
        }

        probe._loop = probe.ConnectLoopAsync();
        return probe;
    }

    /// <summary>The next event on the channel, or null if none arrives within <paramref name="timeout"/>.</summary>
    public async Task<JsonElement?> NextAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            return await _events.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task ConnectLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var messages = await SendAsync(new JsonObject { ["channel"] = "/meta/connect", ["clientId"] = _clientId, ["connectionType"] = "long-polling" }, _stop.Token);
                foreach (var m in messages.EnumerateArray().Where(m => !m.GetProperty("channel").GetString()!.StartsWith("/meta/", StringComparison.Ordinal)))
                {
                    await _events.Writer.WriteAsync(m.Clone(), _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<JsonElement> SendAsync(JsonObject message, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(_path, new JsonArray(message), cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
        _http.Dispose();
    }
}
