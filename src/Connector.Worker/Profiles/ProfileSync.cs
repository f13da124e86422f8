using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connector.Ledger;
using Connector.Ledger.Ledger;
using Connector.Ledger.Outbox;
using Connector.Ledger.Reading;
using Connector.Worker.Hosting;
using Microsoft.Extensions.Logging;

namespace Connector.Worker.Profiles;

/// <summary>
/// Keeps each advocate's Advocate__c profile (referrals by state, conversion, rewards earned / pending / paid, last
/// referral) in step with the ledger. Runs on a schedule rather than per event: a burst of referral changes becomes one
/// outbox message per advocate per interval, and the dispatcher sends them (up to 200 per collection subrequest) in the
/// Composite call of its next flush, usually with owner changes. A profile equal to the last one queued is not queued
/// again; one that changes and changes back (a referral lost, then reopened) is: the Salesforce record must not keep
/// the intermediate figures. What was last queued is remembered per advocate in memory; after a restart the ledger's
/// record of the content (the idempotency key is the profile's content hash) stands in for it.
/// </summary>
public sealed partial class ProfileSync(AdvocateProfiles profiles, LedgerStore store, LedgerDatabase database, Sync.BulkBackfill backfills, Outbox.OutboxDispatcher outbox,
    TimeProvider time, ConnectorMetrics metrics, ILogger<ProfileSync> logger)
{
    private readonly ConcurrentDictionary<string, string> _lastQueued = new(StringComparer.Ordinal);
    private DateTimeOffset? _since;

    /// <summary>Queues profile updates for advocates changed since the last run (all with referrals on the first); returns how many were queued.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (database.DeferredIndexes.Active)
        {
            // A large first load is under way without the (advocate, state) index these reads need, and its profiles
            // would be overwritten minutes later anyway: the first run after it covers every advocate it touched.
            Log.WaitingForLoad(logger);
            return 0;
        }

        // A backfill is about to change most profiles: computing them now is wasted work on the other core, and on
        // SQLite the run's reads, back to back, kept the WAL from being checkpointed (measured: 115 MB → 890 MB during an
        // opportunity backfill of a million-lead org, which slowed it by a sixth). The first run after it covers them.
        if (await backfills.UnderWayAsync(cancellationToken).ConfigureAwait(false))
        {
            Log.WaitingForBackfill(logger);
            return 0;
        }

        var started = time.GetUtcNow();
        var changed = await profiles.ChangedSinceAsync(_since, cancellationToken).ConfigureAwait(false);
        var queued = 0;
        var interrupted = false;
        foreach (var (index, chunk) in changed.Chunk(200).Index())
        {
            if (index > 0 && await backfills.UnderWayAsync(cancellationToken).ConfigureAwait(false))
            {
                // Started since the check above: stop, and leave _since where it was so the next run reads these advocates again
                // (those queued already are remembered and skipped).
                Log.WaitingForBackfill(logger);
                interrupted = true;
                break;
            }

            var batch = await profiles.ForAsync(chunk, cancellationToken).ConfigureAwait(false);
            var (written, hashes) = await store.InTransactionAsync(async (tx, ct) =>
            {
                var queuedNow = new List<(string AdvocateId, string Hash)>();
                foreach (var profile in batch)
                {
                    var payload = JsonSerializer.Serialize(profile.ToFields());
                    var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)))[..16];
                    var contentKey = $"profile:{profile.AdvocateId}:{hash}";
                    var everQueued = await tx.IsAppliedAsync(contentKey, ct).ConfigureAwait(false);
                    if (_lastQueued.TryGetValue(profile.AdvocateId, out var last) ? last == hash : everQueued)
                    {
                        continue;
                    }

                    // Content queued before (A → B → A): a key of this run, or the ledger would take it for a duplicate.
                    var key = everQueued ? $"{contentKey}:{started.UtcTicks}" : contentKey;
                    if (await tx.WriteAsync(new AppliedChange
                    {
                        EventKey = key,
                        Outbox =
                        [
                            new OutboxMessageRow
                            {
                                Kind = OutboxKinds.ProfileUpdate, TargetSObject = "Advocate__c", TargetId = profile.AdvocateId,
                                Payload = payload, IdempotencyKey = key,
                            },
                        ],
                    }, ct).ConfigureAwait(false))
                    {
                        queuedNow.Add((profile.AdvocateId, hash));
                    }
                }

                return (queuedNow.Count, queuedNow);
            }, cancellationToken).ConfigureAwait(false);
            // Remembered once committed: a transaction tried again must not find its own first attempt here.
            foreach (var (advocateId, hash) in hashes)
            {
                _lastQueued[advocateId] = hash;
            }

            queued += written;
        }

        // Changes committed while this run read are picked up by the next (overlap is harmless: same hash, skipped).
        if (!interrupted)
        {
            _since = started - TimeSpan.FromSeconds(5);
        }

        if (queued > 0)
        {
            metrics.Increment("profile_updates_queued_total", queued);
            Log.Queued(logger, queued, changed.Count);
            outbox.Notify();
        }

        return queued;
    }

    private static partial class Log
    {
        [LoggerMessage(9150, LogLevel.Information, "Queued {Queued} advocate profile update(s) ({Changed} advocate(s) had changes)")]
        public static partial void Queued(ILogger logger, int queued, int changed);

        [LoggerMessage(9151, LogLevel.Debug, "Advocate profiles wait: a large load of referrals is under way")]
        public static partial void WaitingForLoad(ILogger logger);

        [LoggerMessage(9152, LogLevel.Debug, "Advocate profiles wait: a backfill is under way")]
        public static partial void WaitingForBackfill(ILogger logger);
    }
}
