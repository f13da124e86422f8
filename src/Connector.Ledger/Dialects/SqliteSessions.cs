using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Connector.Ledger.Dialects;

/// <summary>
/// An open SQLite connection kept between transactions with the commands it ran. SQLite compiles a statement each
/// time a new command runs it, and for the ledger's short transactions that compiling costs more than running: a
/// command kept here compiles once (Microsoft.Data.Sqlite keeps a command's statements while its text is unchanged
/// and its connection open, which a pooled connection is not between uses).
/// </summary>
internal sealed class SqliteSession : IAsyncDisposable
{
    // The ledger runs a few dozen distinct texts (one per table and row count); past this, start over.
    private const int MaxCommands = 128;

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    // Rows statements compiled once and run through SQLite's own API (null: a text this path does not take).
    private readonly Dictionary<string, sqlite3_stmt?> _rowStatements = new(StringComparer.Ordinal);

    public SqliteSession(SqliteConnection connection)
    {
        Connection = connection;
    }

    public SqliteConnection Connection { get; }

    /// <summary>
    /// The command for <paramref name="sql"/> (compiled on its first run) in <paramref name="transaction"/>, with no
    /// parameters unless <paramref name="keepParameters"/> (the caller rebinds those of its last run).
    /// </summary>
    public SqliteCommand Command(string sql, SqliteTransaction? transaction, bool keepParameters = false)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            if (_commands.Count >= MaxCommands)
            {
                DisposeCommands();
            }

            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Transaction = transaction;
        if (!keepParameters)
        {
            command.Parameters.Clear();
        }

        return command;
    }

    /// <summary>
    /// Runs one rows statement (an INSERT or upsert of rows whose parameters are <c>@w_0</c>, <c>@w_1</c>… in order)
    /// with <paramref name="values"/>, straight through SQLite's API: compiled once, each value bound by position.
    /// Through <see cref="SqliteCommand"/>, a backfill spent about a sixth of its time binding (a parameter object per
    /// value, each looked up by name). Values are stored exactly as Microsoft.Data.Sqlite with the ledger's type
    /// handlers stores them. False, with nothing run, for a text or a value type this path does not take: the caller
    /// then runs it as a command.
    /// </summary>
    public bool TryExecuteRows(string sql, IReadOnlyList<object?> values)
    {
        if (!_rowStatements.TryGetValue(sql, out var statement))
        {
            if (_rowStatements.Count >= MaxCommands)
            {
                DisposeRowStatements();
            }

            statement = Compile(sql, values.Count);
            _rowStatements[sql] = statement;
        }

        if (statement is null)
        {
            return false;
        }

        // One reference on the statement's handle for all its values: through SQLitePCL each bind call takes and
        // releases one (a backfill binds some 30 values per record).
        var referenced = false;
        try
        {
            statement.DangerousAddRef(ref referenced);
            var handle = statement.DangerousGetHandle();
            for (var i = 0; i < values.Count; i++)
            {
                if (!Bind(handle, i + 1, values[i]))
                {
                    return false;
                }
            }

            var result = raw.sqlite3_step(statement);
            if (result != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(result, Connection.Handle);
            }

            return true;
        }
        finally
        {
            // Every run binds every parameter, so the values stay until the next run overwrites them (no clearing).
            raw.sqlite3_reset(statement);
            if (referenced)
            {
                statement.DangerousRelease();
            }
        }
    }

    private sqlite3_stmt? Compile(string sql, int parameters)
    {
        var result = raw.sqlite3_prepare_v2(Connection.Handle, sql, out var statement, out var tail);
        if (result != raw.SQLITE_OK)
        {
            statement?.Dispose();
            return null; // the command path reports the error as usual
        }

        // One statement whose parameters are @w_0… in order, so parameter i is value i.
        var usable = string.IsNullOrWhiteSpace(tail) && raw.sqlite3_bind_parameter_count(statement) == parameters;
        for (var i = 1; usable && i <= parameters; i++)
        {
            usable = raw.sqlite3_bind_parameter_name(statement, i).utf8_to_string() == "@w_" + (i - 1).ToString(CultureInfo.InvariantCulture);
        }

        if (!usable)
        {
            statement.Dispose();
            return null;
        }

        return statement;
    }

    /// <summary>Binds as Microsoft.Data.Sqlite and the ledger's type handlers store it (see LedgerTypeHandlers.Bind).</summary>
    private static bool Bind(nint statement, int index, object? value)
    {
        var result = value switch
        {
            null or DBNull => SqliteNative.BindNull(statement, index),
            string text => SqliteNative.BindText(statement, index, text),
            DateTimeOffset timestamp => BindTimestamp(statement, index, timestamp),
            DateOnly date => SqliteNative.BindText(statement, index, LedgerTypeHandlers.SqliteDate(date)),
            long number => SqliteNative.BindInt64(statement, index, number),
            int number => SqliteNative.BindInt64(statement, index, number),
            bool flag => SqliteNative.BindInt64(statement, index, flag ? 1 : 0),
            // Microsoft.Data.Sqlite's text for a decimal (a test holds the two paths to the same stored text).
            decimal amount => SqliteNative.BindText(statement, index, amount.ToString("0.0###########################", CultureInfo.InvariantCulture)),
            _ => -1,
        };
        return result == -1 ? false : result == raw.SQLITE_OK ? true : throw new SqliteException($"Binding parameter {index} failed.", result);
    }

    // Every row carries a few timestamps: formatted on the stack, no string each.
    private static int BindTimestamp(nint statement, int index, DateTimeOffset timestamp)
    {
        Span<byte> text = stackalloc byte[32];
        return LedgerTypeHandlers.TryFormatSqliteTimestamp(timestamp, text, out var length)
            ? SqliteNative.BindText(statement, index, text[..length])
            : SqliteNative.BindText(statement, index, LedgerTypeHandlers.SqliteTimestamp(timestamp));
    }

    public async ValueTask DisposeAsync()
    {
        DisposeCommands();
        DisposeRowStatements();
        await Connection.DisposeAsync().ConfigureAwait(false);
    }

    private void DisposeCommands()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }

    private void DisposeRowStatements()
    {
        foreach (var statement in _rowStatements.Values)
        {
            statement?.Dispose();
        }

        _rowStatements.Clear();
    }
}

/// <summary>The idle <see cref="SqliteSession"/>s of one database: taken for a transaction, given back after it.</summary>
internal sealed class SqliteSessionPool : IAsyncDisposable
{
    // One writer at a time anyway (SQLite); a few more serve concurrent readers without reopening.
    private const int MaxIdle = 4;

    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private readonly Func<CancellationToken, Task<SqliteConnection>> _open;
    private volatile bool _disposed;

    public SqliteSessionPool(Func<CancellationToken, Task<SqliteConnection>> open)
    {
        _open = open;
    }

    public async Task<SqliteSession> TakeAsync(CancellationToken cancellationToken) =>
        _idle.TryTake(out var session) ? session : new SqliteSession(await _open(cancellationToken).ConfigureAwait(false));

    /// <summary>Keeps <paramref name="session"/> for the next transaction when it is usable (open, no transaction left) and there is room.</summary>
    public async ValueTask GiveBackAsync(SqliteSession session)
    {
        if (!_disposed && session.Connection.State == System.Data.ConnectionState.Open && _idle.Count < MaxIdle)
        {
            _idle.Add(session);
            if (!_disposed)
            {
                return;
            }
        }

        await session.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryTake(out var session))
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }
}
