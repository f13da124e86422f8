using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connector.Ledger.Ledger;
using Connector.Ledger.Outbox;
using Connector.Ledger.Reading;
using Connector.Worker.Hosting;
using Microsoft.Extensions.Logging;

namespace Connector.Worker.Profiles;

/// <summary>
/// Keeps each advocate's Advocate__c profile (referrals by state, conversion, rewards earned / pending / paid, last
/// referral) in step with the ledger. Runs on a schedule rather than per event: a burst of referral changes becomes one
/// outbox message per advocate, and the dispatcher sends up to 200 of them per sObject Collections call. A profile
/// equal to the last one sent is not sent again (the outbox idempotency key is the profile's content hash).
/// </summary>
public sealed partial class ProfileSync(AdvocateProfiles profiles, LedgerStore store, Outbox.OutboxDispatcher outbox, TimeProvider time,
    ConnectorMetrics metrics, ILogger<ProfileSync> logger)
{
    private DateTimeOffset? _since;

    /// <summary>Queues profile updates for advocates changed since the last run (all with referrals on the first); returns how many were queued.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var changed = await profiles.ChangedSinceAsync(_since, cancellationToken).ConfigureAwait(false);
        var queued = 0;
        foreach (var chunk in changed.Chunk(200))
        {
            var batch = await profiles.ForAsync(chunk, cancellationToken).ConfigureAwait(false);
            queued += await store.InTransactionAsync(async (tx, ct) =>
            {
                var written = 0;
                foreach (var profile in batch)
                {
                    var payload = JsonSerializer.Serialize(profile.ToFields());
                    var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)))[..16];
                    var key = $"profile:{profile.AdvocateId}:{hash}";
                    if (await tx.IsAppliedAsync(key, ct).ConfigureAwait(false))
                    {
                        continue;
                    }

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
                        written++;
                    }
                }

                return written;
            }, cancellationToken).ConfigureAwait(false);
        }

        // Changes committed while this run read are picked up by the next (overlap is harmless: same hash, skipped).
        _since = started - TimeSpan.FromSeconds(5);
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
    }
}
