using System.Collections.Concurrent;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Faults;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Schema;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Streaming;

/// <summary>
/// The org's event bus for the Streaming API: turns committed changes into CDC, platform event and PushTopic
/// events, keeps them replayable for the retention window, and tracks the Bayeux clients reading them.
/// </summary>
public sealed partial class StreamingHub : IOrgChangeListener
{
    private const string PushTopicObject = "PushTopic";
    private readonly TimeProvider _time;
    private readonly EmulatorOptions _options;
    private readonly StreamingOptions _streaming;
    private readonly FaultInjector _faults;
    private readonly OrgSchema _schema;
    private readonly ILogger<StreamingHub> _logger;
    private readonly Dictionary<string, SObjectSchema> _cdcChannels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EventStream> _platformStreams = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EventStream> _topicStreams = new(StringComparer.Ordinal);
    private readonly Lock _topicsLock = new();
    private readonly Dictionary<string, PushTopicDefinition> _pushTopics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BayeuxClient> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _delivered = new(StringComparer.Ordinal);

    public StreamingHub(TimeProvider time, IOptions<EmulatorOptions> options, IOptions<StreamingOptions> streaming, FaultInjector faults, OrgSchema schema, ILogger<StreamingHub> logger)
    {
        _time = time;
        _options = options.Value;
        _streaming = streaming.Value;
        _faults = faults;
        _schema = schema;
        _logger = logger;
        Cdc = new EventStream("/data", time, _options.CdcRetention, _streaming.MaxRetainedEventsPerStream);
        foreach (var o in schema.Objects.Where(o => o.ChangeDataCapture && o.Kind == SObjectKind.Entity))
        {
            _cdcChannels["/data/" + o.ChangeEventName] = o;
        }
    }

    internal EventStream Cdc { get; }

    /// <summary>The org, for evaluating PushTopic queries (set when the hub starts listening).</summary>
    private OrgStore? _store;

    internal TimeProvider Time => _time;

    /// <summary>Reads the PushTopic records already in the org (seeded before streaming started listening).</summary>
    public void LoadPushTopics(OrgStore store)
    {
        _store = store;
        if (_schema.Find(PushTopicObject) is null)
        {
            return;
        }

        var records = store.Read(r => r.All(PushTopicObject).Select(p => p.CopyValues()).ToList());
        var schema = _schema.Find(PushTopicObject)!;
        foreach (var values in records)
        {
            DefinePushTopic(schema, values);
        }
    }

    public void OnCommitted(IReadOnlyList<RecordChange> changes)
    {
        // Runs inside the committing transaction's lock: reads are nested (PushTopic matching only); rendering waits for delivery.
        var now = _time.GetUtcNow();
        var visible = _faults.EventDeliveryDelay <= TimeSpan.Zero;
        var touched = new Dictionary<EventStream, long>();
        foreach (var change in changes)
        {
            if (change.Object.Kind == SObjectKind.PlatformEvent)
            {
                if (change.Type == ChangeType.Create)
                {
                    var stream = PlatformStream(change.Object.Name);
                    touched[stream] = stream.Append(new PlatformEventMessage(change, now), visible);
                }

                continue;
            }

            if (change.Object.Name == PushTopicObject)
            {
                UpdatePushTopic(change);
            }

            if (change.Object.ChangeDataCapture)
            {
                touched[Cdc] = Cdc.Append(new ChangeEvent(change, now), visible);
            }

            foreach (var (stream, message) in PushTopicEvents(change, now))
            {
                touched[stream] = stream.Append(message, visible);
            }
        }

        if (touched.Count == 0)
        {
            return;
        }

        if (visible)
        {
            WakeSubscribers(touched.Keys);
        }
        else
        {
            _ = RevealLaterAsync(touched, _faults.EventDeliveryDelay);
        }
    }

    /// <summary>What a channel name refers to, or null when it doesn't exist in this org.</summary>
    internal ChannelBinding? Resolve(string channel)
    {
        if (channel == "/data/ChangeEvents")
        {
            return new ChannelBinding(Cdc, null);
        }

        if (_cdcChannels.TryGetValue(channel, out var cdcObject))
        {
            return new ChannelBinding(Cdc, cdcObject.Name);
        }

        if (channel.StartsWith("/event/", StringComparison.Ordinal)
            && _schema.Find(channel["/event/".Length..]) is { Kind: SObjectKind.PlatformEvent } pe)
        {
            return new ChannelBinding(PlatformStream(pe.Name), null);
        }

        if (channel.StartsWith("/topic/", StringComparison.Ordinal))
        {
            var name = channel["/topic/".Length..];
            lock (_topicsLock)
            {
                if (_pushTopics.Values.Any(t => t.Active && t.Name == name))
                {
                    return new ChannelBinding(TopicStream(name), null);
                }
            }
        }

        return null;
    }

    internal BayeuxClient AddClient(string userId)
    {
        Sweep();
        var client = new BayeuxClient(userId, _time.GetUtcNow());
        _clients[client.Id] = client;
        Log.ClientHandshaken(_logger, client.Id);
        return client;
    }

    /// <summary>The live client with this id; clients silent for longer than the reconnect window are forgotten here.</summary>
    internal BayeuxClient? FindClient(string? clientId)
    {
        if (clientId is null || !_clients.TryGetValue(clientId, out var client))
        {
            return null;
        }

        lock (client.Gate)
        {
            if (!client.Gone && !IsExpired(client, _time.GetUtcNow()))
            {
                return client;
            }
        }

        Forget(client, "expired");
        return null;
    }

    internal bool IsKnownClient(string? clientId) => clientId is not null && _clients.ContainsKey(clientId);

    internal void Forget(BayeuxClient client, string reason)
    {
        lock (client.Gate)
        {
            client.Gone = true;
        }

        if (_clients.TryRemove(client.Id, out _))
        {
            Log.ClientForgotten(_logger, client.Id, reason);
        }

        client.Wake();
    }

    /// <summary>Test control plane: every client id becomes unknown, as after a server-side session loss.</summary>
    public int ForgetAllClients()
    {
        var clients = _clients.Values.ToList();
        foreach (var client in clients)
        {
            Forget(client, "forget-clients");
        }

        return clients.Count;
    }

    /// <summary>/meta/connect requests being held right now.</summary>
    internal int HeldConnects => _clients.Values.Sum(c =>
    {
        lock (c.Gate)
        {
            return c.ActivePolls;
        }
    });

    internal void CountDelivered(string channel, int count) => _delivered.AddOrUpdate(channel, count, (_, n) => n + count);

    /// <summary>Clients, subscriptions and per-channel event counts, for GET /emulator/streaming/stats.</summary>
    public object Stats()
    {
        Sweep();
        var clients = _clients.Values.ToList();
        var subscriptions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in clients)
        {
            lock (c.Gate)
            {
                foreach (var s in c.Subscriptions)
                {
                    subscriptions[s.Channel] = subscriptions.GetValueOrDefault(s.Channel) + 1;
                }
            }
        }

        var streams = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var stream in new[] { Cdc }.Concat(_platformStreams.Values).Concat(_topicStreams.Values))
        {
            var (published, retained, dropped) = stream.Stats();
            streams[stream.Name] = new { published, retained, droppedThroughReplayId = dropped, lastReplayId = published };
        }

        return new
        {
            clients = clients.Count,
            subscriptions = subscriptions.Values.Sum(),
            subscriptionsByChannel = subscriptions,
            streams,
            delivered = new SortedDictionary<string, long>(_delivered, StringComparer.Ordinal),
        };
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var client in _clients.Values)
        {
            bool expired;
            lock (client.Gate)
            {
                expired = IsExpired(client, now);
            }

            if (expired)
            {
                Forget(client, "expired");
            }
        }
    }

    private bool IsExpired(BayeuxClient client, DateTimeOffset now) =>
        client.ActivePolls == 0 && now - client.LastSeen > _options.StreamingClientExpiry;

    private void WakeSubscribers(IEnumerable<EventStream> streams)
    {
        var set = streams.ToHashSet();
        foreach (var client in _clients.Values)
        {
            if (set.Any(client.IsSubscribedTo))
            {
                client.Wake();
            }
        }
    }

    private async Task RevealLaterAsync(Dictionary<EventStream, long> touched, TimeSpan delay)
    {
        await Task.Delay(delay, _time).ConfigureAwait(false);
        foreach (var (stream, last) in touched)
        {
            stream.Reveal(last);
        }

        WakeSubscribers(touched.Keys);
    }

    private EventStream PlatformStream(string name) => _platformStreams.GetOrAdd(name, n =>
        new EventStream("/event/" + n, _time, _options.CdcRetention, _streaming.MaxRetainedEventsPerStream));

    private EventStream TopicStream(string name) => _topicStreams.GetOrAdd(name, n =>
        new EventStream("/topic/" + n, _time, _options.PushTopicRetention, _streaming.MaxRetainedEventsPerStream));

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Streaming client {ClientId} handshaken")]
        public static partial void ClientHandshaken(ILogger logger, string clientId);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Streaming client {ClientId} forgotten ({Reason})")]
        public static partial void ClientForgotten(ILogger logger, string clientId, string reason);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "PushTopic {Name} ignored: its query could not be read ({Reason})")]
        public static partial void PushTopicIgnored(ILogger logger, string name, string reason);
    }
}
