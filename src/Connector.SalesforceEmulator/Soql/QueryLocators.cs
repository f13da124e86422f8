using System.Collections.Concurrent;
using Connector.SalesforceEmulator.Data;

namespace Connector.SalesforceEmulator.Soql;

/// <summary>
/// Server-side cursors behind <c>nextRecordsUrl</c>: the ids a query matched when it first ran, kept until
/// 15 minutes pass without the cursor being used, as real query locators expire when left idle.
/// </summary>
public sealed class QueryLocators
{
    /// <summary>How long an unused cursor lives.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Open cursors kept at most; the least recently used goes first (real orgs cap open cursors per user).</summary>
    public const int MaxOpen = 100;

    private readonly ConcurrentDictionary<string, Cursor> _cursors = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private long _sequence;

    public QueryLocators(TimeProvider time) => _time = time;

    public int Count => _cursors.Count;

    /// <summary>Opens a cursor over <paramref name="records"/>; returns its locator id (01g…).</summary>
    public string Open(SoqlQuery query, IReadOnlyList<SObjectRecord> records, int batchSize)
    {
        Sweep();
        var id = SalesforceIds.Create("01g", Interlocked.Increment(ref _sequence) + 9_000_000);
        _cursors[id] = new Cursor(query, records, batchSize) { LastUsed = _time.GetUtcNow() };
        while (_cursors.Count > MaxOpen)
        {
            var oldest = _cursors.MinBy(kv => kv.Value.LastUsed).Key;
            _cursors.TryRemove(oldest, out _);
        }

        return id;
    }

    /// <summary>Finds the cursor of "01g…-2000"; null for unknown, expired or malformed locators.</summary>
    public (Cursor Cursor, string Id, int Offset)? Find(string locator)
    {
        Sweep();
        var dash = locator.LastIndexOf('-');
        if (dash <= 0 || !int.TryParse(locator.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var offset))
        {
            return null;
        }

        var id = locator[..dash];
        if (!_cursors.TryGetValue(id, out var cursor) || offset >= cursor.Records.Count)
        {
            return null;
        }

        cursor.LastUsed = _time.GetUtcNow();
        return (cursor, id, offset);
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (id, cursor) in _cursors)
        {
            if (now - cursor.LastUsed >= IdleTimeout)
            {
                _cursors.TryRemove(id, out _);
            }
        }
    }

    public sealed class Cursor(SoqlQuery query, IReadOnlyList<SObjectRecord> records, int batchSize)
    {
        public SoqlQuery Query { get; } = query;
        public IReadOnlyList<SObjectRecord> Records { get; } = records;
        public int BatchSize { get; } = batchSize;
        public DateTimeOffset LastUsed { get; set; }
    }
}
