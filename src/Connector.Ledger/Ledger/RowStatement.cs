using System.Collections.Concurrent;
using System.Data;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;

namespace Connector.Ledger.Ledger;

/// <summary>
/// One table's INSERT written once with one row's <c>@Names</c> (<see cref="Single"/>, for Dapper) and rendered for
/// any number of rows with numbered parameters (<see cref="Render"/>), so a transaction's rows go to the engine as
/// a few multi-row statements instead of one statement per row. On PostgreSQL the rows go as one statement of column
/// arrays instead (<see cref="AsColumnArrays(Type)"/>).
/// </summary>
internal sealed partial class RowStatement
{
    // SQLite allows 32,766 parameters per statement and PostgreSQL 65,535: rows are sent in chunks well below both.
    private const int MaxParametersPerStatement = 30_000;
    private const int MaxRowsPerStatement = 500;

    // SQLite finds each bound parameter's index by a linear search of the statement's names (and Microsoft.Data.Sqlite
    // binds by name), so binding is quadratic in a statement's parameters: 500 rows of 12 columns cost more to bind
    // than to insert. In-process, a statement more costs next to nothing, so SQLite gets short statements.
    private const int SqliteParametersPerStatement = 40;

    private readonly Func<IReadOnlyList<string>, string> _build;
    private readonly string _values;
    private readonly string[] _literals;
    private readonly string[] _names;
    private ColumnArrays? _arrays;

    /// <param name="values">One row's values, e.g. <c>@EventKey, @Stream, CAST(@Payload AS jsonb)</c>.</param>
    /// <param name="build">The statement for the given rows' values (each element one row's, without parentheses).</param>
    public RowStatement(string values, Func<IReadOnlyList<string>, string> build)
    {
        _build = build;
        _values = values;
        var matches = ParameterName().Matches(values);
        _names = [.. matches.Select(m => m.Groups[1].Value)];
        var literals = new List<string>();
        var at = 0;
        foreach (Match match in matches)
        {
            literals.Add(values[at..match.Index]);
            at = match.Index + match.Length;
        }

        literals.Add(values[at..]);
        _literals = [.. literals];
        Single = build([values]);
    }

    /// <summary>The one-row statement with the values' own parameter names.</summary>
    public string Single { get; }

    /// <summary>
    /// PostgreSQL: renders all the rows as one statement of column arrays (<see cref="ColumnArrays.Insert"/>), each
    /// column typed by <paramref name="rowType"/>'s property of its parameter's name.
    /// </summary>
    public RowStatement AsColumnArrays(Type rowType)
    {
        _arrays = ColumnArrays.Insert(Single, _values, rowType);
        return this;
    }

    /// <summary>PostgreSQL: renders all the rows as <paramref name="arrays"/>, a statement of their column arrays.</summary>
    public RowStatement AsColumnArrays(ColumnArrays arrays)
    {
        _arrays = arrays;
        return this;
    }

    /// <summary>Appends statements writing <paramref name="rows"/> (each a row's value by parameter name) to <paramref name="command"/>.</summary>
    public void Render(IReadOnlyList<StampedRow> rows, WriteCommand command)
    {
        var budget = command.NamesPerStatement ? SqliteParametersPerStatement : MaxParametersPerStatement;
        var perStatement = Math.Clamp(budget / Math.Max(1, _names.Length), 1, MaxRowsPerStatement);
        if (command.NamesPerStatement)
        {
            // Each statement numbers its parameters from 0, so the text for k rows is always the same: built once.
            for (var first = 0; first < rows.Count; first += perStatement)
            {
                var count = Math.Min(perStatement, rows.Count - first);
                command.Reserve(count * _names.Length);
                for (var r = first; r < first + count; r++)
                {
                    foreach (var name in _names)
                    {
                        command.AddValue(rows[r].Value(name));
                    }
                }

                command.Append(_texts.TryGetValue(count, out var text) ? text : _texts.GetOrAdd(count, Text)); // no delegate per call
            }

            return;
        }

        if (_arrays is not null)
        {
            _arrays.Render(rows, command);
            return;
        }

        foreach (var chunk in rows.Chunk(perStatement))
        {
            var rendered = new List<string>(chunk.Length);
            foreach (var valueOf in chunk)
            {
                var row = new StringBuilder(_literals[0]);
                for (var i = 0; i < _names.Length; i++)
                {
                    row.Append(command.Add(valueOf.Value(_names[i]))).Append(_literals[i + 1]);
                }

                rendered.Add(row.ToString());
            }

            command.Append(_build(rendered));
        }
    }

    private readonly ConcurrentDictionary<int, string> _texts = new();

    /// <summary>The statement for <paramref name="rows"/> rows with parameters @w_0, @w_1… in row order.</summary>
    private string Text(int rows)
    {
        var rendered = new List<string>(rows);
        var parameter = 0;
        for (var r = 0; r < rows; r++)
        {
            var row = new StringBuilder(_literals[0]);
            for (var i = 0; i < _names.Length; i++)
            {
                row.Append(CultureInfo.InvariantCulture, $"@w_{parameter++}").Append(_literals[i + 1]);
            }

            rendered.Add(row.ToString());
        }

        return _build(rendered);
    }

    /// <summary>A row's values by parameter name: the stamps first, then the row's properties of that name.</summary>
    public static StampedRow ValuesOf(object row, string? eventKey = null, DateTimeOffset? recordedAt = null) => new(row, eventKey, recordedAt);

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex ParameterName();
}

/// <summary>
/// A row to render: its values by parameter name, the event key and recording time stamped on rows that do not carry
/// them. A struct, and getters compiled once per row type: a backfill renders millions of cells.
/// </summary>
internal readonly struct StampedRow(object row, string? eventKey, DateTimeOffset? recordedAt)
{
    private static readonly ConcurrentDictionary<Type, Dictionary<string, Func<object, object?>>> GettersByType = new();

    public object? Value(string name) => name switch
    {
        "EventKey" when eventKey is not null => eventKey,
        "RecordedAt" when recordedAt is not null => recordedAt.Value,
        _ => Getters(row.GetType()).TryGetValue(name, out var getter)
            ? getter(row)
            : throw new InvalidOperationException($"{row.GetType().Name} has no value for @{name}."),
    };

    private static Dictionary<string, Func<object, object?>> Getters(Type type) => GettersByType.GetOrAdd(type, static type =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is not null && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, Getter, StringComparer.Ordinal));

    private static Func<object, object?> Getter(PropertyInfo property)
    {
        var row = Expression.Parameter(typeof(object), "row");
        var value = Expression.Property(Expression.Convert(row, property.DeclaringType!), property);
        return Expression.Lambda<Func<object, object?>>(Expression.Convert(value, typeof(object)), row).Compile();
    }
}

/// <summary>
/// Statements and their parameters, to be sent as one command (one round trip on PostgreSQL) or one command each
/// (SQLite runs in-process, and binds every parameter of a command to each of its statements). The rows' parameters
/// are bound directly (<see cref="LedgerTypeHandlers.Bind"/>); a trailing read's own parameters go through Dapper.
/// </summary>
internal sealed class WriteCommand
{
    private readonly List<Statement> _statements = [];
    private readonly bool _namesPerStatement;
    private List<object?> _values = [];
    private int _first;

    /// <param name="namesPerStatement">
    /// Number each statement's parameters from 0 (statements sent as commands of their own, <see cref="Separate"/>)
    /// rather than across the whole command (<see cref="Combined"/>).
    /// </param>
    public WriteCommand(bool namesPerStatement = false)
    {
        _namesPerStatement = namesPerStatement;
    }

    public bool IsEmpty => _statements.Count == 0;

    /// <summary>Whether each statement is sent as its own command (SQLite), see the constructor.</summary>
    public bool NamesPerStatement => _namesPerStatement;

    /// <summary>Whether any statement carries rendered rows (a text that is new each time).</summary>
    public bool Rendered => _first > 0 || _statements.Any(s => s.Read is null);

    public bool EndsWithRead => _statements.Count > 0 && _statements[^1].Read is not null;

    /// <summary>A new parameter of the statement being rendered, holding <paramref name="value"/>; returns its placeholder.</summary>
    public string Add(object? value)
    {
        _values.Add(value);
        // Not a name Dapper's list expansion or a read's own parameters (@Keys, @Id…) could collide with.
        return $"@w_{(_namesPerStatement ? 0 : _first) + _values.Count - 1}";
    }

    /// <summary>A new parameter of the statement being rendered whose placeholder the caller knows (@w_ and its position).</summary>
    public void AddValue(object? value) => _values.Add(value);

    /// <summary>Room for <paramref name="values"/> more values in the statement being rendered (a backfill renders millions).</summary>
    public void Reserve(int values) => _values.EnsureCapacity(_values.Count + values);

    /// <summary>Ends the statement being rendered: <paramref name="sql"/> uses the parameters added since the last one.</summary>
    public void Append(string sql)
    {
        _statements.Add(new Statement(sql, _namesPerStatement ? 0 : _first, _values, null));
        _first += _values.Count;
        _values = [];
    }

    /// <summary>Appends a read with its parameters (an object whose properties are the names, or a dictionary of them, as for Dapper).</summary>
    public void Append(string sql, object? parameters) => _statements.Add(new Statement(sql, _first, [], parameters ?? new object()));

    /// <summary>
    /// Consecutive statements as commands of at most <paramref name="maxValues"/> row values each (a statement larger
    /// than that goes alone), in order; the last one carries the read if there is one. A backfill batch writes some
    /// 100,000 values: one command of them all is held whole in memory by the driver, twice (parameters and buffer).
    /// A read's parameters are bound directly too: through Dapper, a text that is new each time would make it generate
    /// (and keep) a parameter binder each time. Lists go as arrays (= ANY).
    /// </summary>
    public IReadOnlyList<(string Sql, SqlMapper.IDynamicParameters Parameters)> Combined(int maxValues)
    {
        if (_namesPerStatement)
        {
            throw new InvalidOperationException("Statements numbered each from 0 cannot be combined into one command.");
        }

        var commands = new List<(string, SqlMapper.IDynamicParameters)>();
        var group = new List<Statement>();
        var values = 0;
        foreach (var statement in _statements)
        {
            if (group.Count > 0 && values + statement.Values.Count > maxValues)
            {
                commands.Add(Combine(group));
                group = [];
                values = 0;
            }

            group.Add(statement);
            values += statement.Values.Count;
        }

        if (group.Count > 0)
        {
            commands.Add(Combine(group));
        }

        return commands;

        // Parameters are numbered across the whole command, so a group's are numbered from its first statement's first.
        static (string, SqlMapper.IDynamicParameters) Combine(List<Statement> statements) =>
            (string.Join(";\n", statements.Select(s => s.Sql)), new Statement(string.Empty, statements[0].First, [.. statements.SelectMany(s => s.Values)],
                statements.Select(s => s.Read).OfType<object>().SingleOrDefault(), BindReadDirectly: true));
    }

    /// <summary>Each statement as its own command (SQLite): a read's parameters through Dapper, which expands lists (IN @Keys).</summary>
    public IEnumerable<(string Sql, SqlMapper.IDynamicParameters Parameters)> Separate() =>
        _statements.Select(s => (s.Sql, (SqlMapper.IDynamicParameters)s));

    /// <summary>
    /// Binds a rows statement's values to <paramref name="command"/>'s parameters in place when it holds that
    /// statement's parameters from its last run (same text, so same names in the same order): no new parameter objects
    /// for a kept command that writes thousands of rows. False when there is nothing to reuse.
    /// </summary>
    public static bool TryRebind(SqlMapper.IDynamicParameters parameters, System.Data.Common.DbCommand command) =>
        parameters is Statement { Read: null } statement && statement.Rebind(command);

    /// <summary>A rows statement's values in parameter order (<c>@w_0</c>…); null for a read.</summary>
    public static IReadOnlyList<object?>? RowValues(SqlMapper.IDynamicParameters parameters) =>
        parameters is Statement { Read: null } statement ? statement.Values : null;

    private sealed record Statement(string Sql, int First, List<object?> Values, object? Read, bool BindReadDirectly = false) : SqlMapper.IDynamicParameters
    {
        public bool Rebind(System.Data.Common.DbCommand command)
        {
            if (command.Parameters.Count != Values.Count || Values.Count == 0)
            {
                return false;
            }

            for (var i = 0; i < Values.Count; i++)
            {
                var parameter = command.Parameters[i];
                parameter.ResetDbType();
                LedgerTypeHandlers.Bind(parameter, Values[i]);
            }

            return true;
        }

        void SqlMapper.IDynamicParameters.AddParameters(IDbCommand command, SqlMapper.Identity identity)
        {
            if (Read is not null && !BindReadDirectly)
            {
                // The read's first: Dapper expands its lists in the command text.
                var read = new DynamicParameters(Read);
                ((SqlMapper.IDynamicParameters)read).AddParameters(command, identity);
            }
            else if (Read is IEnumerable<KeyValuePair<string, object>> named)
            {
                foreach (var (name, value) in named)
                {
                    Add(command, name, value);
                }
            }
            else if (Read is not null)
            {
                foreach (var property in Read.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    Add(command, property.Name, property.GetValue(Read));
                }
            }

            for (var i = 0; i < Values.Count; i++)
            {
                Add(command, $"w_{First + i}", Values[i]);
            }
        }

        private static void Add(IDbCommand command, string name, object? value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            LedgerTypeHandlers.Bind(parameter, value);
            command.Parameters.Add(parameter);
        }
    }
}
