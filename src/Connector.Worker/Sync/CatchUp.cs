using System.Globalization;
using System.Text.Json;
using Connector.Ledger.Applying;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Quarantine;
using Connector.Referrals.Processing;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Query;
using Connector.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Sync;

/// <summary>
/// The safety net under streaming: per synced object, reads what changed since its stored (SystemModstamp, Id) cursor
/// and applies each record as a snapshot, the cursor moving in the same transaction as the effects. The first run has
/// no cursor and backfills the org's referral records. Runs after downtime longer than the replay retention, after
/// GAP/overflow events, when the stream goes silent, and on a schedule. Snapshots and stream events of one change
/// apply once (the processor orders by commit time and the ledger guards event keys), so overlap is harmless.
/// </summary>
public sealed partial class CatchUp
{
    /// <summary>Advocates before leads (a lead needs its advocate), leads before opportunities (conversion links them).</summary>
    public static readonly IReadOnlyList<ChangeEntity> Order = [ChangeEntity.Advocate, ChangeEntity.Contact, ChangeEntity.Lead, ChangeEntity.Opportunity];

    private readonly ChangeApplier _applier;
    private readonly ChangeNormalizer _normalizer;
    private readonly ModstampCursor _cursor;
    private readonly BulkBackfill _backfill;
    private readonly DescribeCache _describes;
    private readonly CheckpointStore _checkpoints;
    private readonly QuarantineStore _quarantine;
    private readonly IServiceProvider _services;
    private readonly SyncOptions _options;
    private readonly ConnectorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<CatchUp> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public CatchUp(ChangeApplier applier, ChangeNormalizer normalizer, ModstampCursor cursor, BulkBackfill backfill, DescribeCache describes, CheckpointStore checkpoints,
        QuarantineStore quarantine, IServiceProvider services, IOptions<SyncOptions> options, ConnectorMetrics metrics, TimeProvider time, ILogger<CatchUp> logger)
    {
        _time = time;
        _applier = applier;
        _normalizer = normalizer;
        _cursor = cursor;
        _backfill = backfill;
        _describes = describes;
        _checkpoints = checkpoints;
        _quarantine = quarantine;
        _services = services;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>How far behind now a catch-up reads: records of the current second may still gain changes.</summary>
    public static readonly TimeSpan Lag = TimeSpan.FromSeconds(1);

    public static string StreamOf(ChangeEntity entity) => $"catchup:{SyncedObjects.ApiName(entity)}";

    /// <summary>
    /// Catches every synced object up (in <see cref="Order"/>), then re-applies changes quarantined for a missing advocate.
    /// The first query of every object that has a cursor and the revalidations of describes that are due go out together
    /// in one Composite call, so a run that finds nothing new costs one API call; only what that call did not finish
    /// (more records than one query's LIMIT, more pages than its first) costs calls of its own. Applying still follows
    /// <see cref="Order"/>.
    /// </summary>
    /// <param name="covering">An instant every record stamped before must be read (the stream's subscription, at a
    /// leader's start): each query read waits until its bound has passed it. A first run's Bulk jobs and their
    /// applying do not wait; the query read that follows a backfill starts long after.</param>
    public async Task<int> RunAsync(string reason, CancellationToken cancellationToken, IReadOnlyCollection<ChangeEntity>? only = null, DateTimeOffset? covering = null)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var total = 0;
            var plans = await PlanAsync([.. Order.Where(e => only is null || only.Contains(e))], covering, cancellationToken).ConfigureAwait(false);
            try
            {
                // A first catch-up's Bulk jobs start together: Salesforce runs the later objects' queries while the
                // earlier ones apply, instead of each waiting for its turn and then for its job.
                foreach (var plan in plans.Skip(1).Where(p => p.Cursor is null))
                {
                    _backfill.StartAhead(plan.Entity, Request(plan.Entity, plan.Describe), cancellationToken);
                }

                foreach (var plan in plans)
                {
                    total += await RunEntityAsync(plan, covering, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                await _backfill.SettleAheadAsync().ConfigureAwait(false);
            }

            total += await ReapplyWaitingAsync(cancellationToken).ConfigureAwait(false);
            _metrics.CatchUpCompleted();
            _metrics.Increment("catchup_runs_total");
            Log.Completed(_logger, total, reason);
            return total;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One object's part of a run: its describe, stored cursor and, when it was started with the others, its read.</summary>
    private sealed record Plan(ChangeEntity Entity, SObjectDescription Describe, string? Cursor, ModstampRead? Read);

    private async Task<IReadOnlyList<Plan>> PlanAsync(IReadOnlyList<ChangeEntity> entities, DateTimeOffset? covering, CancellationToken cancellationToken)
    {
        var describes = new Dictionary<ChangeEntity, SObjectDescription>();
        var due = new List<(ChangeEntity Entity, CompositeGet Get)>();
        var cursors = new Dictionary<ChangeEntity, string?>();
        foreach (var entity in entities)
        {
            var sobject = SyncedObjects.ApiName(entity);
            if (_describes.Cached(sobject) is { } cached)
            {
                describes[entity] = cached;
                if (_describes.RevalidationDue(sobject) is { } revalidation)
                {
                    due.Add((entity, revalidation));
                }
            }
            else
            {
                describes[entity] = await _describes.GetAsync(sobject, cancellationToken).ConfigureAwait(false); // first load: a call of its own
            }

            cursors[entity] = await _checkpoints.GetCursorAsync(StreamOf(entity), cancellationToken).ConfigureAwait(false);
        }

        // Objects without a cursor start alone: their first run may backfill by Bulk instead.
        var combined = entities.Where(e => cursors[e] is not null).ToList();
        if (combined.Count > 0)
        {
            await BoundPastAsync(covering, cancellationToken).ConfigureAwait(false);
        }

        var (reads, answers) = await _cursor.StartCombinedAsync(
            [.. combined.Select(e => (Request(e, describes[e]), Parse(cursors[e])))], cancellationToken, [.. due.Select(d => d.Get)]).ConfigureAwait(false);

        // A describe that changed makes its object's first query stale (it selected the old fields): that object is read
        // again from the start with the new field list; its combined answer, even a failure, is dropped.
        var changed = new HashSet<ChangeEntity>();
        for (var i = 0; i < due.Count; i++)
        {
            var entity = due[i].Entity;
            var sobject = SyncedObjects.ApiName(entity);
            var before = describes[entity];
            var revalidated = _describes.Revalidated(sobject, answers[i])?.Description
                ?? await _describes.GetAsync(sobject, cancellationToken).ConfigureAwait(false); // an unexpected answer: revalidate alone
            if (!ReferenceEquals(revalidated, before))
            {
                describes[entity] = revalidated;
                changed.Add(entity);
            }
        }

        return [.. entities.Select(e => new Plan(e, describes[e], cursors[e],
            combined.IndexOf(e) is var at && at >= 0 && !changed.Contains(e) ? reads[at] : null))];
    }

    private ModstampRequest Request(ChangeEntity entity, SObjectDescription describe) =>
        new(SyncedObjects.ApiName(entity), SyncFields.For(entity, describe, _applier.ExtraFields(entity)).Where(f => f is not ("Id" or "SystemModstamp")))
        {
            Filter = _applier.SnapshotFilter(entity, describe),
            PageSize = _options.CatchUpPageSize,
            Lag = Lag,
            IncludeDeleted = entity is ChangeEntity.Lead or ChangeEntity.Opportunity,
        };

    /// <summary>
    /// Waits until a query read started now is bounded above <paramref name="covering"/>: reads stop before the whole
    /// second preceding now − <see cref="Lag"/> (records of the current second may still change), so the bound passes an
    /// instant once the second after it has begun, <see cref="Lag"/> later.
    /// </summary>
    private async Task BoundPastAsync(DateTimeOffset? covering, CancellationToken cancellationToken)
    {
        if (covering is not { } at)
        {
            return;
        }

        var wait = SoqlValue.TruncateToSecond(at) + TimeSpan.FromSeconds(1) + Lag + TimeSpan.FromMilliseconds(50) - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> RunEntityAsync(Plan plan, DateTimeOffset? covering, CancellationToken cancellationToken)
    {
        var (entity, describe, cursor, read) = plan;
        var sobject = SyncedObjects.ApiName(entity);
        var stream = StreamOf(entity);
        var from = Parse(cursor);
        var request = read?.Request ?? Request(entity, describe);

        var count = 0;
        var backfilled = false;
        if (cursor is null && await _backfill.RunAsync(entity, describe, request, cancellationToken).ConfigureAwait(false) is { } backfill)
        {
            // A large org's first catch-up went by Bulk; the REST catch-up continues from the last record it read.
            count = checked((int)backfill.Count);
            from = backfill.ContinueFrom;
            backfilled = true;
            await _checkpoints.SaveCursorAsync(stream, Format(from), cancellationToken).ConfigureAwait(false);
        }

        if (read is null)
        {
            await BoundPastAsync(covering, cancellationToken).ConfigureAwait(false);
            read = _cursor.Start(request, from);
        }

        var batch = new List<(SalesforceChange, StreamPosition?)>(_options.ApplyBatchSize);
        var readAny = false;
        await foreach (var record in _cursor.ReadAsync<JsonElement>(read, cancellationToken).ConfigureAwait(false))
        {
            readAny = true;
            batch.Add((_normalizer.FromRecord(record.Record, describe), StreamPosition.AtCursor(stream, Format(record.Position))));
            if (batch.Count >= _options.ApplyBatchSize)
            {
                await _applier.ApplySnapshotsAsync(batch, "catchup", cancellationToken).ConfigureAwait(false);
                count += batch.Count;
                batch.Clear();
            }
        }

        await _applier.ApplySnapshotsAsync(batch, "catchup", cancellationToken).ConfigureAwait(false);
        count += batch.Count;
        if (cursor is null && !backfilled && !readAny)
        {
            // Nothing to sync yet: the cursor still moves to the bound this run read up to, so the next run starts from a
            // cursor (and with the other objects' in one call) instead of deciding about a first backfill again.
            await _checkpoints.SaveCursorAsync(stream, Format(read.End), cancellationToken).ConfigureAwait(false);
        }

        if (count > 0)
        {
            Log.EntityCaughtUp(_logger, sobject, count, cursor is null);
        }

        _metrics.Increment($"catchup_records_total{{sobject=\"{sobject}\"}}", count);
        return count;
    }

    /// <summary>Changes quarantined because their advocate was unknown are re-applied once advocates have been caught up.</summary>
    public async Task<int> ReapplyWaitingAsync(CancellationToken cancellationToken)
    {
        var ledger = _services.GetRequiredService<ReferralLedger>();
        var reapplied = 0;
        foreach (var entry in await _quarantine.ListOpenAsync(1000, cancellationToken).ConfigureAwait(false))
        {
            if (entry.ReasonCode != nameof(QuarantineCode.UnknownAdvocate))
            {
                continue;
            }

            var outcome = await ledger.ReapplyQuarantinedAsync(entry.Id, cancellationToken).ConfigureAwait(false);
            if (outcome is { Status: ApplyStatus.Applied or ApplyStatus.Duplicate })
            {
                reapplied++;
            }
        }

        return reapplied;
    }

    public static string Format(ModstampPosition position) =>
        position.SystemModstamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) + "|" + position.Id;

    public static ModstampPosition Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return ModstampPosition.Since(DateTimeOffset.UnixEpoch);
        }

        var bar = cursor.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0 || !DateTimeOffset.TryParse(cursor[..bar], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var stamp))
        {
            throw new FormatException($"Catch-up cursor '{cursor}' is not 'yyyy-MM-ddTHH:mm:ss.fffZ|Id'.");
        }

        return new ModstampPosition(stamp, cursor[(bar + 1)..]);
    }

    private static partial class Log
    {
        [LoggerMessage(9130, LogLevel.Information, "Catch-up read {Count} {SObject} record(s) (first backfill: {Backfill})")]
        public static partial void EntityCaughtUp(ILogger logger, string sobject, int count, bool backfill);

        [LoggerMessage(9131, LogLevel.Information, "Catch-up done: {Count} change(s) applied ({Reason})")]
        public static partial void Completed(ILogger logger, int count, string reason);
    }
}
