namespace Connector.SalesforceEmulator.Streaming;

/// <summary>
/// The retained events of one channel family (all CDC, one platform event, one PushTopic), in replay-id order.
/// Replay ids count up from 1 per stream. Events older than the retention period, or beyond the size cap,
/// are dropped from the front; <see cref="DroppedThrough"/> remembers the last dropped id so stale replay ids
/// can be refused as Salesforce refuses them.
/// </summary>
internal sealed class EventStream
{
    private readonly Lock _lock = new();
    private readonly EventRing<StreamEvent> _events = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly int _maxRetained;
    private long _lastIssued;
    private long _droppedThrough;
    private long _visibleThrough;

    public EventStream(string name, TimeProvider time, TimeSpan retention, int maxRetained)
    {
        Name = name;
        _time = time;
        _retention = retention;
        _maxRetained = Math.Max(1, maxRetained);
    }

    public string Name { get; }

    /// <summary>Takes an event and gives it the next replay id; hidden from readers until <paramref name="visible"/>.</summary>
    public long Append(StreamEvent e, bool visible)
    {
        lock (_lock)
        {
            Prune();
            e.ReplayId = ++_lastIssued;
            _events.Add(e);
            if (_events.Count > _maxRetained)
            {
                _droppedThrough = _events.First.ReplayId;
                _events.RemoveFirst();
            }

            if (visible)
            {
                _visibleThrough = e.ReplayId;
            }

            return e.ReplayId;
        }
    }

    /// <summary>Makes every event up to <paramref name="replayId"/> deliverable (after an injected delivery delay).</summary>
    public void Reveal(long replayId)
    {
        lock (_lock)
        {
            _visibleThrough = Math.Max(_visibleThrough, replayId);
        }
    }

    /// <summary>Replay -1: the cursor that yields only events published from now on.</summary>
    public long Tip
    {
        get
        {
            lock (_lock)
            {
                return _lastIssued;
            }
        }
    }

    /// <summary>Replay -2: the cursor that yields every retained event.</summary>
    public long DroppedThrough
    {
        get
        {
            lock (_lock)
            {
                Prune();
                return _droppedThrough;
            }
        }
    }

    /// <summary>A stored replay id is usable while no event after it has been dropped and it was actually issued.</summary>
    public bool IsValidReplayId(long replayId)
    {
        lock (_lock)
        {
            Prune();
            return replayId >= _droppedThrough && replayId <= _lastIssued;
        }
    }

    /// <summary>
    /// Adds up to <paramref name="max"/> visible events after <paramref name="cursor"/> (of <paramref name="entity"/>
    /// when given) to <paramref name="into"/>; returns the new cursor.
    /// </summary>
    public long Read(long cursor, string? entity, int max, List<StreamEvent> into)
    {
        lock (_lock)
        {
            Prune();
            if (_events.Count == 0)
            {
                return Math.Max(cursor, _droppedThrough);
            }

            var first = _events.First.ReplayId;
            var taken = 0;
            for (var i = (int)Math.Max(0, cursor + 1 - first); i < _events.Count && taken < max; i++)
            {
                var e = _events[i];
                if (e.ReplayId > _visibleThrough)
                {
                    break;
                }

                cursor = e.ReplayId;
                if (entity is null || string.Equals(e.Entity, entity, StringComparison.Ordinal))
                {
                    into.Add(e);
                    taken++;
                }
            }

            return cursor;
        }
    }

    public (long Published, int Retained, long DroppedThrough) Stats()
    {
        lock (_lock)
        {
            Prune();
            return (_lastIssued, _events.Count, _droppedThrough);
        }
    }

    private void Prune()
    {
        var cutoff = _time.GetUtcNow() - _retention;
        while (_events.Count > 0 && _events.First.CreatedAt < cutoff)
        {
            _droppedThrough = _events.First.ReplayId;
            _events.RemoveFirst();
        }
    }
}
