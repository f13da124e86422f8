using Connector.Ledger.Ledger;
using Connector.Referrals.Processing;

namespace Connector.Ledger.Applying;

public sealed partial class ReferralLedger
{
    /// <summary>
    /// The scheduled retention check for multi-stage rewards: every referral still Won a retention period after its win
    /// has its retention stage evaluated, one transaction per referral. Idempotent (the evaluation is keyed by the win
    /// instance, entries by their idempotency keys): running it again, or on two instances, changes nothing more.
    /// Returns how many reward entries it wrote.
    /// </summary>
    public async Task<int> EvaluateRetentionAsync(DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var retention = TimeSpan.FromDays(_program.Rules.EffectiveRetentionDays);
        var cutoff = asOf - retention;
        var leads = await _store.InTransactionAsync((tx, ct) => tx.QueryAsync<string>(
            "SELECT lead_id FROM referrals WHERE state = 'Won' AND won_at IS NOT NULL AND won_at <= @Cutoff AND lead_id IS NOT NULL ORDER BY won_at",
            new { Cutoff = cutoff }, ct), cancellationToken).ConfigureAwait(false);
        var written = 0;
        foreach (var leadId in leads)
        {
            written += await _store.InTransactionAsync(async (tx, ct) =>
            {
                var view = await DomainRows.LoadViewAsync(tx, new LedgerLookup($"retention:{leadId}", leadId, null, null, null, null, null), ct).ConfigureAwait(false);
                var referral = view.Referrals.FirstOrDefault(r => r.LeadId == leadId);
                if (referral is null || ReferralProcessor.RetentionDue(referral, asOf, retention) is not { } request)
                {
                    return 0;
                }

                var key = request.IdempotencyKey;
                if (await tx.IsAppliedAsync(key, ct).ConfigureAwait(false))
                {
                    return 0;
                }

                var emitted = new List<Referrals.Rewards.RewardEntry>();
                var effects = new Effects([], [], [], [], []);
                await EvaluateRewardsAsync(tx, request, referral, emitted, effects, ct).ConfigureAwait(false);
                if (effects.Rewards.Count == 0 && effects.Audit.Count == 0)
                {
                    return 0;
                }

                effects.Audit.Add(new AuditRow
                {
                    DecisionKind = nameof(RewardEvaluationRequested),
                    Subject = $"Referral:{referral.Id}",
                    Reason = DomainRows.Cut(request.Reason),
                    RuleId = _program.Rules.VersionId,
                    MappingVersion = _program.Config.Mapping.Version,
                    At = tx.Now,
                });
                var done = await tx.WriteAsync(new AppliedChange
                {
                    EventKey = key,
                    RecordsEventKey = true,
                    RewardEntries = effects.Rewards,
                    Audit = effects.Audit,
                }, ct).ConfigureAwait(false);
                return done ? effects.Rewards.Count : 0;
            }, cancellationToken).ConfigureAwait(false);
        }

        return written;
    }
}
