using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Faults;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Rest;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Streaming;

/// <summary>
/// Bayeux over HTTP long-polling as Salesforce serves it at /cometd/NN.0 (fact sheet §4): a POST carries a
/// JSON array of messages (handshake, connect, subscribe, unsubscribe, disconnect) and gets an array back;
/// events ride in /meta/connect replies. Errors use Salesforce's strings and advice.
/// </summary>
internal sealed class BayeuxProtocol
{
    public const string BrowserCookie = "BAYEUX_BROWSER";
    public const int MaxRequestBytes = 32_768;
    private const int MinStreamingVersion = 37;
    private readonly StreamingHub _hub;
    private readonly TokenStore _tokens;
    private readonly FaultInjector _faults;
    private readonly EmulatorOptions _options;
    private readonly StreamingOptions _streaming;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;

    public BayeuxProtocol(StreamingHub hub, TokenStore tokens, FaultInjector faults, IOptions<EmulatorOptions> options,
        IOptions<StreamingOptions> streaming, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        _hub = hub;
        _tokens = tokens;
        _faults = faults;
        _options = options.Value;
        _streaming = streaming.Value;
        _time = time;
        _lifetime = lifetime;
    }

    private long AdviceTimeoutMs => (long)_options.StreamingPollTimeout.TotalMilliseconds;

    public async Task HandleAsync(HttpContext http, string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            await WriteHttpErrorAsync(http, 400, "API version in the URI is mandatory. URI format: '/cometd/67.0'");
            return;
        }

        if (!decimal.TryParse(version, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) || v < MinStreamingVersion)
        {
            await WriteHttpErrorAsync(http, 400, "Unsupported API version. Only API versions '37.0' and later are supported.");
            return;
        }

        if (!HttpMethods.IsPost(http.Request.Method))
        {
            // Salesforce streams over long-polling only: a WebSocket probe (faye sends one) must fail so the client falls back.
            await WriteHttpErrorAsync(http, 400, "Invalid connection type websocket");
            return;
        }

        if (http.Request.ContentLength > MaxRequestBytes)
        {
            http.Response.StatusCode = 413;
            await http.Response.WriteAsync("Maximum Request Size Exceeded", http.RequestAborted);
            return;
        }

        var body = await ReadBodyAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            http.Response.StatusCode = 413;
            await http.Response.WriteAsync("Maximum Request Size Exceeded", http.RequestAborted);
            return;
        }

        List<JsonObject> messages;
        try
        {
            messages = ParseMessages(body);
        }
        catch (JsonException)
        {
            await WriteHttpErrorAsync(http, 400, "400::Invalid JSON message");
            return;
        }

        var hasBrowser = http.Request.Cookies.ContainsKey(BrowserCookie);
        if (!hasBrowser && messages.FirstOrDefault(m => Channel(m) != "/meta/handshake" && _hub.IsKnownClient(ClientId(m))) is { } orphan)
        {
            await WriteRepliesAsync(http, 400, [Error(orphan, $"Client {ClientId(orphan)} has established a session, but no {BrowserCookie} cookie present")]);
            return;
        }

        var token = RestPipeline.BearerToken(http.Request);
        var session = _tokens.Validate(token);
        var replies = new List<Reply>();
        var handshaken = false;
        (JsonObject Message, BayeuxClient Client, JsonObject Reply, bool Hold)? connect = null;
        foreach (var m in messages)
        {
            var channel = Channel(m);
            if (channel == "/meta/handshake")
            {
                var reply = Handshake(m, session);
                handshaken |= reply["successful"]?.GetValue<bool>() == true;
                replies.Add(new Reply(reply));
                continue;
            }

            if (session is null)
            {
                var error = token is null ? "401::Request requires authentication" : "401::Authentication invalid";
                var reply = Error(m, error);
                reply["advice"] = new JsonObject { ["reconnect"] = "none", ["interval"] = 0 };
                replies.Add(new Reply(reply));
                continue;
            }

            var client = _hub.FindClient(ClientId(m));
            if (client is null)
            {
                replies.Add(new Reply(UnknownClient(m)));
                continue;
            }

            Touch(client);
            switch (channel)
            {
                case "/meta/connect" when connect is null:
                    connect = Connect(m, client);
                    break;
                case "/meta/connect":
                    replies.Add(new Reply(Connect(m, client).Reply));
                    break;
                case "/meta/subscribe":
                    replies.AddRange(Subscribe(m, client).Select(r => new Reply(r)));
                    break;
                case "/meta/unsubscribe":
                    replies.Add(new Reply(Unsubscribe(m, client)));
                    break;
                case "/meta/disconnect":
                    _hub.Forget(client, "disconnect");
                    replies.Add(new Reply(Success(m, client)));
                    break;
                default:
                    replies.Add(new Reply(Error(m, "403::Publish denied")));
                    break;
            }
        }

        if (handshaken && !hasBrowser)
        {
            http.Response.Cookies.Append(BrowserCookie, System.Security.Cryptography.RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 25),
                new CookieOptions { Path = "/", HttpOnly = true, IsEssential = true });
        }

        if (connect is { } c)
        {
            var events = await PollAsync(c.Client, c.Hold, http.RequestAborted);
            if (events is null)
            {
                // The client was forgotten while its connect was held (disconnect elsewhere, forget-clients).
                replies.Add(new Reply(UnknownClient(c.Message)));
            }
            else
            {
                if (_faults.ShouldDropStreamingConnection())
                {
                    // As when a load balancer cuts the poll: the session is gone, so the client must handshake
                    // again and resume from its last stored replayId.
                    _hub.Forget(c.Client, "dropped connection");
                    http.Abort();
                    return;
                }

                replies.AddRange(events.Select(e => new Reply(null, e.Channel, e.Event, c.Client.Id)));
                replies.Add(new Reply(c.Reply));
            }
        }

        await WriteRepliesAsync(http, 200, replies);
    }

    private JsonObject Handshake(JsonObject m, ApiSession? session)
    {
        if (session is null)
        {
            return new JsonObject
            {
                ["ext"] = new JsonObject { ["sfdc"] = new JsonObject { ["failureReason"] = "401::Authentication invalid" } },
                ["advice"] = new JsonObject { ["reconnect"] = "none" },
                ["channel"] = "/meta/handshake",
                ["id"] = m["id"]?.DeepClone(),
                ["error"] = "403::Handshake denied",
                ["successful"] = false,
            };
        }

        var client = _hub.AddClient(session.UserId);
        return new JsonObject
        {
            ["ext"] = new JsonObject { ["replay"] = true, ["payload.format"] = true },
            ["minimumVersion"] = "1.0",
            ["clientId"] = client.Id,
            ["supportedConnectionTypes"] = new JsonArray("long-polling"),
            ["channel"] = "/meta/handshake",
            ["id"] = m["id"]?.DeepClone(),
            ["version"] = "1.0",
            ["successful"] = true,
            ["advice"] = RetryAdvice(),
        };
    }

    private (JsonObject Message, BayeuxClient Client, JsonObject Reply, bool Hold) Connect(JsonObject m, BayeuxClient client)
    {
        if (m["connectionType"]?.GetValue<string>() is { } type && type != "long-polling")
        {
            return (m, client, Error(m, $"400::Invalid connection type {type}"), false);
        }

        var reply = Success(m, client);
        bool first;
        lock (client.Gate)
        {
            first = !client.Connected;
            client.Connected = true;
        }

        // Real captures: only the first connect after a handshake carries advice; later replies are bare.
        if (first)
        {
            reply["advice"] = RetryAdvice();
        }

        var immediate = m["advice"]?["timeout"] is JsonValue t && t.TryGetValue<long>(out var ms) && ms == 0;
        return (m, client, reply, !immediate);
    }

    private List<JsonObject> Subscribe(JsonObject m, BayeuxClient client)
    {
        var channels = m["subscription"] switch
        {
            JsonArray a => a.Select(x => x?.GetValue<string>() ?? string.Empty).ToList(),
            JsonValue s => [s.GetValue<string>()],
            _ => [string.Empty],
        };
        var replay = m["ext"]?["replay"] as JsonObject;
        var replies = new List<JsonObject>();
        foreach (var channel in channels)
        {
            JsonObject Fail(string error)
            {
                var r = Error(m, error, client.Id);
                r["subscription"] = channel;
                return r;
            }

            if (_hub.Resolve(channel) is not { } binding)
            {
                replies.Add(Fail($"400::The channel you requested to subscribe to doesn't exist {{{channel}}}"));
                continue;
            }

            long requested = -1;
            if (replay?[channel] is JsonValue value && !value.TryGetValue(out requested))
            {
                requested = value.TryGetValue<double>(out var d) ? (long)d : long.MinValue;
            }

            long cursor;
            if (requested == -1)
            {
                cursor = binding.Stream.Tip;
            }
            else if (requested == -2)
            {
                cursor = binding.Stream.DroppedThrough;
            }
            else if (requested >= 0 && binding.Stream.IsValidReplayId(requested))
            {
                cursor = requested;
            }
            else
            {
                replies.Add(Fail($"400::The replayId {{{requested}}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events."));
                continue;
            }

            lock (client.Gate)
            {
                client.Subscriptions.RemoveAll(s => s.Channel == channel);
                client.Subscriptions.Add(new Subscription(channel, binding, cursor));
            }

            var ok = Success(m, client);
            ok["subscription"] = channel;
            replies.Add(ok);
        }

        // A connect held elsewhere delivers replayed history at once.
        client.Wake();
        return replies;
    }

    private static JsonObject Unsubscribe(JsonObject m, BayeuxClient client)
    {
        var channel = m["subscription"]?.GetValue<string>() ?? string.Empty;
        lock (client.Gate)
        {
            client.Subscriptions.RemoveAll(s => s.Channel == channel);
        }

        var reply = Success(m, client);
        reply["subscription"] = channel;
        return reply;
    }

    /// <summary>Holds a connect until events arrive or the poll timeout passes; null when the client was forgotten meanwhile.</summary>
    private async Task<List<(string Channel, StreamEvent Event)>?> PollAsync(BayeuxClient client, bool hold, CancellationToken requestAborted)
    {
        long generation;
        lock (client.Gate)
        {
            generation = ++client.PollGeneration;
            client.ActivePolls++;
        }

        // A newer connect answers the older one at once, as CometD servers do.
        client.Wake();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _lifetime.ApplicationStopping);
        var started = _time.GetTimestamp();
        try
        {
            while (true)
            {
                var wake = client.WakeTask;
                List<(string, StreamEvent)> events;
                lock (client.Gate)
                {
                    if (client.Gone)
                    {
                        return null;
                    }

                    events = Collect(client);
                    if (events.Count > 0 || !hold || client.PollGeneration != generation)
                    {
                        return events;
                    }
                }

                var remaining = _options.StreamingPollTimeout - _time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return events;
                }

                try
                {
                    await wake.WaitAsync(remaining, _time, stop.Token);
                }
                catch (TimeoutException)
                {
                    // Nothing happened during the poll: the next pass finds no events and answers.
                }
                catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
                {
                    // Shutting down: answer now so the client reconnects elsewhere.
                    hold = false;
                }
            }
        }
        finally
        {
            lock (client.Gate)
            {
                client.ActivePolls--;
                client.LastSeen = _time.GetUtcNow();
            }
        }
    }

    /// <summary>Takes the next batch of events for every subscription, advancing the cursors (caller holds the client's gate).</summary>
    private List<(string Channel, StreamEvent Event)> Collect(BayeuxClient client)
    {
        var events = new List<(string, StreamEvent)>();
        var budget = _streaming.MaxEventsPerConnect;
        var batch = new List<StreamEvent>();
        foreach (var s in client.Subscriptions)
        {
            if (budget <= 0)
            {
                break;
            }

            batch.Clear();
            s.Cursor = s.Binding.Stream.Read(s.Cursor, s.Binding.Entity, budget, batch);
            budget -= batch.Count;
            if (batch.Count > 0)
            {
                _hub.CountDelivered(s.Channel, batch.Count);
                events.AddRange(batch.Select(e => (s.Channel, e)));
            }
        }

        return events;
    }

    private void Touch(BayeuxClient client)
    {
        lock (client.Gate)
        {
            client.LastSeen = _time.GetUtcNow();
        }
    }

    private JsonObject RetryAdvice() => new() { ["interval"] = 0, ["timeout"] = AdviceTimeoutMs, ["reconnect"] = "retry" };

    private static JsonObject UnknownClient(JsonObject m) => new()
    {
        ["advice"] = new JsonObject { ["interval"] = 0, ["reconnect"] = "handshake" },
        ["channel"] = Channel(m),
        ["id"] = m["id"]?.DeepClone(),
        ["error"] = "403::Unknown client",
        ["successful"] = false,
    };

    private static JsonObject Success(JsonObject m, BayeuxClient client) => new()
    {
        ["clientId"] = client.Id,
        ["channel"] = Channel(m),
        ["id"] = m["id"]?.DeepClone(),
        ["successful"] = true,
    };

    private static JsonObject Error(JsonObject m, string error, string? clientId = null)
    {
        var reply = new JsonObject();
        if ((clientId ?? ClientId(m)) is { } id)
        {
            reply["clientId"] = id;
        }

        reply["channel"] = Channel(m);
        reply["id"] = m["id"]?.DeepClone();
        reply["error"] = error;
        reply["successful"] = false;
        return reply;
    }

    private static string Channel(JsonObject m) => m["channel"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : string.Empty;

    private static string? ClientId(JsonObject m) => m["clientId"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static List<JsonObject> ParseMessages(byte[] body)
    {
        var node = JsonNode.Parse(body);
        return node switch
        {
            JsonArray array => array.OfType<JsonObject>().ToList(),
            JsonObject single => [single],
            _ => throw new JsonException("A Bayeux request is a message or an array of messages."),
        };
    }

    /// <summary>The body, or null when it exceeds the 32 KB Salesforce accepts (chunked bodies have no Content-Length).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxRequestBytes)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    private static Task WriteHttpErrorAsync(HttpContext http, int status, string error) =>
        WriteRepliesAsync(http, status, [new JsonObject { ["error"] = error, ["successful"] = false }]);

    private static Task WriteRepliesAsync(HttpContext http, int status, IEnumerable<JsonObject> replies) =>
        WriteRepliesAsync(http, status, replies.Select(r => new Reply(r)).ToList());

    private static async Task WriteRepliesAsync(HttpContext http, int status, List<Reply> replies)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var r in replies)
            {
                if (r.Meta is not null)
                {
                    r.Meta.WriteTo(w);
                    continue;
                }

                w.WriteStartObject();
                w.WriteString("clientId", r.ClientId);
                w.WriteString("channel", r.Channel);
                w.WritePropertyName("data");
                w.WriteRawValue(r.Event!.Data.Span, skipInputValidation: true);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json;charset=UTF-8";
        http.Response.ContentLength = buffer.WrittenCount;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
    }

    /// <summary>One element of the reply array: a meta message, or an event on a subscribed channel.</summary>
    private sealed record Reply(JsonObject? Meta, string? Channel = null, StreamEvent? Event = null, string? ClientId = null);
}
