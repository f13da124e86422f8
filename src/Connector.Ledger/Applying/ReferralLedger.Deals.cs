namespace Connector.Ledger.Applying;

public sealed partial class ReferralLedger
{
    /// <summary>
    /// Whether the ledger knows the revenue of the referral deal <paramref name="opportunityId"/>: true or false for a
    /// referral's opportunity, null when no referral is linked to it (the worker then has nothing to re-read for).
    /// </summary>
    public Task<bool?> IsDealRevenueKnownAsync(string opportunityId, CancellationToken cancellationToken) =>
        _store.InTransactionAsync<bool?>(async (tx, ct) =>
        {
            var rows = await tx.QueryAsync<long>(
                "SELECT CASE WHEN deal_revenue IS NULL THEN 0 ELSE 1 END FROM referrals WHERE opportunity_id = @Id",
                new { Id = opportunityId }, ct).ConfigureAwait(false);
            return rows.Count == 0 ? null : rows.Any(r => r == 1);
        }, cancellationToken);
}
