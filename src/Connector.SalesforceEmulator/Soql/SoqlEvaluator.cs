using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Soql;

/// <summary>
/// Runs a <see cref="SoqlQuery"/> over the org's records with Salesforce's semantics: null is a value
/// (<c>Name != 'x'</c> matches empty names, <c>NOT IN</c> matches nulls), text compares case-insensitively,
/// ids compare in 18-character form, picklists sort in their defined order, ascending sorts put nulls
/// first and descending last, and ties keep insertion order. Every method must run inside
/// <c>OrgStore.Read</c> (or a transaction), because records are read live.
/// </summary>
public static class SoqlEvaluator
{
    /// <summary>Whether <paramref name="record"/> satisfies the WHERE clause (true when there is none). Used for PushTopic matching.</summary>
    public static bool Matches(SoqlQuery query, SObjectRecord record, OrgReader reader)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(record);
        return query.Where is null || new Context(reader).Test(query.Where, record);
    }

    /// <summary>
    /// The records the statement selects: filtered, sorted, then OFFSET and LIMIT applied. Deleted records
    /// (recycle bin) take part only with <paramref name="includeDeleted"/> (queryAll). For aggregate
    /// queries (COUNT(field)) the rows to aggregate are returned without OFFSET/LIMIT; pass them to
    /// <see cref="Aggregate"/>. Enumerate inside <c>OrgStore.Read</c>.
    /// </summary>
    public static IEnumerable<SObjectRecord> Execute(SoqlQuery query, OrgReader reader, bool includeDeleted)
    {
        ArgumentNullException.ThrowIfNull(query);
        var context = new Context(reader);
        var rows = reader.All(query.SObject.Name, includeDeleted);
        if (query.Where is { } where)
        {
            rows = rows.Where(r => context.Test(where, r));
        }

        if (query.IsAggregate)
        {
            return rows;
        }

        if (query.OrderBy.Count > 0)
        {
            rows = Sort(query.OrderBy, rows, reader);
        }

        if (query.Offset is > 0 and var offset)
        {
            rows = rows.Skip(offset);
        }

        if (query.Limit is { } limit)
        {
            rows = rows.Take(limit);
        }

        return rows;
    }

    /// <summary>The value of an aggregate column (COUNT(field): non-null values; typed as the column's <see cref="SoqlColumn.Field"/>).</summary>
    public static object? Aggregate(SoqlColumn column, IEnumerable<SObjectRecord> rows, OrgReader reader)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (column.Aggregate is null)
        {
            throw new ArgumentException("Not an aggregate column: " + column.Name, nameof(column));
        }

        return column.Path is null ? rows.Count() : rows.Count(r => GetValue(column.Path, r, reader) is not null);
    }

    /// <summary>
    /// A selected column's value for one record, with the schema of the field it came from (so
    /// <c>Owner.Name</c> reads the owner's Name, typed by User's or Group's field as the owner is).
    /// Null (with the path's leaf field) when a lookup on the way is empty. For Bulk CSV flattening.
    /// </summary>
    public static (FieldSchema Field, object? Value) GetColumnValue(SoqlColumn column, SObjectRecord record, OrgReader reader)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (column.Path is null || column.Aggregate is not null)
        {
            throw new ArgumentException("Aggregate columns have no per-record value; use Aggregate.", nameof(column));
        }

        var owner = ResolveParent(column.Path.Hops, column.Path.Hops.Count, record, reader);
        if (owner is null)
        {
            return (column.Path.Field, null);
        }

        var field = LeafField(column.Path, owner);
        return field is null ? (column.Path.Field, null) : (field, owner[field]);
    }

    /// <summary>The value at the end of <paramref name="path"/> for <paramref name="record"/>; null when any lookup on the way is empty.</summary>
    public static object? GetValue(SoqlFieldPath path, SObjectRecord record, OrgReader reader)
    {
        ArgumentNullException.ThrowIfNull(path);
        var owner = ResolveParent(path.Hops, path.Hops.Count, record, reader);
        return owner is not null && LeafField(path, owner) is { } field ? owner[field] : null;
    }

    /// <summary>Follows the first <paramref name="depth"/> hops from <paramref name="record"/>; null when a lookup is empty or dangling.</summary>
    public static SObjectRecord? ResolveParent(IReadOnlyList<SoqlHop> hops, int depth, SObjectRecord record, OrgReader reader) =>
        ResolveParent(hops, depth, record, reader, cache: null);

    private static SObjectRecord? ResolveParent(IReadOnlyList<SoqlHop> hops, int depth, SObjectRecord record, OrgReader reader,
        Dictionary<string, SObjectRecord?>? cache)
    {
        ArgumentNullException.ThrowIfNull(hops);
        var current = record;
        for (var i = 0; i < depth && current is not null; i++)
        {
            var lookup = FieldOf(current.Schema, hops[i].LookupField);
            if (lookup is null || current[lookup] is not string id)
            {
                return null;
            }

            // Polymorphic lookups resolve by the id's key prefix (005 → User, 00G → Group). Scans over many
            // rows meet the same few parents (owners) again and again, hence the per-scan cache.
            if (cache is null)
            {
                current = reader.Find(id);
            }
            else if (!cache.TryGetValue(id, out current))
            {
                current = reader.Find(id);
                if (cache.Count < 100_000)
                {
                    cache[id] = current;
                }
            }
        }

        return current;
    }

    private static object? GetValue(SoqlFieldPath path, SObjectRecord record, OrgReader reader, Dictionary<string, SObjectRecord?>? cache)
    {
        var owner = path.Hops.Count == 0 ? record : ResolveParent(path.Hops, path.Hops.Count, record, reader, cache);
        return owner is not null && LeafField(path, owner) is { } field ? owner[field] : null;
    }

    internal static FieldSchema? LeafField(SoqlFieldPath path, SObjectRecord owner) => FieldOf(owner.Schema, path.Field);

    /// <summary>The field of <paramref name="schema"/> matching <paramref name="field"/> (by identity, else by name for polymorphic targets).</summary>
    private static FieldSchema? FieldOf(SObjectSchema schema, FieldSchema field) =>
        field.Ordinal >= 0 && field.Ordinal < schema.Fields.Count && ReferenceEquals(schema.Fields[field.Ordinal], field)
            ? field
            : schema.FindField(field.Name);

    private static IEnumerable<SObjectRecord> Sort(IReadOnlyList<SoqlOrdering> orderBy, IEnumerable<SObjectRecord> rows, OrgReader reader)
    {
        // Keys are computed once per row; LINQ's OrderBy is stable, so ties keep insertion order.
        var parents = new Dictionary<string, SObjectRecord?>(StringComparer.Ordinal);
        var keyed = rows.Select(r =>
        {
            var keys = new object?[orderBy.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = SortKey(orderBy[i].Path, GetValue(orderBy[i].Path, r, reader, parents));
            }

            return (Record: r, Keys: keys);
        }).ToList();
        return keyed.OrderBy(k => k.Keys, new KeyComparer(orderBy)).Select(k => k.Record);
    }

    private static object? SortKey(SoqlFieldPath path, object? value)
    {
        // Picklists sort in the order their values are defined, not alphabetically.
        if (value is string s && path.Field.Type == FieldType.Picklist && path.Field.PicklistValues.Count > 0)
        {
            var values = path.Field.PicklistValues;
            for (var i = 0; i < values.Count; i++)
            {
                if (values[i].Value.Equals(s, StringComparison.OrdinalIgnoreCase))
                {
                    return (decimal)i;
                }
            }

            return (decimal)values.Count;
        }

        return value;
    }

    private sealed class KeyComparer(IReadOnlyList<SoqlOrdering> orderBy) : IComparer<object?[]>
    {
        public int Compare(object?[]? x, object?[]? y)
        {
            for (var i = 0; i < orderBy.Count; i++)
            {
                var a = x![i];
                var b = y![i];
                int c;
                if (a is null || b is null)
                {
                    c = a is null && b is null ? 0 : (a is null) == orderBy[i].NullsFirst ? -1 : 1;
                }
                else
                {
                    c = CompareValues(a, b, orderBy[i].Path.Field.Type);
                    if (orderBy[i].Descending)
                    {
                        c = -c;
                    }
                }

                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        }
    }

    internal static int CompareValues(object a, object b, FieldType type) => (a, b) switch
    {
        (string x, string y) when type is FieldType.Id or FieldType.Reference => CompareIds(x, y),
        (string x, string y) => string.Compare(x, y, StringComparison.OrdinalIgnoreCase),
        (bool x, bool y) => x.CompareTo(y),
        (DateTimeOffset x, DateTimeOffset y) => x.CompareTo(y),
        (DateOnly x, DateOnly y) => x.CompareTo(y),
        (TimeOnly x, TimeOnly y) => x.CompareTo(y),
        _ when IsNumber(a) && IsNumber(b) => ToDecimal(a).CompareTo(ToDecimal(b)),
        _ => string.Compare(FieldValues.ToText(a), FieldValues.ToText(b), StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>
    /// Record ids compare like the base-62 numbers they are (0-9 &lt; A-Z &lt; a-z: ordinal, case-sensitive), on their
    /// 15-character form so an 18-character id equals its 15-character one. Text fields sort case-insensitively, but ids
    /// must not: "...aPC" and "...APC" are two records, and clients page with WHERE Id &gt; :last ORDER BY Id.
    /// </summary>
    internal static int CompareIds(string x, string y) =>
        (x.Length == 18 ? x.AsSpan(0, 15) : x.AsSpan()).SequenceCompareTo(y.Length == 18 ? y.AsSpan(0, 15) : y.AsSpan());

    private static bool IsNumber(object o) => o is int or decimal or long or double;

    private static decimal ToDecimal(object o) => o switch
    {
        int i => i,
        long l => l,
        double d => (decimal)d,
        _ => (decimal)o,
    };

    /// <summary>Per-evaluation state: the reader and the clock reading relative dates resolve against.</summary>
    private sealed class Context(OrgReader reader)
    {
        private readonly Dictionary<string, SObjectRecord?> _parents = new(StringComparer.Ordinal);
        private DateTimeOffset? _now;

        private DateTimeOffset Now => _now ??= reader.Time.GetUtcNow();

        public bool Test(SoqlCondition condition, SObjectRecord record)
        {
            switch (condition)
            {
                case SoqlAnd and:
                    foreach (var operand in and.Operands)
                    {
                        if (!Test(operand, record))
                        {
                            return false;
                        }
                    }

                    return true;
                case SoqlOr or:
                    foreach (var operand in or.Operands)
                    {
                        if (Test(operand, record))
                        {
                            return true;
                        }
                    }

                    return false;
                case SoqlNot not:
                    return !Test(not.Operand, record);
                case SoqlComparison c:
                    return Compare(GetValue(c.Path, record, reader, _parents), c.Operator, c.Value, c.Path.Field.Type);
                case SoqlIn i:
                    var value = GetValue(i.Path, record, reader, _parents);
                    var found = false;
                    foreach (var v in i.Values)
                    {
                        if (Compare(value, SoqlOperator.Equal, v, i.Path.Field.Type))
                        {
                            found = true;
                            break;
                        }
                    }

                    return found != i.Negated;
                case SoqlLike like:
                    return GetValue(like.Path, record, reader, _parents) is string s && like.Regex.IsMatch(s);
                default:
                    throw new InvalidOperationException("Unknown condition " + condition.GetType().Name);
            }
        }

        private bool Compare(object? value, SoqlOperator op, SoqlValue literal, FieldType type)
        {
            if (literal.Relative is { } relative)
            {
                return CompareRange(value, op, relative.Resolve(Now));
            }

            var constant = literal.Constant;
            if (constant is null || value is null)
            {
                // Null is a value in SOQL: "= null" finds empty fields and "!= 'x'" includes them.
                var same = constant is null && value is null;
                return op switch
                {
                    SoqlOperator.Equal => same,
                    SoqlOperator.NotEqual => !same,
                    _ => false,
                };
            }

            var c = CompareValues(value, constant, type);
            return op switch
            {
                SoqlOperator.Equal => c == 0,
                SoqlOperator.NotEqual => c != 0,
                SoqlOperator.Less => c < 0,
                SoqlOperator.LessOrEqual => c <= 0,
                SoqlOperator.Greater => c > 0,
                _ => c >= 0,
            };
        }

        private static bool CompareRange(object? value, SoqlOperator op, (DateOnly Start, DateOnly End) range)
        {
            if (value is null)
            {
                return op == SoqlOperator.NotEqual;
            }

            int vsStart, vsEnd;
            if (value is DateTimeOffset dt)
            {
                vsStart = dt.CompareTo(new DateTimeOffset(range.Start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
                vsEnd = dt.CompareTo(new DateTimeOffset(range.End.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            }
            else if (value is DateOnly d)
            {
                vsStart = d.CompareTo(range.Start);
                vsEnd = d.CompareTo(range.End);
            }
            else
            {
                return false;
            }

            var inside = vsStart >= 0 && vsEnd < 0;
            return op switch
            {
                SoqlOperator.Equal => inside,
                SoqlOperator.NotEqual => !inside,
                SoqlOperator.Less => vsStart < 0,
                SoqlOperator.LessOrEqual => vsEnd < 0,
                SoqlOperator.Greater => vsEnd >= 0,
                _ => vsStart >= 0,
            };
        }
    }
}
