using Dapper;

namespace Connector.Ledger.Rewards;

/// <summary>Read side of the reward ledger, for the console and for decisions that depend on history (tiers, clawbacks).</summary>
public sealed class RewardLedgerQueries
{
    private const string EntryColumns = """
        e.id, e.idempotency_key, e.referral_key, e.advocate_id, e.beneficiary, e.kind, e.amount, e.currency, e.effective_on,
        e.reason, e.rule_id, e.related_key, e.event_key, e.recorded_at, p.paid_at, p.payout_reference,
        e.beneficiary_id, e.rule_version, e.stage, e.cycle, e.won_on, e.retention_ends_on, e.matures_on, e.choice_options,
        e.won_at
        """;

    /// <summary>The columns of <see cref="RewardEntry"/>: reward_entries as <c>e</c> joined to reward_payouts as <c>p</c>.</summary>
    internal static string Columns => EntryColumns;

    private readonly LedgerDatabase _database;

    public RewardLedgerQueries(LedgerDatabase database)
    {
        _database = database;
    }

    private sealed record TotalsRow
    {
        public required string AdvocateId { get; init; }
        public required string Currency { get; init; }
        public decimal Amount { get; init; }
        public DateOnly EffectiveOn { get; init; }
        public DateTimeOffset? PaidAt { get; init; }
    }

    public Task<IReadOnlyList<RewardEntry>> EntriesForReferralAsync(string referralKey, CancellationToken cancellationToken) =>
        EntriesAsync("e.referral_key = @Value", referralKey, cancellationToken);

    /// <summary>Both the advocate's own rewards and those paid to their referees.</summary>
    public Task<IReadOnlyList<RewardEntry>> EntriesForAdvocateAsync(string advocateId, CancellationToken cancellationToken) =>
        EntriesAsync("e.advocate_id = @Value", advocateId, cancellationToken);

    /// <summary>
    /// Per advocate and currency for calendar <paramref name="year"/> (UTC): earned and pending by the entries' effective
    /// date, paid by payout date. Referee rewards are not the advocate's money and are left out. Amounts are summed
    /// in decimal here, not in SQL, because SQLite would sum them as doubles.
    /// </summary>
    public async Task<IReadOnlyList<AdvocateYearTotals>> YearTotalsAsync(int year, string? advocateId, CancellationToken cancellationToken)
    {
        var from = new DateOnly(year, 1, 1);
        var to = from.AddYears(1);
        var fromTime = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<TotalsRow>(new CommandDefinition($"""
            SELECT e.advocate_id, e.currency, e.amount, e.effective_on, p.paid_at
            FROM reward_entries e LEFT JOIN reward_payouts p ON p.reward_entry_id = e.id
            WHERE e.beneficiary = 'Advocate'
              {(advocateId is null ? "" : "AND e.advocate_id = @AdvocateId")}
              AND ((e.effective_on >= @From AND e.effective_on < @To) OR (p.paid_at >= @FromTime AND p.paid_at < @ToTime))
            """, new { AdvocateId = advocateId, From = from, To = to, FromTime = fromTime, ToTime = fromTime.AddYears(1) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);

        return [.. rows
            .GroupBy(r => (r.AdvocateId, r.Currency))
            .Select(g => new AdvocateYearTotals(g.Key.AdvocateId, g.Key.Currency, year,
                Earned: g.Where(r => r.EffectiveOn >= from && r.EffectiveOn < to).Sum(r => r.Amount),
                Paid: g.Where(r => r.PaidAt >= fromTime && r.PaidAt < fromTime.AddYears(1)).Sum(r => r.Amount),
                Pending: g.Where(r => r.EffectiveOn >= from && r.EffectiveOn < to && r.PaidAt is null).Sum(r => r.Amount)))
            .OrderBy(t => t.AdvocateId, StringComparer.Ordinal).ThenBy(t => t.Currency, StringComparer.Ordinal)];
    }

    private async Task<IReadOnlyList<RewardEntry>> EntriesAsync(string condition, string value, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<RewardEntry>(new CommandDefinition($"""
            SELECT {EntryColumns}
            FROM reward_entries e LEFT JOIN reward_payouts p ON p.reward_entry_id = e.id
            WHERE {condition} ORDER BY e.id
            """, new { Value = value }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }
}
