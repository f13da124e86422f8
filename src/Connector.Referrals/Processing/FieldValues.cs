using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Connector.Referrals.Processing;

/// <summary>
/// A change's fields by API name, matched without regard to case as Salesforce matches them; read-only once built.
/// <para>A hash table, not an <c>ImmutableDictionary</c>: a change is built once and then only read, many times (a
/// backfill builds and reads a million), and the immutable tree cost a node per field to build and a tree walk per
/// read. Changing one (<see cref="SetItem"/>, <see cref="Remove"/>) copies it, which only tests and mappings do.</para>
/// </summary>
public sealed class FieldValues : IReadOnlyDictionary<string, FieldValue?>
{
    private static readonly StringComparer Names = StringComparer.OrdinalIgnoreCase;

    private readonly Dictionary<string, FieldValue?> _values;

    private FieldValues(Dictionary<string, FieldValue?> values) => _values = values;

    public static FieldValues Empty { get; } = new(new Dictionary<string, FieldValue?>(0, Names));

    /// <summary>A builder to fill, then <see cref="Builder.ToFieldValues"/>.</summary>
    public static Builder CreateBuilder(int capacity = 0) => new(new Dictionary<string, FieldValue?>(capacity, Names));

    public static FieldValues From(IEnumerable<KeyValuePair<string, FieldValue?>> values) => Empty.SetItems(values);

    public FieldValue? this[string key] => _values[key];

    public IEnumerable<string> Keys => _values.Keys;

    public IEnumerable<FieldValue?> Values => _values.Values;

    public int Count => _values.Count;

    public bool ContainsKey(string key) => _values.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out FieldValue? value) => _values.TryGetValue(key, out value);

    /// <summary>A copy with <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public FieldValues SetItem(string name, FieldValue? value)
    {
        var builder = ToBuilder();
        builder[name] = value;
        return builder.ToFieldValues();
    }

    /// <summary>A copy with each of <paramref name="values"/> set.</summary>
    public FieldValues SetItems(IEnumerable<KeyValuePair<string, FieldValue?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var builder = ToBuilder();
        foreach (var (name, value) in values)
        {
            builder[name] = value;
        }

        return builder.ToFieldValues();
    }

    /// <summary>A copy without <paramref name="name"/>.</summary>
    public FieldValues Remove(string name)
    {
        var builder = ToBuilder();
        builder.Remove(name);
        return builder.ToFieldValues();
    }

    /// <summary>A builder holding a copy of these fields.</summary>
    public Builder ToBuilder() => new(new Dictionary<string, FieldValue?>(_values, Names));

    public IEnumerator<KeyValuePair<string, FieldValue?>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Fields being gathered; <see cref="ToFieldValues"/> hands them over, after which the builder is spent.</summary>
    public sealed class Builder
    {
        private Dictionary<string, FieldValue?>? _values;

        internal Builder(Dictionary<string, FieldValue?> values) => _values = values;

        private Dictionary<string, FieldValue?> Values =>
            _values ?? throw new InvalidOperationException("These fields were built already: a builder builds once.");

        public FieldValue? this[string name]
        {
            get => Values[name];
            set => Values[name] = value;
        }

        public int Count => Values.Count;

        public bool ContainsKey(string name) => Values.ContainsKey(name);

        public bool TryGetValue(string name, out FieldValue? value) => Values.TryGetValue(name, out value);

        public bool TryAdd(string name, FieldValue? value) => Values.TryAdd(name, value);

        public void Add(string name, FieldValue? value) => Values.Add(name, value);

        public bool Remove(string name) => Values.Remove(name);

        public FieldValues ToFieldValues()
        {
            var values = Values;
            _values = null;
            return new FieldValues(values);
        }
    }
}
