using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Data;

/// <summary>Rows of one sObject type, plus indexes on its external-id and unique fields.</summary>
internal sealed class ObjectTable
{
    private readonly Dictionary<string, SObjectRecord> _byId = new(StringComparer.Ordinal);
    private readonly List<SObjectRecord> _ordered = [];
    private readonly Dictionary<int, Dictionary<string, List<SObjectRecord>>> _indexes = [];

    public ObjectTable(SObjectSchema schema)
    {
        Schema = schema;
        foreach (var f in schema.Fields.Where(f => f.ExternalId || f.Unique))
        {
            _indexes[f.Ordinal] = new Dictionary<string, List<SObjectRecord>>(
                f.CaseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        }
    }

    public SObjectSchema Schema { get; }

    public IReadOnlyList<SObjectRecord> Records => _ordered;

    public SObjectRecord? Find(string id18) => _byId.GetValueOrDefault(id18);

    public void Add(SObjectRecord record)
    {
        _byId.Add(record.Id, record);
        _ordered.Add(record);
        Index(record, add: true);
    }

    /// <summary>Removes a record that was inserted in a transaction being rolled back (always the newest).</summary>
    public void RemoveInserted(SObjectRecord record)
    {
        Index(record, add: false);
        _byId.Remove(record.Id);
        var i = _ordered.Count - 1;
        while (i >= 0 && !ReferenceEquals(_ordered[i], record))
        {
            i--;
        }

        if (i >= 0)
        {
            _ordered.RemoveAt(i);
        }
    }

    public void Reindex(SObjectRecord record, object?[] before)
    {
        foreach (var (ordinal, index) in _indexes)
        {
            var oldKey = Key(before[ordinal]);
            var newKey = Key(record.Values[ordinal]);
            if (string.Equals(oldKey, newKey, StringComparison.Ordinal))
            {
                continue;
            }

            if (oldKey is not null && index.TryGetValue(oldKey, out var list))
            {
                list.Remove(record);
            }

            if (newKey is not null)
            {
                Add(index, newKey, record);
            }
        }
    }

    public IReadOnlyList<SObjectRecord> FindByIndex(FieldSchema field, string value)
    {
        if (_indexes.TryGetValue(field.Ordinal, out var index))
        {
            return index.TryGetValue(value, out var list) ? list.Where(r => !r.IsDeleted).ToList() : [];
        }

        var comparer = field.CaseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;
        return _ordered.Where(r => !r.IsDeleted && comparer.Equals(Key(r.Values[field.Ordinal]), value)).ToList();
    }

    private void Index(SObjectRecord record, bool add)
    {
        foreach (var (ordinal, index) in _indexes)
        {
            if (Key(record.Values[ordinal]) is not { } key)
            {
                continue;
            }

            if (add)
            {
                Add(index, key, record);
            }
            else if (index.TryGetValue(key, out var list))
            {
                list.Remove(record);
            }
        }
    }

    private static void Add(Dictionary<string, List<SObjectRecord>> index, string key, SObjectRecord record)
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        list.Add(record);
    }

    private static string? Key(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
