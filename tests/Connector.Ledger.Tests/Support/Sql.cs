using Dapper;

namespace Connector.Ledger.Tests.Support;

/// <summary>Direct SQL for assertions and for proving constraints, bypassing the stores.</summary>
internal static class Sql
{
    public static async Task<long> CountAsync(this LedgerDatabase database, string table, string where = "1 = 1", object? parameters = null)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table} WHERE {where}", parameters);
    }

    public static async Task<int> ExecuteAsync(this LedgerDatabase database, string sql, object? parameters = null)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return await connection.ExecuteAsync(sql, parameters);
    }

    public static async Task<T> ScalarAsync<T>(this LedgerDatabase database, string sql, object? parameters = null)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    public static readonly string[] LedgerTables =
    [
        "advocates", "referrals", "referral_state_changes", "reward_entries", "reward_payouts", "quarantine",
        "audit_entries", "applied_events", "stream_checkpoints", "outbox_messages",
    ];

    /// <summary>Row counts of every ledger table, to prove that something wrote nothing.</summary>
    public static async Task<Dictionary<string, long>> SnapshotAsync(this LedgerDatabase database)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in LedgerTables)
        {
            counts[table] = await database.CountAsync(table);
        }

        return counts;
    }
}
