using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

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

    public async ValueTask DisposeAsync()
    {
        DisposeCommands();
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
