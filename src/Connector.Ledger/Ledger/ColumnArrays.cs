using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Connector.Ledger.Ledger;

/// <summary>
/// PostgreSQL: one table's rows as ONE statement with one array parameter per column, turned back into rows by
/// <c>unnest</c>: <c>INSERT INTO t (…) SELECT u."A", … FROM unnest(@w_0::text[], …) AS u("A", …) ON CONFLICT …</c>.
/// Its text is the same for any number of rows, so the driver prepares it once per connection (Max Auto Prepare)
/// instead of PostgreSQL parsing and planning a new multi-row VALUES text of thousands of parameters per batch, and
/// the arrays go in binary. unnest returns the elements in array order, so rows are inserted (and given their ids) in
/// the order they were queued, as the rows of a VALUES list are.
/// </summary>
internal sealed partial class ColumnArrays
{
    /// <summary>Where a statement template puts its row source, <c>unnest(…) AS u(…)</c>.</summary>
    public const string Source = "{source}";

    private readonly string[] _names;
    private readonly ColumnType[] _types;
    private readonly string[] _literals;

    /// <param name="names">The columns (parameter names of one row's values), in order.</param>
    /// <param name="rowType">Whose properties (or the stamps <c>EventKey</c>, <c>RecordedAt</c>) type the columns.</param>
    /// <param name="template">The statement, with <see cref="Source"/> once where its rows come from.</param>
    /// <param name="ordinality">Whether the source also has each row's position, as column <c>u."Ordinal"</c> (1, 2…).</param>
    private ColumnArrays(IReadOnlyList<string> names, Type rowType, string template, bool ordinality)
    {
        _names = [.. names];
        _types = [.. _names.Select(name => ColumnType.Of(ValueType(rowType, name), $"{rowType.Name}.{name}"))];
        var at = template.IndexOf(Source, StringComparison.Ordinal);
        if (at < 0 || template.IndexOf(Source, at + 1, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"A column arrays statement needs {Source} once: {template}");
        }

        // The text around each array parameter, whose name the command gives at each render.
        var aliases = _names.Select(n => $"\"{n}\"").Concat(ordinality ? ["\"Ordinal\""] : []);
        _literals = new string[_names.Length + 1];
        _literals[0] = template[..at] + "unnest(";
        for (var i = 0; i < _names.Length; i++)
        {
            _literals[i + 1] = $"::{_types[i].Name}[]" + (i < _names.Length - 1 ? ", " : string.Empty);
        }

        _literals[^1] += $"){(ordinality ? " WITH ORDINALITY" : string.Empty)} AS u({string.Join(", ", aliases)})" + template[(at + Source.Length)..];
    }

    /// <summary>
    /// The array form of the one-row <c>INSERT … VALUES (<paramref name="values"/>) …</c> <paramref name="single"/>: the
    /// VALUES list becomes a SELECT of the same expressions (casts included) over the unnested columns; the rest
    /// (ON CONFLICT …) is kept as it is.
    /// </summary>
    public static ColumnArrays Insert(string single, string values, Type rowType)
    {
        var valuesClause = $"VALUES ({values})";
        var at = single.IndexOf(valuesClause, StringComparison.Ordinal);
        if (at < 0 || single.IndexOf(valuesClause, at + 1, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"Not a one-row INSERT … {valuesClause}: {single}");
        }

        var select = ParameterName().Replace(values, m => Column(m.Groups[1].Value));
        return new(Names(values), rowType, $"{single[..at]}SELECT {select} FROM {Source}{single[(at + valuesClause.Length)..]}", ordinality: false);
    }

    /// <summary>
    /// A statement of its own over the unnested columns <paramref name="names"/> and their position: its template
    /// has <see cref="Source"/> where the rows come from and refers to their columns as <see cref="Column"/> does.
    /// </summary>
    public static ColumnArrays Custom(IReadOnlyList<string> names, Type rowType, string template) => new(names, rowType, template, ordinality: true);

    /// <summary>Appends the statement writing <paramref name="rows"/> (each a row's value by parameter name) to <paramref name="command"/>.</summary>
    public void Render(IReadOnlyList<StampedRow> rows, WriteCommand command)
    {
        var text = new StringBuilder(_literals[0]);
        for (var i = 0; i < _names.Length; i++)
        {
            text.Append(command.Add(_types[i].Array(rows, _names[i]))).Append(_literals[i + 1]);
        }

        command.Append(text.ToString());
    }

    /// <summary>The parameter names of one row's <paramref name="values"/>, in order.</summary>
    public static IReadOnlyList<string> Names(string values) =>
        [.. ParameterName().Matches(values).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// How a statement refers to the unnested column of parameter <paramref name="name"/>. Quoted: names such as At,
    /// Kind or State are keywords, and quoting keeps their case.
    /// </summary>
    public static string Column(string name) => $"u.\"{name}\"";

    private static Type ValueType(Type rowType, string name) =>
        rowType.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.PropertyType ?? name switch
        {
            // Stamped by RowStatement.ValuesOf on rows that do not carry them.
            "EventKey" => typeof(string),
            "RecordedAt" => typeof(DateTimeOffset),
            _ => throw new InvalidOperationException($"{rowType.Name} has no value for @{name}."),
        };

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex ParameterName();

    /// <summary>A column's PostgreSQL element type and how its values become a typed array (bound in binary).</summary>
    private sealed record ColumnType(string Name, Func<IReadOnlyList<StampedRow>, string, Array> Array)
    {
        public static ColumnType Of(Type type, string what) => (Nullable.GetUnderlyingType(type) ?? type) switch
        {
            var t when t == typeof(string) => new("text", (rows, name) => Fill(rows, name, v => (string)v)),
            // As LedgerTypeHandlers binds a timestamp: UTC, to the microsecond PostgreSQL keeps.
            var t when t == typeof(DateTimeOffset) => new("timestamptz", (rows, name) => FillValues(rows, name, v => LedgerTypeHandlers.ToStoredPrecision((DateTimeOffset)v))),
            var t when t == typeof(DateOnly) => new("date", (rows, name) => FillValues(rows, name, v => (DateOnly)v)),
            var t when t == typeof(decimal) => new("numeric", (rows, name) => FillValues(rows, name, v => (decimal)v)),
            var t when t == typeof(int) => new("integer", (rows, name) => FillValues(rows, name, v => (int)v)),
            var t when t == typeof(long) => new("bigint", (rows, name) => FillValues(rows, name, v => (long)v)),
            _ => throw new InvalidOperationException($"{what}: no PostgreSQL array type for {type.Name}."),
        };

        private static T?[] Fill<T>(IReadOnlyList<StampedRow> rows, string name, Func<object, T> convert)
            where T : class
        {
            var values = new T?[rows.Count];
            for (var r = 0; r < values.Length; r++)
            {
                values[r] = rows[r].Value(name) is { } value ? convert(value) : null;
            }

            return values;
        }

        private static T?[] FillValues<T>(IReadOnlyList<StampedRow> rows, string name, Func<object, T> convert)
            where T : struct
        {
            var values = new T?[rows.Count];
            for (var r = 0; r < values.Length; r++)
            {
                values[r] = rows[r].Value(name) is { } value ? convert(value) : null;
            }

            return values;
        }
    }
}
