using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Connector.Salesforce.Auth;
using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Streaming;

/// <summary>
/// A Bayeux (CometD) long-polling client for the Salesforce Streaming API: one client session carrying any
/// number of channel subscriptions. Create it with <see cref="StreamingClientFactory"/>, subscribe, then keep
/// <see cref="RunAsync"/> running (a BackgroundService's ExecuteAsync, typically).
/// <para>
/// Delivery is at-least-once with durable resume: handlers run one event at a time, in replay order, on the run
/// loop; the client saves the event's replay id to the <see cref="IReplayCheckpointStore"/> only after the handler
/// returned, and every new session (after 403::Unknown client, a lost connection, a silent stream, a renewed
/// token) subscribes again from those checkpoints. A handler that throws stops its subscription: the checkpoint
/// stays on the previous event, so subscribing again (or restarting) redelivers the failed one.
/// </para>
/// <para>
/// Handlers should finish a batch well within Salesforce's 40 s reconnect window; a slower one costs a
/// re-handshake (the server forgets the client), never an event. A channel without a checkpoint starts at -1
/// (or -2): events published before its first delivered event can be missed if the session is lost before then.
/// </para>
/// </summary>
public sealed class StreamingClient : IAsyncDisposable
{
    private static readonly Advice DefaultAdvice = new("retry", TimeSpan.Zero, TimeSpan.FromMilliseconds(110_000));
    private const int MaxConsecutiveAuthFailures = 3;

    private readonly BayeuxTransport _transport;
    private readonly IReplayCheckpointStore _checkpoints;
    private readonly TokenCache _tokens;
    private readonly StreamingClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, StreamingSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Channel<StreamingSignal> _signals = Channel.CreateBounded<StreamingSignal>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = false });

    private Session? _session;
    private long _nextId;
    private int _running;
    private int _handshakes;
    private int _authFailures;

    internal StreamingClient(BayeuxTransport transport, IReplayCheckpointStore checkpoints, TokenCache tokens, StreamingClientOptions options, TimeProvider time, ILogger log)
    {
        _transport = transport;
        _checkpoints = checkpoints;
        _tokens = tokens;
        _options = options;
        _time = time;
        _log = log;
    }

    /// <summary>Session-level happenings (handshakes, failures, silence, faulted subscriptions); oldest dropped past 1,024 unread.</summary>
    public ChannelReader<StreamingSignal> Signals => _signals.Reader;

    /// <summary>The current Bayeux client id (null between sessions).</summary>
    public string? ClientId => Volatile.Read(ref _session)?.ClientId;

    /// <summary>Successful handshakes so far.</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    /// <summary>Whether the current session's server advertised Salesforce's replay extension (ext.replay).</summary>
    public bool ReplaySupported => Volatile.Read(ref _session)?.ReplaySupported ?? false;

    public IReadOnlyCollection<StreamingSubscription> Subscriptions => _subscriptions.Values.ToList();

    /// <summary>
    /// Subscribes <paramref name="handler"/> to <paramref name="channel"/> from its stored checkpoint (else the
    /// configured -1/-2). The handler gets <see cref="StreamingEvent"/>s and the catch-up signals
    /// <see cref="GapDetected"/>, <see cref="Overflow"/> and <see cref="ReplayIdInvalid"/>; the checkpoint moves
    /// only after it returns. When a session is up the server's answer is awaited (a refused channel throws);
    /// otherwise the subscription is applied by <see cref="RunAsync"/> at its handshake (await <see cref="StreamingSubscription.Active"/>).
    /// </summary>
    public async Task<StreamingSubscription> SubscribeAsync(string channel, Func<StreamingMessage, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(channel);
        ArgumentNullException.ThrowIfNull(handler);
        if (!channel.StartsWith('/'))
        {
            throw new ArgumentException($"A channel starts with '/': {channel}", nameof(channel));
        }

        var checkpoint = await _checkpoints.GetAsync(channel, cancellationToken).ConfigureAwait(false);
        var subscription = new StreamingSubscription(this, channel, handler, checkpoint, checkpoint ?? _options.ReplayFromWithoutCheckpoint);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_subscriptions.TryAdd(channel, subscription))
            {
                throw new InvalidOperationException($"{channel} is already subscribed on this client; unsubscribe first.");
            }
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            await EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BayeuxTransportException or SessionLostException or HttpRequestException or SalesforceAuthException)
        {
            // The run loop re-applies pending subscriptions once its session is healthy again.
            Log.SubscribeDeferred(_log, channel, e.Message);
        }

        if (subscription.Completion is { IsFaulted: true } failed)
        {
            throw failed.Exception!.InnerException!;
        }

        return subscription;
    }

    /// <summary>Stops delivery for the subscription and tells the server (best effort).</summary>
    internal async Task UnsubscribeAsync(StreamingSubscription subscription, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_subscriptions.TryRemove(new KeyValuePair<string, StreamingSubscription>(subscription.Channel, subscription)))
            {
                return;
            }

            subscription.Close(null);
            if (Volatile.Read(ref _session) is { } session && subscription.IsConfirmedOn(session))
            {
                await SendUnsubscribeAsync(session, subscription.Channel, cancellationToken).ConfigureAwait(false);
            }

            Log.Unsubscribed(_log, subscription.Channel);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Handshakes, subscribes and long-polls until <paramref name="cancellationToken"/> fires (then disconnects
    /// and returns) or the server ends the stream for good (advice reconnect "none", repeated authentication
    /// refusals): then throws <see cref="StreamingException"/>. Failures in between are retried with jittered
    /// exponential backoff and reported on <see cref="Signals"/>.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("This streaming client is already running.");
        }

        var failures = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var delay = TimeSpan.Zero;
                try
                {
                    var session = Volatile.Read(ref _session) ?? await HandshakeAsync(cancellationToken).ConfigureAwait(false);
                    await EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);
                    var reply = await ConnectAsync(session, cancellationToken).ConfigureAwait(false);
                    if (IsSuccessful(reply))
                    {
                        session.Advice = session.Advice.Merge(reply);
                        failures = 0;
                        _authFailures = 0;
                        delay = session.Advice.Interval;
                    }
                    else
                    {
                        failures++;
                        delay = await OnConnectErrorAsync(session, reply, failures, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (SessionLostException e)
                {
                    failures++;
                    Abandon(e.Reason);
                    delay = failures > 1 ? Backoff(failures - 1) : TimeSpan.Zero;
                }
                catch (StreamSilentException e)
                {
                    failures++;
                    Log.StreamSilent(_log, e.Window.TotalSeconds, ClientId);
                    Signal(new StreamSilent(e.Window));
                    Abandon(RehandshakeReason.Silent);
                    delay = failures > 1 ? Backoff(failures - 1) : TimeSpan.Zero;
                }
                catch (Exception e) when (e is BayeuxTransportException or HttpRequestException or SalesforceAuthException && !cancellationToken.IsCancellationRequested)
                {
                    // Also token-endpoint failures while renewing: the same backoff, the stream resumes when login works.
                    failures++;
                    delay = Backoff(failures);
                    Log.ConnectionFailed(_log, failures, delay.TotalMilliseconds, e.Message);
                    Signal(new ConnectionFailed(failures, delay, e.Message));
                    if (Volatile.Read(ref _session) is not null)
                    {
                        // The lost answer may have carried events: only a new session resuming from the checkpoints is sure to lose none.
                        Abandon(RehandshakeReason.ConnectionLost);
                    }
                }

                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Asked to stop.
        }
        finally
        {
            await DisconnectAsync().ConfigureAwait(false);
            Volatile.Write(ref _running, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _running) == 0)
        {
            await DisconnectAsync().ConfigureAwait(false);
        }

        _signals.Writer.TryComplete();
    }

    private async Task<Session> HandshakeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var message = new JsonObject
            {
                ["channel"] = "/meta/handshake",
                ["version"] = "1.0",
                ["minimumVersion"] = "1.0",
                ["supportedConnectionTypes"] = new JsonArray("long-polling"),
                ["id"] = NextId(),
                ["ext"] = new JsonObject { ["replay"] = true },
            };
            var replies = await _transport.SendAsync([message], _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            var reply = FindReply(replies, "/meta/handshake", message)
                ?? throw new BayeuxTransportException("the handshake got no /meta/handshake reply");
            if (IsSuccessful(reply))
            {
                var clientId = Str(reply, "clientId") ?? throw new BayeuxTransportException("the handshake reply has no clientId");
                var replay = reply.TryGetProperty("ext", out var ext) && ext.ValueKind == JsonValueKind.Object
                    && ext.TryGetProperty("replay", out var r) && r.ValueKind == JsonValueKind.True;
                var session = new Session(clientId, replay, DefaultAdvice.Merge(reply));
                Volatile.Write(ref _session, session);
                var count = Interlocked.Increment(ref _handshakes);
                Log.Handshaken(_log, clientId, replay, count);
                Signal(new SessionStarted(clientId, replay, count));
                return session;
            }

            var error = Str(reply, "error") ?? string.Empty;
            var reason = reply.TryGetProperty("ext", out var x) && x.ValueKind == JsonValueKind.Object
                && x.TryGetProperty("sfdc", out var sfdc) && sfdc.ValueKind == JsonValueKind.Object ? Str(sfdc, "failureReason") : null;
            if (IsAuthError(error) || IsAuthError(reason) || error.StartsWith("403::Handshake denied", StringComparison.Ordinal))
            {
                await RenewTokenAsync(error, cancellationToken).ConfigureAwait(false);
                throw new SessionLostException(RehandshakeReason.Authentication);
            }

            if (ReconnectAdvice(reply) == "none")
            {
                Log.StoppedByServer(_log, error);
                throw new StreamingException($"The streaming server refused the handshake: {error}", error);
            }

            throw new BayeuxTransportException($"handshake refused: {error}");
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Subscribes every registered subscription the current session has not confirmed yet. A refused replay id
    /// becomes a <see cref="ReplayIdInvalid"/> for the handler, delivered outside the gate (the handler may call
    /// back into the client) before the channel is subscribed again from the fallback.
    /// </summary>
    private async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        for (var round = 0; round < 4; round++)
        {
            List<StreamingSubscription> refused;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _session) is not { } session)
                {
                    return;
                }

                var due = _subscriptions.Values.Where(s => !s.IsClosed && s.PendingSignal is null && !s.IsConfirmedOn(session)).ToList();
                refused = due.Count == 0 ? [] : await SubscribeOnServerAsync(session, due, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }

            foreach (var subscription in _subscriptions.Values.ToList())
            {
                if (subscription.TakePendingSignal() is { } signal)
                {
                    await DeliverAsync(subscription, signal, cancellationToken).ConfigureAwait(false);
                }
            }

            if (refused.Count == 0)
            {
                return;
            }
        }
    }

    /// <summary>Sends one subscribe per subscription in one request; returns those whose replay id was refused (caller holds the gate).</summary>
    private async Task<List<StreamingSubscription>> SubscribeOnServerAsync(Session session, List<StreamingSubscription> due, CancellationToken cancellationToken)
    {
        var messages = due.Select(s =>
        {
            var m = new JsonObject
            {
                ["channel"] = "/meta/subscribe",
                ["clientId"] = session.ClientId,
                ["subscription"] = s.Channel,
                ["id"] = NextId(),
            };
            if (session.ReplaySupported)
            {
                // Only servers that advertised the replay extension get the map (as EMP and jsforce do).
                m["ext"] = new JsonObject { ["replay"] = new JsonObject { [s.Channel] = s.ResumeFrom } };
            }

            return m;
        }).ToList();
        var replies = await _transport.SendAsync(messages, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);

        var refused = new List<StreamingSubscription>();
        for (var i = 0; i < due.Count; i++)
        {
            var s = due[i];
            var reply = FindReply(replies, "/meta/subscribe", messages[i], s.Channel)
                ?? throw new BayeuxTransportException($"no reply to the subscription of {s.Channel}");
            if (IsSuccessful(reply))
            {
                s.Confirm(session);
                Log.Subscribed(_log, s.Channel, session.ReplaySupported ? s.ResumeFrom : null, session.ClientId);
                continue;
            }

            var error = Str(reply, "error") ?? string.Empty;
            if (StreamingEventParser.TryParseInvalidReplayId(error, out var replayId))
            {
                var fallback = _options.ReplayFromAfterInvalidReplayId;
                Log.ReplayIdInvalid(_log, s.Channel, replayId, fallback);
                s.ResumeFrom = fallback;
                s.SetPendingSignal(new ReplayIdInvalid(s.Channel, replayId, fallback));
                refused.Add(s);
            }
            else if (IsUnknownClient(error))
            {
                throw new SessionLostException(RehandshakeReason.UnknownClient);
            }
            else if (IsAuthError(error))
            {
                await RenewTokenAsync(error, cancellationToken).ConfigureAwait(false);
                throw new SessionLostException(RehandshakeReason.Authentication);
            }
            else
            {
                Log.SubscribeRefused(_log, s.Channel, error);
                Fault(s, null, new StreamingException($"Subscribing to {s.Channel} was refused: {error}", error));
            }
        }

        return refused;
    }

    /// <summary>Sends /meta/connect, delivers the events that came back, and returns the connect reply.</summary>
    private async Task<JsonElement> ConnectAsync(Session session, CancellationToken cancellationToken)
    {
        var message = new JsonObject
        {
            ["channel"] = "/meta/connect",
            ["clientId"] = session.ClientId,
            ["connectionType"] = "long-polling",
            ["id"] = NextId(),
        };

        // The watchdog: a held poll is answered by advice.timeout at the latest; past that plus the grace the
        // stream has gone silent without telling us (dead proxy, half-open socket), so start over.
        var window = session.Advice.Timeout + _options.SilenceGrace;
        if (_options.HeartbeatWindow is { } heartbeat && heartbeat < window)
        {
            window = heartbeat;
        }

        IReadOnlyList<JsonElement> replies;
        try
        {
            replies = await _transport.SendAsync([message], window, cancellationToken).ConfigureAwait(false);
        }
        catch (BayeuxTransportException e) when (e.TimedOut)
        {
            throw new StreamSilentException(window);
        }

        // Route this batch by the subscriptions registered now: its events came from those server-side
        // subscriptions. A channel re-subscribed while the batch is handled (after its handler failed) gets its
        // events from its own subscription, from its checkpoint, not the rest of the failed one's batch.
        var routes = new Dictionary<string, StreamingSubscription>(_subscriptions, StringComparer.Ordinal);
        JsonElement? connectReply = null;
        foreach (var reply in replies)
        {
            var channel = Str(reply, "channel") ?? string.Empty;
            if (channel.StartsWith("/meta/", StringComparison.Ordinal))
            {
                if (channel == "/meta/connect")
                {
                    connectReply = reply;
                }

                continue;
            }

            if (!routes.TryGetValue(channel, out var subscription) || subscription.IsClosed)
            {
                Log.EventIgnored(_log, channel);
                continue;
            }

            await DeliverAsync(subscription, StreamingEventParser.Parse(reply), cancellationToken).ConfigureAwait(false);
        }

        return connectReply ?? throw new BayeuxTransportException("the connect got no /meta/connect reply");
    }

    private async Task<TimeSpan> OnConnectErrorAsync(Session session, JsonElement reply, int failures, CancellationToken cancellationToken)
    {
        var error = Str(reply, "error") ?? string.Empty;
        if (IsAuthError(error))
        {
            await RenewTokenAsync(error, cancellationToken).ConfigureAwait(false);
            throw new SessionLostException(RehandshakeReason.Authentication);
        }

        // Salesforce answers an expired client with 403::Unknown client, advice "handshake" or even "none":
        // either way a new handshake resuming from the checkpoints is the documented reaction.
        if (IsUnknownClient(error))
        {
            throw new SessionLostException(RehandshakeReason.UnknownClient);
        }

        switch (ReconnectAdvice(reply))
        {
            case "handshake":
                throw new SessionLostException(RehandshakeReason.ServerAdvice);
            case "none":
                Log.StoppedByServer(_log, error);
                throw new StreamingException($"The streaming server ended the stream: {error}", error);
            default:
                // "retry" or no advice (e.g. 403::Organization total events daily limit exceeded): same session, back off.
                session.Advice = session.Advice.Merge(reply);
                var delay = session.Advice.Interval + Backoff(failures);
                Log.ConnectionFailed(_log, failures, delay.TotalMilliseconds, error);
                Signal(new ConnectionFailed(failures, delay, error));
                return delay;
        }
    }

    /// <summary>Runs the handler, then saves the checkpoint; a failure in either stops the subscription (see Completion).</summary>
    private async Task DeliverAsync(StreamingSubscription subscription, StreamingMessage message, CancellationToken cancellationToken)
    {
        var replayId = message switch
        {
            StreamingEvent e => e.ReplayId,
            GapDetected g => g.Event.ReplayId,
            Overflow o => o.Event.ReplayId,
            _ => null,
        };
        switch (message)
        {
            case GapDetected gap:
                Log.GapDetected(_log, subscription.Channel, gap.Entity, gap.ChangeType, gap.RecordIds.Count, replayId);
                break;
            case Overflow overflow:
                Log.Overflow(_log, subscription.Channel, overflow.Entity, replayId);
                break;
        }

        try
        {
            await subscription.Handler(message, cancellationToken).ConfigureAwait(false);
            if (replayId is { } id)
            {
                await _checkpoints.SaveAsync(subscription.Channel, id, cancellationToken).ConfigureAwait(false);
                subscription.Checkpointed(id);
                Log.Checkpointed(_log, subscription.Channel, id);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_log, subscription.Channel, replayId, e);

            // Unsubscribe before the failure is visible: a caller reacting to it by subscribing again must not
            // have its new server-side subscription removed by this unsubscribe arriving late.
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _subscriptions.TryRemove(new KeyValuePair<string, StreamingSubscription>(subscription.Channel, subscription));
                if (Volatile.Read(ref _session) is { } session && subscription.IsConfirmedOn(session))
                {
                    await SendUnsubscribeAsync(session, subscription.Channel, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }

            Fault(subscription, replayId, new StreamingHandlerException(subscription.Channel, replayId, e));
        }
    }

    private void Fault(StreamingSubscription subscription, long? replayId, Exception error)
    {
        _subscriptions.TryRemove(new KeyValuePair<string, StreamingSubscription>(subscription.Channel, subscription));
        subscription.Close(error);
        Signal(new SubscriptionFaulted(subscription.Channel, replayId, error));
    }

    private async Task SendUnsubscribeAsync(Session session, string channel, CancellationToken cancellationToken)
    {
        var message = new JsonObject
        {
            ["channel"] = "/meta/unsubscribe",
            ["clientId"] = session.ClientId,
            ["subscription"] = channel,
            ["id"] = NextId(),
        };
        try
        {
            await _transport.SendAsync([message], _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (BayeuxTransportException e)
        {
            // The server forgets it with the session anyway; the client already drops the channel's events.
            Log.UnsubscribeFailed(_log, channel, e.Message);
        }
    }

    private async Task DisconnectAsync()
    {
        if (Interlocked.Exchange(ref _session, null) is not { } session)
        {
            return;
        }

        var message = new JsonObject { ["channel"] = "/meta/disconnect", ["clientId"] = session.ClientId, ["id"] = NextId() };
        try
        {
            // Frees the server-side client now rather than after its 40 s expiry (it counts against the org's concurrent clients).
            await _transport.SendAsync([message], TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            Log.Disconnected(_log, session.ClientId);
        }
        catch (Exception e) when (e is BayeuxTransportException or HttpRequestException or SalesforceAuthException)
        {
            Log.DisconnectFailed(_log, session.ClientId, e.Message);
        }
    }

    private async Task RenewTokenAsync(string error, CancellationToken cancellationToken)
    {
        if (++_authFailures > MaxConsecutiveAuthFailures)
        {
            Log.StoppedByServer(_log, error);
            throw new StreamingException($"The streaming server keeps refusing fresh sessions: {error}", error);
        }

        Log.RenewingToken(_log, error, ClientId);
        await _tokens.RenewAsync(_transport.LastToken, cancellationToken).ConfigureAwait(false);
    }

    private void Abandon(RehandshakeReason reason)
    {
        var old = Interlocked.Exchange(ref _session, null);
        Log.Rehandshaking(_log, reason, old?.ClientId);
        Signal(new Rehandshaking(reason));
    }

    private void Signal(StreamingSignal signal) => _signals.Writer.TryWrite(signal);

    private TimeSpan Backoff(int attempt) => StreamingBackoff.Delay(attempt, _options.InitialBackoff, _options.MaxBackoff, Random.Shared.NextDouble());

    private string NextId() => Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static JsonElement? FindReply(IReadOnlyList<JsonElement> replies, string channel, JsonObject request, string? subscription = null)
    {
        var id = request["id"]!.GetValue<string>();
        JsonElement? byChannel = null;
        foreach (var reply in replies)
        {
            if (Str(reply, "channel") != channel)
            {
                continue;
            }

            // Ids are echoed as sent (strings); some servers echo numbers.
            if (reply.TryGetProperty("id", out var rid) && (rid.ValueKind == JsonValueKind.String ? rid.GetString() : rid.ToString()) == id)
            {
                return reply;
            }

            if (subscription is null || Str(reply, "subscription") == subscription)
            {
                byChannel ??= reply;
            }
        }

        return byChannel;
    }

    private static bool IsSuccessful(JsonElement reply) =>
        reply.TryGetProperty("successful", out var s) && s.ValueKind == JsonValueKind.True;

    private static string? ReconnectAdvice(JsonElement reply) =>
        reply.TryGetProperty("advice", out var a) && a.ValueKind == JsonValueKind.Object ? Str(a, "reconnect") : null;

    /// <summary>"401::Authentication invalid", "401::Request requires authentication" (not faye's "401:id:Unknown client").</summary>
    private static bool IsAuthError(string? error) => error is not null && error.StartsWith("401::", StringComparison.Ordinal) && !IsUnknownClient(error);

    /// <summary>
    /// Salesforce says "403::Unknown client"; plain CometD servers use 402 and faye "401:{clientId}:Unknown client"
    /// for the same condition: the server no longer knows the session.
    /// </summary>
    private static bool IsUnknownClient(string error) =>
        error.Contains("Unknown client", StringComparison.OrdinalIgnoreCase) || error.StartsWith("402:", StringComparison.Ordinal);

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>One Bayeux session (handshake to its loss); identity matters: subscriptions are confirmed per session.</summary>
    private sealed class Session(string clientId, bool replaySupported, Advice advice)
    {
        public string ClientId { get; } = clientId;
        public bool ReplaySupported { get; } = replaySupported;
        public Advice Advice { get; set; } = advice;
    }

    private sealed record Advice(string Reconnect, TimeSpan Interval, TimeSpan Timeout)
    {
        /// <summary>The reply's advice over this one: servers send only what changed (later connects carry none).</summary>
        public Advice Merge(JsonElement reply)
        {
            if (!reply.TryGetProperty("advice", out var a) || a.ValueKind != JsonValueKind.Object)
            {
                return this;
            }

            return new Advice(
                Str(a, "reconnect") ?? Reconnect,
                a.TryGetProperty("interval", out var i) && i.TryGetInt64(out var ms) && ms >= 0 ? TimeSpan.FromMilliseconds(ms) : Interval,
                a.TryGetProperty("timeout", out var t) && t.TryGetInt64(out var tms) && tms > 0 ? TimeSpan.FromMilliseconds(tms) : Timeout);
        }
    }

    private sealed class SessionLostException(RehandshakeReason reason) : Exception($"session lost ({reason})")
    {
        public RehandshakeReason Reason { get; } = reason;
    }

    private sealed class StreamSilentException(TimeSpan window) : Exception("stream silent")
    {
        public TimeSpan Window { get; } = window;
    }
}
