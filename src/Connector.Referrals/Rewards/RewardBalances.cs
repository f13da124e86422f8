namespace Connector.Referrals.Rewards;

/// <summary>
/// Where a set of ledger entries stands in one currency. Cash view: <see cref="Paid"/> went out,
/// <see cref="ClawedBack"/> (negative) is to be recovered; <see cref="Pending"/> is payable and unpaid;
/// <see cref="Scheduled"/> is not payable yet. A Cancelled entry only removes an unpaid amount from Pending or Scheduled.
/// </summary>
public sealed record RewardBalance(string Currency, decimal Paid, decimal ClawedBack, decimal Pending, decimal Scheduled)
{
    /// <summary>What the payee keeps or is owed: paid, minus clawed back, plus pending.</summary>
    public decimal NetEarned => Paid + ClawedBack + Pending;
}

public static class RewardBalances
{
    /// <summary>One balance per currency of <paramref name="entries"/> (for the advocate's Rewards_* fields, the oracle).</summary>
    public static IReadOnlyList<RewardBalance> Summarize(IEnumerable<RewardEntry> entries, IReadOnlySet<string> paidEntryKeys)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(paidEntryKeys);
        var all = entries.ToList();
        var voided = all.Where(e => e.IsVoid && e.RelatedEntryKey is not null).Select(e => e.RelatedEntryKey!).ToHashSet(StringComparer.Ordinal);
        var matured = all.Where(e => e.Kind == RewardEntryKind.Matured && e.RelatedEntryKey is not null).Select(e => e.RelatedEntryKey!).ToHashSet(StringComparer.Ordinal);
        return all
            .GroupBy(e => e.Amount.Currency, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new RewardBalance(
                g.Key,
                Paid: g.Where(e => e.IsPayable && paidEntryKeys.Contains(e.IdempotencyKey)).Sum(e => e.Amount.Amount),
                ClawedBack: g.Where(e => e.Kind == RewardEntryKind.Clawback).Sum(e => e.Amount.Amount),
                Pending: g.Where(e => e.IsPayable && !paidEntryKeys.Contains(e.IdempotencyKey) && !voided.Contains(e.IdempotencyKey)).Sum(e => e.Amount.Amount),
                Scheduled: g.Where(e => e.Kind == RewardEntryKind.Scheduled && !voided.Contains(e.IdempotencyKey) && !matured.Contains(e.IdempotencyKey)).Sum(e => e.Amount.Amount)))
            .ToList();
    }
}
