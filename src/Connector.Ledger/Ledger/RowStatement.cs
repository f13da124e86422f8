using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;

namespace Connector.Ledger.Ledger;

/// <summary>
/// One table's INSERT written once with one row's <c>@Names</c> (<see cref="Single"/>, for Dapper) and rendered for
/// any number of rows with numbered parameters (<see cref="Render"/>), so a transaction's rows go to the engine as
/// a few multi-row statements instead of one statement per row.
/// </summary>
internal sealed partial class RowStatement
{
    // SQLite allows 32,766 parameters per statement and PostgreSQL 65,535: rows are sent in chunks well below both.
    private const int MaxParametersPerStatement = 30_000;
    private const int MaxRowsPerStatement = 500;

    private readonly Func<IReadOnlyList<string>, string> _build;
    private readonly string[] _literals;
    private readonly string[] _names;

    /// <param name="values">One row's values, e.g. <c>@EventKey, @Stream, CAST(@Payload AS jsonb)</c>.</param>
    /// <param name="build">The statement for the given rows' values (each element one row's, without parentheses).</param>
    public RowStatement(string values, Func<IReadOnlyList<string>, string> build)
    {
        _build = build;
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

    /// <summary>Appends statements writing <paramref name="rows"/> (each a row's value by parameter name) to <paramref name="command"/>.</summary>
    public void Render(IReadOnlyList<Func<string, object?>> rows, WriteCommand command)
    {
        var perStatement = Math.Clamp(MaxParametersPerStatement / Math.Max(1, _names.Length), 1, MaxRowsPerStatement);
        foreach (var chunk in rows.Chunk(perStatement))
        {
            var rendered = new List<string>(chunk.Length);
            foreach (var valueOf in chunk)
            {
                var row = new StringBuilder(_literals[0]);
                for (var i = 0; i < _names.Length; i++)
                {
                    row.Append(command.Add(valueOf(_names[i]))).Append(_literals[i + 1]);
                }

                rendered.Add(row.ToString());
            }

            command.Append(_build(rendered));
        }
    }

    /// <summary>A row's values by parameter name: the stamps first, then the row's properties of that name.</summary>
    public static Func<string, object?> ValuesOf(object row, string? eventKey = null, DateTimeOffset? recordedAt = null) => name => name switch
    {
        "EventKey" when eventKey is not null => eventKey,
        "RecordedAt" when recordedAt is not null => recordedAt.Value,
        _ => Properties.GetOrAdd((row.GetType(), name), static key => key.Type.GetProperty(key.Name, BindingFlags.Public | BindingFlags.Instance)) is { } property
            ? property.GetValue(row)
            : throw new InvalidOperationException($"{row.GetType().Name} has no value for @{name}."),
    };

    private static readonly ConcurrentDictionary<(Type Type, string Name), PropertyInfo?> Properties = new();

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex ParameterName();
}

/// <summary>Statements and their parameters, sent to the engine as one command (one round trip on PostgreSQL).</summary>
internal sealed class WriteCommand
{
    private readonly StringBuilder _sql = new();
    private int _next;

    public DynamicParameters Parameters { get; } = new();

    public bool IsEmpty => _sql.Length == 0;

    public string Sql => _sql.ToString();

    /// <summary>A new parameter holding <paramref name="value"/>; returns its placeholder.</summary>
    public string Add(object? value)
    {
        // Not a name Dapper's list expansion or a caller's own parameters (@Keys, @Id…) could collide with.
        var name = $"w_{_next++}";
        Parameters.Add(name, value);
        return "@" + name;
    }

    public void Append(string statement) => _sql.Append(statement).Append(";\n");
}
