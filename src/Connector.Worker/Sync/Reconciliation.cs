using System.Text.Json;
using Connector.Ledger.Ledger;
using Connector.Referrals.Processing;
using Connector.Salesforce.Query;
using Connector.Worker.Hosting;
using Microsoft.Extensions.Logging;

namespace Connector.Worker.Sync;

/// <summary>
/// Drift detection: compares every open referral's lead and opportunity in the ledger with Salesforce (one query per
/// 200 records: SystemModstamp only) and re-reads those Salesforce changed after the ledger last applied them — a change
/// neither streaming nor catch-up delivered, e.g. a record edited while its object's cursor was reset. Also counts
/// referral records Salesforce no longer has.
/// </summary>
public sealed partial class Reconciliation(LedgerStore store, SalesforceQueries queries, ChangeApplier applier, ConnectorMetrics metrics, ILogger<Reconciliation> logger)
{
    public sealed record Result(int Checked, int Drifted, int Missing);

    public async Task<Result> RunAsync(CancellationToken cancellationToken)
    {
        var rows = await store.InTransactionAsync((tx, ct) => tx.QueryAsync<(string? LeadId, DateTimeOffset? LeadWatermark, string? OpportunityId, DateTimeOffset? OpportunityWatermark)>(
            "SELECT lead_id, lead_watermark, opportunity_id, opportunity_watermark FROM referrals WHERE state NOT IN ('Duplicate')", null, ct), cancellationToken).ConfigureAwait(false);
        var leads = rows.Where(r => r.LeadId is not null).ToDictionary(r => r.LeadId!, r => r.LeadWatermark, StringComparer.Ordinal);
        var opportunities = rows.Where(r => r.OpportunityId is not null).GroupBy(r => r.OpportunityId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(r => r.OpportunityWatermark), StringComparer.Ordinal);

        var (leadDrift, leadMissing) = await CompareAsync(ChangeEntity.Lead, leads, cancellationToken).ConfigureAwait(false);
        var (oppDrift, oppMissing) = await CompareAsync(ChangeEntity.Opportunity, opportunities, cancellationToken).ConfigureAwait(false);
        await applier.ResyncAsync(ChangeEntity.Lead, leadDrift, "reconciliation: changed in Salesforce after the ledger's last applied change", cancellationToken).ConfigureAwait(false);
        await applier.ResyncAsync(ChangeEntity.Opportunity, oppDrift, "reconciliation: changed in Salesforce after the ledger's last applied change", cancellationToken).ConfigureAwait(false);
        var result = new Result(leads.Count + opportunities.Count, leadDrift.Count + oppDrift.Count, leadMissing + oppMissing);
        metrics.Increment("reconciliation_drift_total", result.Drifted);
        metrics.ReconciliationCompleted();
        Log.Completed(logger, result.Checked, result.Drifted, result.Missing);
        return result;
    }

    private async Task<(List<string> Drifted, int Missing)> CompareAsync(ChangeEntity entity, Dictionary<string, DateTimeOffset?> known, CancellationToken cancellationToken)
    {
        var drifted = new List<string>();
        var seen = 0;
        foreach (var chunk in known.Keys.Chunk(200))
        {
            var query = Soql.From(SyncedObjects.ApiName(entity)).Select("Id", "SystemModstamp").Where(Soql.Field("Id").InIds(chunk));
            await foreach (var row in queries.QueryAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                seen++;
                var id = row.GetProperty("Id").GetString()!;
                var stamp = FieldTyping.Timestamp(row.GetProperty("SystemModstamp")) ?? DateTimeOffset.MaxValue;
                if (!known.TryGetValue(id, out var watermark))
                {
                    watermark = known.FirstOrDefault(k => k.Key.Length == 15 && id.StartsWith(k.Key, StringComparison.Ordinal)).Value;
                }

                if (watermark is null || stamp > watermark.Value)
                {
                    drifted.Add(id);
                }
            }
        }

        return (drifted, known.Count - seen);
    }

    private static partial class Log
    {
        [LoggerMessage(9160, LogLevel.Information, "Reconciliation: {Checked} record(s) checked, {Drifted} drifted and re-read, {Missing} missing in Salesforce")]
        public static partial void Completed(ILogger logger, int @checked, int drifted, int missing);
    }
}
