using Connector.Referrals.Processing;
using Connector.Salesforce.Bulk;
using Connector.Salesforce.Describe;

namespace Connector.Worker.Sync;

/// <summary>
/// Bulk API 2.0 CSV rows as the snapshots <see cref="ChangeNormalizer.FromRecord"/> makes of the same records read by
/// REST: same event key (<see cref="ChangeNormalizer.SyncKey"/> of Id and SystemModstamp), same commit instant
/// (<see cref="ChangeNormalizer.AsOf"/>), the same fields typed by the describe, IsDeleted (queryAll) as a delete. So a
/// record backfilled by Bulk and read again by the REST catch-up is one change, applied once. Columns are resolved
/// against the describe once per results page, not per row.
/// </summary>
internal sealed class BulkRecords
{
    private readonly SObjectDescription _describe;
    private readonly ChangeEntity _entity;
    private IReadOnlyList<string>? _columns;
    private (string Name, FieldTyping.TextKind Kind)[] _resolved = [];
    private int _id = -1;
    private int _stamp = -1;
    private int _deleted = -1;

    public BulkRecords(ChangeEntity entity, SObjectDescription describe)
    {
        ArgumentNullException.ThrowIfNull(describe);
        _entity = entity;
        _describe = describe;
    }

    /// <summary>The row's Id and SystemModstamp (UTC), for the caller's progress.</summary>
    public SalesforceChange ToChange(BulkResultRow row, out DateTimeOffset systemModstamp)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (!ReferenceEquals(row.Columns, _columns))
        {
            Resolve(row.Columns);
        }

        var values = row.Values;
        var id = _id >= 0 && _id < values.Length ? values[_id] : null;
        if (string.IsNullOrEmpty(id))
        {
            throw new FormatException($"A {_describe.Name} Bulk row has no Id: the backfill query must select it.");
        }

        if ((_stamp >= 0 && _stamp < values.Length && values[_stamp] is { } stampText ? FieldTyping.TimestampText(stampText) : null) is not { } stamp)
        {
            throw new FormatException($"{_describe.Name} {id} has no readable SystemModstamp in the Bulk results: the change is ordered and keyed by it.");
        }

        var fields = FieldValues.CreateBuilder(_resolved.Length);
        for (var i = 0; i < _resolved.Length && i < values.Length; i++)
        {
            fields[_resolved[i].Name] = FieldTyping.ReadText(values[i], _resolved[i].Kind);
        }

        systemModstamp = stamp;
        var deleted = _deleted >= 0 && _deleted < values.Length && string.Equals(values[_deleted], "true", StringComparison.OrdinalIgnoreCase);
        return new SalesforceChange
        {
            EventKey = ChangeNormalizer.SyncKey(id, stamp),
            Entity = _entity,
            RecordId = id,
            Kind = deleted ? ChangeKind.Delete : ChangeKind.Update,
            CommitTimestamp = ChangeNormalizer.AsOf(stamp),
            Fields = fields.ToFieldValues(),
            IsSnapshot = true,
        };
    }

    private void Resolve(IReadOnlyList<string> columns)
    {
        _columns = columns;
        _resolved = new (string, FieldTyping.TextKind)[columns.Count];
        _id = _stamp = _deleted = -1;
        for (var i = 0; i < columns.Count; i++)
        {
            var field = _describe.FindField(columns[i]);
            _resolved[i] = (field?.Name ?? columns[i], FieldTyping.KindOf(field));
            switch (_resolved[i].Name)
            {
                case var n when n.Equals("Id", StringComparison.OrdinalIgnoreCase):
                    _id = i;
                    break;
                case var n when n.Equals("SystemModstamp", StringComparison.OrdinalIgnoreCase):
                    _stamp = i;
                    break;
                case var n when n.Equals("IsDeleted", StringComparison.OrdinalIgnoreCase):
                    _deleted = i;
                    break;
            }
        }
    }
}
