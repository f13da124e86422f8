using Connector.Referrals.Processing;

namespace Connector.Worker.Sync;

/// <summary>
/// Recent change events of records not linked to a referral yet (an opportunity created by a lead conversion streams
/// in before the conversion links it), kept in memory so the link can apply them instead of re-reading the record.
/// Only a complete history counts — the record's CREATE and everything after it — otherwise the caller re-reads by
/// query, as it would after a restart (nothing here is durable, nothing needs to be). Bounded: the records seen longest
/// ago are forgotten first.
/// </summary>
public sealed class UnlinkedChanges(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<SalesforceChange>> _byRecord = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();
    private readonly Dictionary<string, LinkedListNode<string>> _nodes = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byRecord.Count;
            }
        }
    }

    public void Remember(SalesforceChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            if (!_byRecord.TryGetValue(change.RecordId, out var list))
            {
                if (_byRecord.Count >= capacity && _order.First is { } oldest)
                {
                    _byRecord.Remove(oldest.Value);
                    _nodes.Remove(oldest.Value);
                    _order.RemoveFirst();
                }

                _byRecord[change.RecordId] = list = [];
                _nodes[change.RecordId] = _order.AddLast(change.RecordId);
            }

            if (list.All(c => c.EventKey != change.EventKey))
            {
                list.Add(change);
            }
        }
    }

    /// <summary>The record's changes in commit order if they start with its creation, and forgets them; else null.</summary>
    public IReadOnlyList<SalesforceChange>? TakeComplete(string recordId)
    {
        lock (_lock)
        {
            if (!_byRecord.Remove(recordId, out var list))
            {
                return null;
            }

            _order.Remove(_nodes[recordId]);
            _nodes.Remove(recordId);
            var ordered = list.OrderBy(c => c.CommitTimestamp).ToList();
            return ordered is [{ Kind: ChangeKind.Create }, ..] ? ordered : null;
        }
    }
}
