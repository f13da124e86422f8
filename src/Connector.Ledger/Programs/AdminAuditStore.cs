using System.Data.Common;
using Dapper;

namespace Connector.Ledger.Programs;

/// <summary>One change a person made through the console, the API or the CLI.</summary>
public sealed record AdminAuditEntry
{
    public long Id { get; init; }
    public required string Actor { get; init; }
    public required string Action { get; init; }
    public string? Subject { get; init; }
    public string? Detail { get; init; }
    public DateTimeOffset At { get; init; }
}

/// <summary>Who changed what, when: append-only. Changes that write other rows audit in their own transaction.</summary>
public sealed class AdminAuditStore
{
    private readonly LedgerDatabase _database;
    private readonly TimeProvider _time;

    public AdminAuditStore(LedgerDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    public async Task RecordAsync(string actor, string action, string? subject, string? detail, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await InsertAsync(connection, null, actor, action, subject, detail, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Newest first.</summary>
    public async Task<IReadOnlyList<AdminAuditEntry>> ListAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<AdminAuditEntry>(new CommandDefinition(
            $"SELECT id, actor, action, subject, detail, at FROM admin_audit ORDER BY id DESC {_database.Dialect.Limit("@Max")}",
            new { Max = max }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    internal static Task InsertAsync(
        DbConnection connection, DbTransaction? transaction, string actor, string action, string? subject, string? detail, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        return connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO admin_audit (actor, action, subject, detail, at) VALUES (@Actor, @Action, @Subject, @Detail, @At)",
            new
            {
                Actor = Cut(actor, 255),
                Action = Cut(action, 60),
                Subject = subject is null ? null : Cut(subject, 200),
                Detail = detail is null ? null : Cut(detail, 2000),
                At = at,
            }, transaction, cancellationToken: cancellationToken));
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
}
