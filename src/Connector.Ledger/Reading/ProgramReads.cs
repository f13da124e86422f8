using Connector.Ledger.Applying;
using Connector.Ledger.Ledger;
using Connector.Referrals;
using Connector.Referrals.Benchmarks;
using Dapper;

namespace Connector.Ledger.Reading;

/// <summary>The whole program as the ledger has it, in domain terms: for the benchmarks, the console and the demo report.</summary>
public sealed class ProgramReads(LedgerDatabase database)
{
    public sealed record ProgramData(IReadOnlyList<Advocate> Advocates, IReadOnlyList<Referral> Referrals, IReadOnlyList<RewardTotal> Rewards);

    public async Task<ProgramData> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var advocates = await connection.QueryAsync<AdvocateRow>(new CommandDefinition(
            $"SELECT {DomainRows.AdvocateColumns} FROM advocates", cancellationToken: cancellationToken)).ConfigureAwait(false);
        var referrals = await connection.QueryAsync<ReferralRow>(new CommandDefinition(
            $"SELECT {DomainRows.ReferralColumns} FROM referrals", cancellationToken: cancellationToken)).ConfigureAwait(false);
        var history = (await connection.QueryAsync<RecordedStateChange>(new CommandDefinition("""
            SELECT id, referral_key, from_state, to_state, occurred_at, event_key, reason, rule_id, mapping_version, recorded_at
            FROM referral_state_changes ORDER BY id
            """, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToLookup(h => h.ReferralKey, StringComparer.Ordinal);
        var entries = await connection.QueryAsync<Rewards.RewardEntry>(new CommandDefinition($"""
            SELECT {Rewards.RewardLedgerQueries.Columns}
            FROM reward_entries e LEFT JOIN reward_payouts p ON p.reward_entry_id = e.id WHERE e.beneficiary = 'Advocate' ORDER BY e.id
            """, cancellationToken: cancellationToken)).ConfigureAwait(false);

        // A referral's reward: what its advocate-side entries come to once cancellations are netted (per currency).
        var rewards = entries
            .GroupBy(e => (e.ReferralKey, e.AdvocateId, e.Currency))
            .Select(g => new RewardTotal(g.Key.AdvocateId, g.Key.ReferralKey, new Money(
                g.Where(e => e.Kind is "Earned" or "Matured" or "Scheduled").Sum(e => e.Amount) - g.Where(e => e.Kind == "Cancelled").Sum(e => Math.Abs(e.Amount)),
                g.Key.Currency)))
            .Where(r => r.Amount.Amount > 0)
            .ToList();
        return new ProgramData(
            [.. advocates.Select(DomainRows.FromRow)],
            [.. referrals.Select(r => DomainRows.FromRow(r, history[r.ReferralKey]))],
            rewards);
    }
}
