using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Connector.Ledger.Applying;
using Connector.Referrals.Processing;

namespace Connector.Worker.Hosting;

/// <summary>
/// What operators watch, in one place: events processed by outcome, lag (commit → applied), routing decisions by
/// action, reward entries, catch-up and reconciliation runs, and streaming status per channel. Rendered as Prometheus
/// text on /metrics; the admin console and the demo report read the same numbers.
/// </summary>
public sealed class ConnectorMetrics(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ChannelStatus> _channels = new(StringComparer.Ordinal);
    private long _lastLagMs;

    // Counter names by their labels, made once: a backfill counts a million changes.
    private readonly ConcurrentDictionary<(string Source, ApplyStatus Status), string> _eventNames = new();
    private readonly ConcurrentDictionary<RoutingAction, string> _routingNames = new();

    public sealed record ChannelStatus(string Channel, bool Subscribed, long? LastReplayId, DateTimeOffset? LastEventAt, double? LagMs);

    public DateTimeOffset? LastCatchUpAt { get; private set; }

    public DateTimeOffset? LastReconciliationAt { get; private set; }

    public long LastLagMs => Interlocked.Read(ref _lastLagMs);

    public long Count(string name) => _counters.GetValueOrDefault(name);

    public IReadOnlyDictionary<string, long> Counters => _counters;

    public IReadOnlyCollection<ChannelStatus> Channels => [.. _channels.Values.OrderBy(c => c.Channel, StringComparer.Ordinal)];

    public void Increment(string name, long by = 1) => _counters.AddOrUpdate(name, by, (_, v) => v + by);

    /// <summary>A value that goes up and down (a backfill's progress), exposed like the counters.</summary>
    public void Set(string name, long value) => _counters[name] = value;

    public void Applied(ApplyOutcome outcome, SalesforceChange change, string source)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(change);
        Increment(_eventNames.GetOrAdd((source, outcome.Status),
            static key => $"events_total{{source=\"{key.Source}\",status=\"{key.Status.ToString().ToLowerInvariant()}\"}}"));
        foreach (var decision in outcome.Decisions)
        {
            if (decision is RoutingDecision routing)
            {
                Increment(_routingNames.GetOrAdd(routing.Action, static action => $"routing_decisions_total{{action=\"{action}\"}}"));
            }
        }

        if (outcome.RewardEntries > 0)
        {
            Increment("reward_entries_total", outcome.RewardEntries);
        }

        var lag = (long)(time.GetUtcNow() - change.CommitTimestamp).TotalMilliseconds;
        if (source == "stream")
        {
            Interlocked.Exchange(ref _lastLagMs, Math.Max(0, lag));
        }
    }

    public void Channel(string channel, bool subscribed, long? replayId = null, DateTimeOffset? commit = null) =>
        _channels.AddOrUpdate(channel,
            _ => new ChannelStatus(channel, subscribed, replayId, replayId is null ? null : time.GetUtcNow(), Lag(commit)),
            (_, old) => new ChannelStatus(channel, subscribed, replayId ?? old.LastReplayId, replayId is null ? old.LastEventAt : time.GetUtcNow(), Lag(commit) ?? old.LagMs));

    public void CatchUpCompleted() => LastCatchUpAt = time.GetUtcNow();

    public void ReconciliationCompleted() => LastReconciliationAt = time.GetUtcNow();

    public string ToPrometheus(IReadOnlyDictionary<string, double> gauges)
    {
        ArgumentNullException.ThrowIfNull(gauges);
        var text = new StringBuilder();
        foreach (var (name, value) in _counters.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            text.Append("connector_").Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("connector_stream_lag_ms ").Append(LastLagMs.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var channel in Channels)
        {
            text.Append(CultureInfo.InvariantCulture, $"connector_stream_subscribed{{channel=\"{channel.Channel}\"}} {(channel.Subscribed ? 1 : 0)}\n");
        }

        foreach (var (name, value) in gauges.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            text.Append("connector_").Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    private double? Lag(DateTimeOffset? commit) => commit is { } c ? Math.Max(0, (time.GetUtcNow() - c).TotalMilliseconds) : null;
}
