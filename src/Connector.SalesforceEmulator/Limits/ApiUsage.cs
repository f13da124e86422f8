using System.Collections.Concurrent;

namespace Connector.SalesforceEmulator.Limits;

/// <summary>
/// Counts API requests against the org's rolling 24-hour allocation, and per endpoint for tests and
/// benchmarks. Composite and sObject Collections count once; Composite Batch once per subrequest.
/// </summary>
public sealed class ApiUsage
{
    private readonly TimeProvider _time;
    private readonly Queue<DateTimeOffset> _window = new();
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, long> _byEndpoint = new(StringComparer.Ordinal);

    public ApiUsage(TimeProvider time, int dailyAllocation)
    {
        _time = time;
        DailyAllocation = dailyAllocation;
    }

    public int DailyAllocation { get; set; }

    /// <summary>Requests made in the last 24 hours.</summary>
    public int Used
    {
        get
        {
            lock (_lock)
            {
                Expire();
                return _window.Count;
            }
        }
    }

    public int Remaining => Math.Max(0, DailyAllocation - Used);

    /// <summary>Records one request; false (and nothing counted) when the allocation is already used up.</summary>
    public bool TryConsume(string endpoint, int calls = 1)
    {
        lock (_lock)
        {
            Expire();
            if (_window.Count + calls > DailyAllocation)
            {
                Count("rejected:" + endpoint);
                return false;
            }

            var now = _time.GetUtcNow();
            for (var i = 0; i < calls; i++)
            {
                _window.Enqueue(now);
            }
        }

        Count(endpoint, calls);
        return true;
    }

    /// <summary>Counts a call that does not use the daily allocation (OAuth, streaming).</summary>
    public void Count(string endpoint, int calls = 1) => _byEndpoint.AddOrUpdate(endpoint, calls, (_, n) => n + calls);

    public IReadOnlyDictionary<string, long> ByEndpoint => new SortedDictionary<string, long>(_byEndpoint, StringComparer.Ordinal);

    /// <summary>Forgets all usage (tests and the control endpoint).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _window.Clear();
        }

        _byEndpoint.Clear();
    }

    /// <summary>Marks <paramref name="calls"/> requests as already made (to exercise limit handling quickly).</summary>
    public void Preload(int calls)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            for (var i = 0; i < calls; i++)
            {
                _window.Enqueue(now);
            }
        }
    }

    public string LimitInfoHeader => $"api-usage={Used}/{DailyAllocation}";

    private void Expire()
    {
        var cutoff = _time.GetUtcNow() - TimeSpan.FromHours(24);
        while (_window.Count > 0 && _window.Peek() <= cutoff)
        {
            _window.Dequeue();
        }
    }
}
