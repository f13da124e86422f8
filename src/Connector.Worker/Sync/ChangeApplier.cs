using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.Ledger.Applying;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Outbox;
using Connector.Ledger.Programs;
using Connector.Referrals.Processing;
using Connector.Referrals;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Query;
using Connector.Salesforce.Streaming;
using Connector.Worker.Hosting;
using Connector.Worker.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Connector.Worker.Sync;

/// <summary>
/// The one path every Salesforce change takes into the ledger, whatever delivered it (stream, catch-up, resync):
/// normalize, apply in one ledger transaction together with the stream's position, then carry out what the decisions
/// ask of the worker — re-read a record the processor needs whole (a converted lead's opportunity), wake the outbox
/// for a routing write. A change that cannot be applied is quarantined by the ledger with its reason; an exception
/// here means the ledger itself failed, and the stream redelivers from the last committed position.
/// </summary>
public sealed partial class ChangeApplier
{
    private readonly IServiceProvider _services;
    private readonly ChangeNormalizer _normalizer;
    private readonly DescribeCache _describes;
    private readonly SalesforceQueries _queries;
    private readonly ConnectorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ChangeApplier> _logger;
    private readonly ConcurrentDictionary<string, long> _committedReplayIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(ChangeEntity Entity, string Id), DateTimeOffset> _deferred = new();
    private readonly UnlinkedChanges _unlinked = new(capacity: 10_000);
    private ReferralLedger? _ledger;
    private ILedgerProgramSource? _programs;
    private OwnerSource? _ownersReadFor;
    private int _advocatesArrived;

    public ChangeApplier(IServiceProvider services, ChangeNormalizer normalizer, DescribeCache describes, SalesforceQueries queries,
        ConnectorMetrics metrics, TimeProvider time, ILogger<ChangeApplier> logger)
    {
        _time = time;
        _services = services;
        _normalizer = normalizer;
        _describes = describes;
        _queries = queries;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Raised when a stream says an entity lost changes it cannot name (overflow, wildcard gap): catch it up.</summary>
    public event Action<ChangeEntity, string>? CatchUpNeeded;

    /// <summary>Resolved on first use: the ledger needs the program, which is read from the org at start.</summary>
    private ReferralLedger Ledger => _ledger ??= _services.GetRequiredService<ReferralLedger>();

    /// <summary>The current program's field mapping (read per use: a version saved in the console applies to the next change).</summary>
    public FieldMapping Fields => (_programs ??= _services.GetRequiredService<ILedgerProgramSource>()).Fields;

    /// <summary>Which records a snapshot read of <paramref name="entity"/> selects, under the current field mapping.</summary>
    public SoqlCondition? SnapshotFilter(ChangeEntity entity, SObjectDescription describe) => SyncFields.Filter(entity, describe, Fields);

    /// <summary>Replay ids the ledger committed in the effects' own transaction (the checkpoint store skips re-saving them).</summary>
    public bool IsCommitted(string channel, long replayId) => _committedReplayIds.TryGetValue(channel, out var id) && id >= replayId;

    /// <summary>One delivery from the Streaming API: an event, or a signal that changes were lost.</summary>
    public async Task HandleStreamMessageAsync(StreamingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        switch (message)
        {
            case StreamingEvent e:
                await ApplyEventAsync(e, cancellationToken).ConfigureAwait(false);
                break;
            case GapDetected gap:
                await HandleGapAsync(gap, cancellationToken).ConfigureAwait(false);
                break;
            case Overflow overflow:
                _metrics.Increment("stream_overflows_total");
                if (SyncedObjects.TryGetEntity(overflow.Entity, out var entity))
                {
                    CatchUpNeeded?.Invoke(entity.Value, $"GAP_OVERFLOW on {overflow.Channel}");
                }

                break;
            case ReplayIdInvalid invalid:
                _metrics.Increment("stream_replay_invalid_total");
                Log.ReplayInvalid(_logger, invalid.Channel, invalid.ReplayId);
                foreach (var all in Enum.GetValues<ChangeEntity>())
                {
                    CatchUpNeeded?.Invoke(all, $"replay id {invalid.ReplayId} of {invalid.Channel} is past retention");
                }

                break;
        }
    }

    private async Task ApplyEventAsync(StreamingEvent streamingEvent, CancellationToken cancellationToken)
    {
        var entityName = streamingEvent.ChangeEventHeader?.EntityName;
        if (entityName is null || !SyncedObjects.TryGetEntity(entityName, out _))
        {
            return;
        }

        var describe = await _describes.GetAsync(entityName, cancellationToken).ConfigureAwait(false);
        var normalized = _normalizer.FromEvent(streamingEvent, describe);
        if (normalized.Resync is { } resync)
        {
            CatchUpNeeded?.Invoke(resync.Entity, resync.Reason);
        }

        var position = streamingEvent.ReplayId is { } replayId ? StreamPosition.AtReplayId(streamingEvent.Channel, replayId) : null;
        var changes = new List<IncomingChange>(normalized.Changes.Count);
        for (var i = 0; i < normalized.Changes.Count; i++)
        {
            var change = await WithRevenueAsync(MappedFields.Canonical(normalized.Changes[i], Fields), cancellationToken).ConfigureAwait(false);
            change = await WithOwnersAsync(change, cancellationToken).ConfigureAwait(false);
            changes.Add(new IncomingChange(change, i == normalized.Changes.Count - 1 ? position : null));
        }

        if (changes.Count == 0)
        {
            return;
        }

        var outcomes = await Ledger.ApplyBatchAsync(changes, cancellationToken).ConfigureAwait(false);
        if (position?.ReplayId is { } committed)
        {
            _committedReplayIds[streamingEvent.Channel] = committed;
        }

        _metrics.Channel(streamingEvent.Channel, true, streamingEvent.ReplayId, changes[^1].Change.CommitTimestamp);
        for (var i = 0; i < outcomes.Count; i++)
        {
            _metrics.Applied(outcomes[i], changes[i].Change, "stream");
            if (changes[i].Change.Entity == ChangeEntity.Opportunity && outcomes[i].Decisions.Any(d => d is Ignored { Code: IgnoreCode.NotAReferral }))
            {
                _unlinked.Remember(changes[i].Change);
            }
            else if (changes[i].Change is { Entity: ChangeEntity.Opportunity, Kind: ChangeKind.Create } created && outcomes[i].Status != ApplyStatus.Quarantined)
            {
                // The linked opportunity's creation streamed in after the link: its history is complete, no re-read needed.
                if (_deferred.TryRemove((ChangeEntity.Opportunity, created.RecordId), out _))
                {
                    _metrics.Increment("resync_cancelled_total");
                }
            }
        }

        await FollowUpAsync(outcomes, cancellationToken).ConfigureAwait(false);
        foreach (var change in changes.Select(c => c.Change).Where(c => c.Entity == ChangeEntity.Lead && c.ChangedFields.Contains(LeadFields.OwnerId)))
        {
            await VerifyRoutingAsync(change, streamingEvent.ChangeEventHeader?.CommitUser, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Routing's verification rides on the change event our own owner write causes (no query): the lead's new owner is
    /// the rep routing chose — verified — or, when a flow, trigger or person moved it (in that write's transaction or
    /// later), it is counted and logged as overridden for an operator to look at. Routing does not fight back.
    /// </summary>
    private async Task VerifyRoutingAsync(SalesforceChange change, string? commitUser, CancellationToken cancellationToken)
    {
        var payloads = await _services.GetRequiredService<LedgerStore>().InTransactionAsync((tx, ct) => tx.QueryAsync<string>(
            "SELECT payload FROM outbox_messages WHERE kind = @Kind AND target_id = @Lead ORDER BY id DESC LIMIT 1",
            new { Kind = OutboxKinds.OwnerChange, Lead = change.RecordId }, ct), cancellationToken).ConfigureAwait(false);
        if (payloads is not [var payload] || JsonNode.Parse(payload)?["OwnerId"]?.GetValue<string>() is not { } expected)
        {
            return; // not a lead routing re-owned
        }

        var actual = change.Text(LeadFields.OwnerId);
        if (actual is not null && RecordIds.Same(actual, expected))
        {
            _metrics.Increment("routing_verified_total");
            return;
        }

        _metrics.Increment("routing_overridden_total");
        Log.RoutingOverridden(_logger, change.RecordId, actual ?? "(none)", expected, commitUser ?? "(unknown)");
    }

    /// <summary>Snapshots read by query (catch-up, resync), applied in order; the cursor moves with each.</summary>
    public async Task ApplySnapshotsAsync(IReadOnlyList<(SalesforceChange Change, StreamPosition? Position)> snapshots, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        if (snapshots.Count == 0)
        {
            return;
        }

        var incoming = new List<IncomingChange>(snapshots.Count);
        var mapping = Fields;
        foreach (var (change, position) in snapshots)
        {
            incoming.Add(new IncomingChange(await WithRevenueAsync(MappedFields.Canonical(change, mapping), cancellationToken).ConfigureAwait(false), position));
        }

        var outcomes = await Ledger.ApplyBatchAsync(incoming, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < outcomes.Count; i++)
        {
            _metrics.Applied(outcomes[i], incoming[i].Change, source);
        }

        // A catch-up or backfill run reads the objects in CatchUp.Order: a converted lead's opportunity is read by the
        // Opportunity pass that follows, so a re-read by id would only repeat it (and a large org's backfill would keep
        // hundreds of thousands of them pending in memory until then).
        await FollowUpAsync(outcomes, cancellationToken, resync: source is not ("catchup" or "backfill")).ConfigureAwait(false);
    }

    /// <summary>Re-reads records by id and applies them as snapshots (GAP events, a converted lead's opportunity).</summary>
    public async Task ResyncAsync(ChangeEntity entity, IReadOnlyCollection<string> ids, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return;
        }

        var sobject = SyncedObjects.ApiName(entity);
        var describe = await _describes.GetAsync(sobject, cancellationToken).ConfigureAwait(false);
        var fields = SyncFields.For(entity, describe, ExtraFields(entity));
        var snapshots = new List<(SalesforceChange, StreamPosition?)>();
        var pending = ids.Distinct(StringComparer.Ordinal).ToList();
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            var unsettled = new List<string>();
            foreach (var chunk in pending.Chunk(200))
            {
                var query = Soql.From(sobject).Select(fields).Where(Soql.Field("Id").InIds(chunk));
                await foreach (var row in _queries.QueryAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    var change = _normalizer.FromRecord(row, describe);
                    var stamp = FieldTyping.Timestamp(row.GetProperty("SystemModstamp"))!.Value;
                    if (attempt < 3 && !ChangeNormalizer.IsSettled(stamp, _time.GetUtcNow()))
                    {
                        unsettled.Add(change.RecordId); // changed this very second: more may land in it; read again once settled
                    }
                    else
                    {
                        snapshots.Add((change, null));
                    }
                }
            }

            pending = unsettled;
            if (pending.Count > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
            }
        }

        Log.Resynced(_logger, sobject, ids.Count, snapshots.Count, reason);
        _metrics.Increment("resync_records_total", snapshots.Count);
        await ApplySnapshotsAsync(snapshots, "resync", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What snapshot reads select beyond <see cref="SyncFields"/>: the program's revenue and override fields
    /// (opportunities), the org fields the field mapping names (leads, contacts), the owners routing by owner source
    /// needs, and whether an advocate's contact already links to it — read through the relationships in the same
    /// query, so they cost no call of their own.
    /// </summary>
    public IEnumerable<string> ExtraFields(ChangeEntity entity) => entity switch
    {
        ChangeEntity.Opportunity => [Ledger.Program.Config.RevenueField, Ledger.Program.Config.RewardOverrideField, OpportunityFields.CurrencyIsoCode],
        ChangeEntity.Lead => MappedFields.Sources(entity, Fields),
        ChangeEntity.Contact => [.. MappedFields.Sources(entity, Fields), ContactFields.AccountOwner],
        ChangeEntity.Advocate => ContactLinkReadable
            ? [AdvocateFields.ContactOwner, AdvocateFields.AccountOwner, AdvocateFields.ContactAdvocate]
            : [AdvocateFields.ContactOwner, AdvocateFields.AccountOwner],
        _ => [],
    };

    // The related field can only be selected when the org's Contact has it under its canonical name: a query naming a
    // field the org lacks fails whole. Unknown (Contact not described yet): not selected, and the link is written back.
    private bool ContactLinkReadable =>
        MappedFields.SourceOf(ChangeEntity.Contact, ContactFields.Advocate, Fields) == ContactFields.Advocate &&
        _describes.Cached(SyncedObjects.Contact)?.FindField(ContactFields.Advocate) is not null;

    private async Task HandleGapAsync(GapDetected gap, CancellationToken cancellationToken)
    {
        _metrics.Increment("stream_gaps_total");
        if (!SyncedObjects.TryGetEntity(gap.Entity, out var entity))
        {
            return;
        }

        var ids = gap.RecordIds.Where(id => !id.Contains('*', StringComparison.Ordinal)).ToList();
        if (ids.Count < gap.RecordIds.Count || ids.Count == 0)
        {
            CatchUpNeeded?.Invoke(entity.Value, $"{gap.ChangeType} on {gap.Channel} without record ids");
        }

        await ResyncAsync(entity.Value, ids, gap.ChangeType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// At Closed Won the reward needs the deal's revenue. Change events carry every revenue change and the ledger keeps
    /// the last known value, so a re-read costs a call only when the win arrives without the revenue field and the
    /// ledger does not know it either (the opportunity's earlier events were lost or predate the connector).
    /// </summary>
    private async ValueTask<SalesforceChange> WithRevenueAsync(SalesforceChange change, CancellationToken cancellationToken)
    {
        if (change.Entity != ChangeEntity.Opportunity || change.Kind == ChangeKind.Delete || change.IsSnapshot || !change.Has(OpportunityFields.StageName))
        {
            return change;
        }

        var config = Ledger.Program.Config;
        var mapped = config.Mapping.MapStage(change.Text(OpportunityFields.StageName));
        if (!mapped.IsMapped || mapped.State != Referrals.ReferralState.Won || change.Has(config.RevenueField))
        {
            return change;
        }

        var known = await Ledger.IsDealRevenueKnownAsync(change.RecordId, cancellationToken).ConfigureAwait(false);
        if (known is not false)
        {
            return change; // known, or not a referral's opportunity at all
        }

        var describe = await _describes.GetAsync(SyncedObjects.Opportunity, cancellationToken).ConfigureAwait(false);
        var fields = new[] { "Id", "SystemModstamp", config.RevenueField, config.RewardOverrideField, OpportunityFields.CurrencyIsoCode }
            .Where(f => describe.FindField(f) is not null).ToList();
        var query = Soql.From(SyncedObjects.Opportunity).Select(fields).Where(Soql.Field("Id").Equal(SoqlValue.Id(change.RecordId)));
        await foreach (var row in _queries.QueryAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var read = _normalizer.FromRecord(row, describe);
            var merged = change.Fields;
            foreach (var field in fields.Where(f => f is not ("Id" or "SystemModstamp")))
            {
                if (read.Fields.TryGetValue(field, out var value))
                {
                    merged = merged.SetItem(field, value);
                }
            }

            _metrics.Increment("revenue_rereads_total");
            return change with { Fields = merged };
        }

        return change;
    }

    /// <summary>
    /// A program routing to the advocate's Contact or Account owner needs those owners, which change events on
    /// Advocate__c do not carry: when a streamed advocate change names its contact or account (an enrolment, a relink),
    /// one query reads the owners through the relationships. Programs routing to the Advocate__c owner spend nothing.
    /// </summary>
    private async ValueTask<SalesforceChange> WithOwnersAsync(SalesforceChange change, CancellationToken cancellationToken)
    {
        if (change.Entity != ChangeEntity.Advocate || change.Kind == ChangeKind.Delete ||
            Ledger.Program.Config.Routing.OwnerSource == OwnerSource.AdvocateOwner ||
            (change.Text(AdvocateFields.Contact) is null && change.Text(AdvocateFields.Account) is null) || change.Has(AdvocateFields.ContactOwner))
        {
            return change;
        }

        var describe = await _describes.GetAsync(SyncedObjects.Advocate, cancellationToken).ConfigureAwait(false);
        var fields = SyncFields.For(ChangeEntity.Advocate, describe, [AdvocateFields.ContactOwner, AdvocateFields.AccountOwner])
            .Where(f => f is "Id" or "SystemModstamp" or AdvocateFields.ContactOwner or AdvocateFields.AccountOwner).ToList();
        var query = Soql.From(SyncedObjects.Advocate).Select(fields).Where(Soql.Field("Id").Equal(SoqlValue.Id(change.RecordId)));
        await foreach (var row in _queries.QueryAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var read = _normalizer.FromRecord(row, describe);
            _metrics.Increment("owner_rereads_total");
            return change with
            {
                Fields = change.Fields
                    .SetItem(AdvocateFields.ContactOwner, read.Value(AdvocateFields.ContactOwner))
                    .SetItem(AdvocateFields.AccountOwner, read.Value(AdvocateFields.AccountOwner)),
            };
        }

        return change;
    }

    /// <summary>
    /// When the program routes by Contact or Account owner (at the leader's start, or after an admin switched to it),
    /// re-reads the advocates whose owner for that source the ledger does not know yet — one query per 200 advocates,
    /// once per switch. Returns how many advocates were re-read.
    /// </summary>
    public async Task<int> ReadMissingOwnersAsync(CancellationToken cancellationToken)
    {
        var source = Ledger.Program.Config.Routing.OwnerSource;
        if (source == _ownersReadFor)
        {
            return 0;
        }

        var missing = source switch
        {
            OwnerSource.ContactOwner => "contact_id IS NOT NULL AND contact_owner_id IS NULL",
            OwnerSource.AccountOwner => "account_id IS NOT NULL AND account_owner_id IS NULL",
            _ => null,
        };
        var ids = missing is null
            ? []
            : await _services.GetRequiredService<LedgerStore>().InTransactionAsync(
                (tx, ct) => tx.QueryAsync<string>($"SELECT advocate_id FROM advocates WHERE {missing}", null, ct), cancellationToken).ConfigureAwait(false);
        await ResyncAsync(ChangeEntity.Advocate, [.. ids], $"routing by {source}: the owners are read for advocates the ledger has none for", cancellationToken)
            .ConfigureAwait(false);
        _ownersReadFor = source;
        return ids.Count;
    }

    /// <param name="resync">False for catch-up: the same run reads the opportunities after the leads, so a converted lead's
    /// opportunity is caught up anyway (and reconciliation re-reads one the cursor could not see).</param>
    private async Task FollowUpAsync(IReadOnlyList<ApplyOutcome> outcomes, CancellationToken cancellationToken, bool resync = true)
    {
        var wake = false;
        var resyncs = new Dictionary<ChangeEntity, HashSet<string>>();
        foreach (var decision in outcomes.SelectMany(o => o.Decisions))
        {
            switch (decision)
            {
                case RoutingDecision { ChangesOwner: true }:
                case AdvocateInvitationRequested:
                    wake = true;
                    break;
                case ResyncRequested request when resync:
                    if (!resyncs.TryGetValue(request.Entity, out var ids))
                    {
                        resyncs[request.Entity] = ids = new HashSet<string>(StringComparer.Ordinal);
                    }

                    ids.Add(request.RecordId);
                    break;
                case Quarantined q:
                    _metrics.Increment($"quarantined_total{{code=\"{q.Code}\"}}");
                    break;
                case AdvocateUpdated { Created: true }:
                    // Referrals quarantined for want of this advocate can go through now (the leader's loop re-applies them).
                    Volatile.Write(ref _advocatesArrived, 1);
                    break;
            }
        }

        if (wake)
        {
            _services.GetService<OutboxDispatcher>()?.Notify();
        }

        foreach (var (entity, ids) in resyncs)
        {
            foreach (var id in ids)
            {
                // A converted lead's opportunity usually streamed in (ignored: not linked yet) moments before the lead's
                // conversion event: when its whole history since creation is at hand, apply it instead of querying.
                if (entity == ChangeEntity.Opportunity && _unlinked.TakeComplete(id) is { } history)
                {
                    var replayed = await Ledger.ApplyBatchAsync([.. history.Select(c => new IncomingChange(c, null))], cancellationToken).ConfigureAwait(false);
                    _metrics.Increment("resync_from_stream_total");
                    for (var i = 0; i < replayed.Count; i++)
                    {
                        _metrics.Applied(replayed[i], history[i], "stream");
                    }

                    continue;
                }

                _deferred.TryAdd((entity, id), _time.GetUtcNow());
                _metrics.Increment("resync_deferred_total");
            }
        }
    }

    /// <summary>
    /// Re-reads the records the processor asked for (a converted lead's opportunity), batched: one query per object for
    /// everything requested since the last pass, once the records have settled. Deferring is safe: the link is already
    /// committed, and a crash before the pass is covered by the next catch-up, which reads every changed opportunity.
    /// </summary>
    /// <param name="minimumAge">Requests younger than this wait for the next pass: the record's own change events are
    /// usually still on their way, and when they arrive the re-read is not needed at all.</param>
    public async Task<int> ResyncDeferredAsync(TimeSpan minimumAge, CancellationToken cancellationToken)
    {
        var due = _time.GetUtcNow() - minimumAge;
        var taken = _deferred.Where(d => d.Value <= due).Select(d => d.Key).ToList();
        foreach (var key in taken)
        {
            _deferred.TryRemove(key, out _);
        }

        foreach (var group in taken.GroupBy(k => k.Entity))
        {
            await ResyncAsync(group.Key, [.. group.Select(k => k.Id)], "requested by the processor", cancellationToken).ConfigureAwait(false);
        }

        return taken.Count;
    }

    public int DeferredResyncs => _deferred.Count;

    /// <summary>Whether advocates were enrolled since the last call (and resets it).</summary>
    public bool TakeAdvocatesArrived() => Interlocked.Exchange(ref _advocatesArrived, 0) == 1;

    private static partial class Log
    {
        [LoggerMessage(9120, LogLevel.Information, "Re-read {Count} {SObject} record(s) by id ({Found} found): {Reason}")]
        public static partial void Resynced(ILogger logger, string sobject, int count, int found, string reason);

        [LoggerMessage(9122, LogLevel.Warning, "Routing of lead {LeadId} was overridden: owner is {Actual}, routing chose {Expected} (changed by user {CommitUser})")]
        public static partial void RoutingOverridden(ILogger logger, string leadId, string actual, string expected, string commitUser);

        [LoggerMessage(9121, LogLevel.Warning, "Replay id {ReplayId} of {Channel} is no longer retained: catching up by query")]
        public static partial void ReplayInvalid(ILogger logger, string channel, long replayId);
    }
}
