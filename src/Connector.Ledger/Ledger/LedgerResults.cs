using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Connector.Ledger.Ledger;

/// <summary><see cref="ILedgerResults"/> over Dapper's grid (a command Dapper ran).</summary>
internal sealed class GridResults(SqlMapper.GridReader grid) : ILedgerResults
{
    public Task<IEnumerable<TRow>> ReadAsync<TRow>() => grid.ReadAsync<TRow>();

    public Task<TRow> ReadSingleAsync<TRow>() => grid.ReadSingleAsync<TRow>();
}

/// <summary><see cref="ILedgerResults"/> over a data reader positioned on its first result, rows mapped by Dapper's row parser.</summary>
internal sealed class ReaderResults(DbDataReader reader) : ILedgerResults
{
    private bool _started;

    public async Task<IEnumerable<TRow>> ReadAsync<TRow>()
    {
        if (_started && !await reader.NextResultAsync().ConfigureAwait(false))
        {
            throw new InvalidOperationException("No more results: the command returned fewer result sets than were read.");
        }

        _started = true;
        var rows = new List<TRow>();
        if (reader.FieldCount > 0)
        {
            // The untyped parser: Dapper's typed one cannot cast its parser of plain values (string, long).
            var parse = reader.GetRowParser(typeof(TRow));
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                rows.Add(As<TRow>(parse(reader)));
            }
        }

        return rows;
    }

    /// <summary>A plain value as Dapper's grid returns it: converted when the engine's type differs (SQLite's integers are long).</summary>
    private static TRow As<TRow>(object? value) => value switch
    {
        TRow row => row,
        null or DBNull => default!,
        _ => (TRow)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(TRow)) ?? typeof(TRow), CultureInfo.InvariantCulture),
    };

    public async Task<TRow> ReadSingleAsync<TRow>() => (await ReadAsync<TRow>().ConfigureAwait(false)).ToList() is [var row]
        ? row
        : throw new InvalidOperationException("Expected exactly one row.");
}

/// <summary>
/// A read's parameters bound without Dapper (so the command can be kept): only when they need none of Dapper's
/// rewriting — no lists to expand, only values <see cref="LedgerTypeHandlers.Bind"/> binds as Dapper would.
/// </summary>
internal static class DirectParameters
{
    private static readonly HashSet<Type> Simple =
    [
        typeof(string), typeof(long), typeof(int), typeof(bool), typeof(DateTimeOffset), typeof(DateOnly),
        typeof(long?), typeof(int?), typeof(bool?), typeof(DateTimeOffset?), typeof(DateOnly?),
    ];

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]?> Properties = new();

    public static bool TryBind(object? parameters, out Action<SqliteCommand> bind)
    {
        switch (parameters)
        {
            case null:
                bind = static _ => { };
                return true;
            case Dictionary<string, object> named when named.Values.All(v => Simple.Contains(v.GetType())):
                bind = command =>
                {
                    foreach (var (name, value) in named)
                    {
                        Add(command, name, value);
                    }
                };
                return true;
            case var other when Properties.GetOrAdd(other.GetType(), static type =>
                type.GetProperties(BindingFlags.Public | BindingFlags.Instance) is var properties && properties.All(p => Simple.Contains(p.PropertyType)) ? properties : null)
                is { } properties:
                bind = command =>
                {
                    foreach (var property in properties)
                    {
                        Add(command, property.Name, property.GetValue(other));
                    }
                };
                return true;
            default:
                bind = static _ => { };
                return false;
        }
    }

    private static void Add(SqliteCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        LedgerTypeHandlers.Bind(parameter, value);
        command.Parameters.Add(parameter);
    }
}
