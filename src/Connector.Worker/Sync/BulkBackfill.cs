using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Connector.Ledger;
using Connector.Ledger.Checkpoints;
using Connector.Referrals.Processing;
using Connector.Salesforce;
using Connector.Salesforce.Bulk;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Query;
using Connector.Worker.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Sync;

/// <summary>
/// The first catch-up of a large org: when an object has no catch-up cursor yet and more records match than
/// <see cref="SyncOptions.BulkBackfillThreshold"/> (one COUNT() query), they are read by ONE Bulk API 2.0 query job
/// (same fields and filter as the REST catch-up, bounded above like it) instead of thousands of REST pages, streamed
/// page by page and applied in batches through <see cref="ChangeApplier.ApplySnapshotsAsync"/> — the same path, keys
/// and exactly-once guarantees as every other change.
/// <para>Resumable: Bulk results come in no useful order (ORDER BY defeats Salesforce's chunking and is not supported),
/// so progress is not a (SystemModstamp, Id) cursor but a position in the job's results — job id, page locator, rows
/// read in the page — committed with each batch's effects under stream <c>backfill:{SObject}</c>. After a crash the
/// same job's page is requested again and the rows already applied skipped; at worst the batch in flight is applied
/// again, which its event keys make a no-op. A job Salesforce no longer has (kept 7 days) is run again from scratch,
/// equally harmless. Done, the REST catch-up continues from the greatest (SystemModstamp, Id) the job returned.</para>
/// </summary>
public sealed partial class BulkBackfill
{
    private readonly BulkQueryClient _bulk;
    private readonly SalesforceQueries _queries;
    private readonly ChangeApplier _applier;
    private readonly CheckpointStore _checkpoints;
    private readonly LedgerDatabase _database;
    private readonly SyncOptions _options;
    private readonly ConnectorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<BulkBackfill> _logger;

    public BulkBackfill(BulkQueryClient bulk, SalesforceQueries queries, ChangeApplier applier, CheckpointStore checkpoints, LedgerDatabase database,
        IOptions<SyncOptions> options, ConnectorMetrics metrics, TimeProvider time, ILogger<BulkBackfill> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _bulk = bulk;
        _queries = queries;
        _applier = applier;
        _checkpoints = checkpoints;
        _database = database;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>How often progress is logged while a backfill runs.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An unfinished backfill whose position has not moved for this long is taken as stopped (its process died, or its
    /// instance lost the lead): <see cref="UnderWayAsync"/> no longer reports it. Each applied batch moves the position.
    /// </summary>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(10);

    // Backfills this process is running, from the COUNT() that decides on one to the last batch (the job's wait included).
    private int _running;

    // Jobs started ahead of their object's turn (StartAhead), by object; null when the object has a position already.
    private readonly ConcurrentDictionary<ChangeEntity, Task<Ahead?>> _ahead = new();

    /// <summary>
    /// Whether a backfill is under way: run by this process, or by another instance of the deployment (an unfinished
    /// backfill position in the ledger, moved within <see cref="StalledAfter"/>). Work that reads the whole ledger and
    /// whose result the backfill is about to change (advocate profiles) waits for it.
    /// </summary>
    public async Task<bool> UnderWayAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _running) > 0)
        {
            return true;
        }

        var now = _time.GetUtcNow();
        foreach (var checkpoint in await _checkpoints.ListAsync("backfill:", cancellationToken).ConfigureAwait(false))
        {
            if (now - checkpoint.UpdatedAt < StalledAfter && Unfinished(checkpoint.Cursor))
            {
                return true;
            }
        }

        return false;
    }

    // A position this version cannot read is the backfill's own error to report (it fails on it); here it is not one under way.
    private static bool Unfinished(string? cursor)
    {
        try
        {
            return BackfillState.Parse(cursor) is { Complete: false };
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static string StreamOf(ChangeEntity entity) => $"backfill:{SyncedObjects.ApiName(entity)}";

    /// <summary>
    /// Backfills <paramref name="entity"/> by Bulk when it qualifies (or resumes a backfill under way). Returns null when
    /// the REST catch-up should read it instead (few records); otherwise the records applied and the position the REST
    /// catch-up continues from. The caller saves that position as the object's catch-up cursor.
    /// </summary>
    public async Task<BackfillResult?> RunAsync(ChangeEntity entity, SObjectDescription describe, ModstampRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(describe);
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _running);
        try
        {
            return await RunCountedAsync(entity, describe, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>
    /// Decides <paramref name="entity"/>'s first catch-up now and, when it is a backfill, starts its Bulk job, while the
    /// objects before it in the catch-up are still applied: Salesforce runs the query meanwhile (a large object's job
    /// takes it from seconds to minutes), and <see cref="RunAsync"/> finds the job started. Its upper bound is the time
    /// it starts; the REST catch-up after it reads what changed since, as after any backfill. Nothing when the object
    /// has a backfill position already (one under way resumes as usual).
    /// </summary>
    public void StartAhead(ChangeEntity entity, ModstampRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _running); // under way from now: work that waits for backfills waits for this one too
        _ahead[entity] = Task.Run(async () =>
        {
            try
            {
                return await _checkpoints.GetCursorAsync(StreamOf(entity), cancellationToken).ConfigureAwait(false) is null
                    ? new Ahead(await StartAsync(entity, request, cancellationToken).ConfigureAwait(false))
                    : null;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }, CancellationToken.None);
    }

    /// <summary>
    /// Waits for the jobs started ahead that no run took (the catch-up failed or stopped before their turn). Their
    /// positions are stored: the next catch-up resumes them. A failure to start one is left to that object's own turn,
    /// which starts it as it would have.
    /// </summary>
    public async Task SettleAheadAsync()
    {
        foreach (var entity in _ahead.Keys)
        {
            if (_ahead.TryRemove(entity, out var ahead))
            {
                await Task.WhenAny(ahead).ConfigureAwait(false);
                _ = ahead.Exception; // observed: the object's own turn reports it
            }
        }
    }

    private async Task<BackfillResult?> RunCountedAsync(ChangeEntity entity, SObjectDescription describe, ModstampRequest request, CancellationToken cancellationToken)
    {
        var stream = StreamOf(entity);
        Ahead? ahead = null;
        if (_ahead.TryRemove(entity, out var started))
        {
            try
            {
                ahead = await started.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.AheadFailed(_logger, request.SObject, e.GetType().Name, e.Message);
            }
        }

        if (ahead is { Started: null })
        {
            return null; // counted under the threshold: the REST catch-up reads it
        }

        var state = ahead?.Started ?? BackfillState.Parse(await _checkpoints.GetCursorAsync(stream, cancellationToken).ConfigureAwait(false));
        if (state is null)
        {
            state = await StartAsync(entity, request, cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                return null;
            }
        }
        else if (!state.Complete && ahead is null)
        {
            Log.Resuming(_logger, request.SObject, state.JobId, state.Done, state.Total);
        }

        long applied = 0;
        if (!state.Complete)
        {
            // Leads register the referrals, each an insert into two indexes whose keys come in random order: a large
            // load goes without them and builds them at the end (DeferredIndexes; SQLite). Opportunities only move
            // referrals that exist, and their reward evaluations read by (advocate, state): they keep those, and go
            // without the rewards' (advocate, date) index, which no decision reads.
            var remaining = state.Total - state.Done;
            var deferred = entity switch
            {
                ChangeEntity.Lead => await _database.DeferredIndexes.DeferAsync(remaining, cancellationToken).ConfigureAwait(false),
                ChangeEntity.Opportunity => await _database.DeferredIndexes.DeferForOpportunitiesAsync(remaining, cancellationToken).ConfigureAwait(false),
                _ => false,
            };
            if (deferred)
            {
                Log.IndexesDeferred(_logger, request.SObject, remaining);
            }

            try
            {
                var before = state.Done;
                state = await ApplyResultsAsync(entity, describe, request, state, cancellationToken).ConfigureAwait(false);
                applied = state.Done - before;
            }
            catch (SalesforceApiException e) when (e.Status is System.Net.HttpStatusCode.NotFound || e.ErrorCode is "INVALID_LOCATOR")
            {
                // The job is gone (Salesforce deletes terminal jobs after 7 days): run the query again. Rows applied
                // already come back with the same keys and change nothing.
                Log.JobGone(_logger, request.SObject, state.JobId, e.ErrorCode);
                state = await StartAsync(entity, request, cancellationToken, force: true).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("A forced backfill always starts a job.");
                state = await ApplyResultsAsync(entity, describe, request, state, cancellationToken).ConfigureAwait(false);
                applied = state.Done;
            }

            // Not in a finally: a stopping process leaves them to the next start's migration step, which builds them
            // before anything reads the ledger (and this backfill, resumed, may defer them again).
            if (deferred)
            {
                var building = Stopwatch.StartNew();
                await _database.DeferredIndexes.RestoreAsync(keepStateIndexDeferred: entity == ChangeEntity.Lead && OpportunityLoadFollows(), cancellationToken)
                    .ConfigureAwait(false);
                Log.IndexesBuilt(_logger, request.SObject, building.Elapsed.TotalSeconds);
            }
        }

        return new BackfillResult(applied, state.MaxSeen ?? ModstampPosition.Since(state.Upper));
    }

    /// <summary>
    /// Whether an opportunity Bulk load comes next in this catch-up: its job was started ahead, over the threshold. It
    /// then goes without (advocate, state) too, so the lead load leaves that index to be built once, after it.
    /// </summary>
    private bool OpportunityLoadFollows() =>
        _ahead.TryGetValue(ChangeEntity.Opportunity, out var ahead) && ahead.IsCompletedSuccessfully && ahead.Result is { Started: not null };

    /// <summary>Counts what the backfill would read; below the threshold nothing starts. Else creates the job and records it before any row is applied.</summary>
    private async Task<BackfillState?> StartAsync(ChangeEntity entity, ModstampRequest request, CancellationToken cancellationToken, bool force = false)
    {
        // Bounded above like the REST catch-up: never the current second, which may still gain records.
        var upper = SoqlValue.TruncateToSecond(_time.GetUtcNow() - request.Lag);
        var statement = Statement(request, upper);
        var total = await _queries.CountAsync(statement, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!force && total <= _options.BulkBackfillThreshold)
        {
            return null;
        }

        Log.Starting(_logger, request.SObject, total, _options.BulkBackfillThreshold);
        if (!RuntimeTuning.Gen0SizeConfigured)
        {
            Log.DefaultGen0Budget(_logger, RuntimeTuning.Gen0SizeVariable, RuntimeTuning.Gen0SizeValue);
        }

        var job = await _bulk.RunJobAsync(statement.ToSoql(), new BulkQueryOptions
        {
            IncludeDeleted = request.IncludeDeleted,
            MaxRecordsPerPage = _options.BulkPageSize,
            FirstPollDelay = _options.BulkPollDelay,
        }, cancellationToken).ConfigureAwait(false);
        var state = new BackfillState(job.Id, upper, Math.Max(total, job.RecordsProcessed), 0, BulkResultPosition.Start, null, false);
        await _checkpoints.SaveCursorAsync(StreamOf(entity), state.Format(), cancellationToken).ConfigureAwait(false);
        _metrics.Set(Metric("backfill_records_total", request.SObject), state.Total);
        _metrics.Set(Metric("backfill_records_done", request.SObject), 0);
        return state;
    }

    /// <summary>The catch-up's statement without ORDER BY and LIMIT (Bulk reads everything, in its own order).</summary>
    public static SoqlSelect Statement(ModstampRequest request, DateTimeOffset upper)
    {
        ArgumentNullException.ThrowIfNull(request);
        SoqlCondition condition = Soql.Field("SystemModstamp").LessThan(upper);
        if (request.Filter is { } filter)
        {
            condition &= filter;
        }

        var fields = new List<string> { "Id", "SystemModstamp" };
        if (request.IncludeDeleted)
        {
            fields.Add("IsDeleted");
        }

        return Soql.From(request.SObject).Select(fields.Concat(request.Fields)).Where(condition);
    }

    private async Task<BackfillState> ApplyResultsAsync(ChangeEntity entity, SObjectDescription describe, ModstampRequest request, BackfillState state, CancellationToken cancellationToken)
    {
        var stream = StreamOf(entity);
        var clock = Stopwatch.StartNew();
        var startedDone = state.Done;
        var lastLog = TimeSpan.Zero;
        var coveredResyncs = entity == ChangeEntity.Opportunity ? _applier.PendingResyncs(ChangeEntity.Opportunity) : [];
        var statistics = new StatisticsSchedule();
        Task? refreshing = null;
        var doneMetric = Metric("backfill_records_done", request.SObject);
        var rateMetric = Metric("backfill_records_per_second", request.SObject);
        _metrics.Set(Metric("backfill_records_total", request.SObject), state.Total);

        // Reading (download + CSV parse) runs one batch ahead of applying, on the other core: the ledger
        // apply is the slow side, and it should never wait for the network. So does the WAL checkpointing (SQLite).
        await using var checkpoints = _database.CheckpointInBackground(_time);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var batches = Channel.CreateBounded<ReadBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(() => ReadBatchesAsync(entity, describe, state, batches.Writer, reading.Token), reading.Token);
        try
        {
            await foreach (var read in batches.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var next = state with { Done = state.Done + read.Changes.Count, Position = read.Position, MaxSeen = read.MaxSeen, Complete = read.Last };
                if (read.Changes.Count == 0)
                {
                    await _checkpoints.SaveCursorAsync(stream, next.Format(), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Only the batch's last change carries the position: the ledger commits it with the batch's effects.
                    read.Changes[^1] = (read.Changes[^1].Item1, Ledger.Checkpoints.StreamPosition.AtCursor(stream, next.Format()));
                    await _applier.ApplySnapshotsAsync(read.Changes, "backfill", cancellationToken).ConfigureAwait(false);
                }

                state = next;
                // On a connection of its own, while the batches go on: a refresh of a million-row ledger takes seconds
                // (PostgreSQL's ANALYZE of every table at every step: 22-27 s of a 160-187 s backfill, waited for). One
                // at a time; one due meanwhile starts when it is done.
                if (refreshing is not { IsCompleted: false } && statistics.Due(state.Done - startedDone))
                {
                    refreshing = RefreshStatisticsAsync(request.SObject, cancellationToken);
                }

                _metrics.Set(doneMetric, state.Done);
                var elapsed = clock.Elapsed;
                var rate = elapsed.TotalSeconds > 0 ? (state.Done - startedDone) / elapsed.TotalSeconds : 0;
                _metrics.Set(rateMetric, (long)rate);
                if (read.Last || elapsed - lastLog >= ProgressInterval)
                {
                    lastLog = elapsed;
                    Log.Progress(_logger, request.SObject, state.Done, Math.Max(state.Done, state.Total), (long)rate);
                }
            }

            await reader.ConfigureAwait(false); // its failure, if any (the channel completes with it too)
        }
        finally
        {
            await reading.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(reader).ConfigureAwait(false);
            if (refreshing is not null)
            {
                await refreshing.ConfigureAwait(false); // it reports its own failure
            }
        }

        // Opportunities whose re-read the processor asked for (converted leads backfilled just before) were linked
        // before this job read them: the job's rows were applied with the link in place, so those re-reads are done.
        _applier.ForgetResyncs(ChangeEntity.Opportunity, coveredResyncs);
        _metrics.Increment(Metric("backfill_runs_total", request.SObject));
        var count = state.Done - startedDone;
        Log.Completed(_logger, request.SObject, count, clock.Elapsed.TotalSeconds, (long)(count / Math.Max(clock.Elapsed.TotalSeconds, 0.001)));
        return state;
    }

    /// <summary>
    /// Refreshes the planner's statistics for the load under way. A failure is logged, not thrown: the statistics only
    /// make the plans better, and the load's own transactions report a database that is gone.
    /// </summary>
    private async Task RefreshStatisticsAsync(string sobject, CancellationToken cancellationToken)
    {
        try
        {
            if (await _database.RefreshStatisticsAsync(cancellationToken).ConfigureAwait(false) is { Count: > 0 } analyzed)
            {
                _metrics.Increment(Metric("backfill_statistics_refreshes_total", sobject));
                Log.StatisticsRefreshed(_logger, sobject, string.Join(", ", analyzed));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.StatisticsFailed(_logger, sobject, e.GetType().Name, e.Message);
        }
    }

    /// <summary>The job's rows from <paramref name="state"/>'s position on, as batches with the position after each; the last one marked.</summary>
    private async Task ReadBatchesAsync(ChangeEntity entity, SObjectDescription describe, BackfillState state, ChannelWriter<ReadBatch> output, CancellationToken cancellationToken)
    {
        try
        {
            var records = new BulkRecords(entity, describe);
            var batchSize = _options.BulkApplyBatchSize;
            var batch = new List<(SalesforceChange, Ledger.Checkpoints.StreamPosition?)>(batchSize);
            var position = state.Position;
            var maxSeen = state.MaxSeen;
            // Every page is read to the end: the next one is requested while this one is read, not after it.
            var paging = new BulkQueryOptions { MaxRecordsPerPage = _options.BulkPageSize, ReadAhead = true };
            await foreach (var row in _bulk.ReadResultsAsync(state.JobId, state.Position, paging, cancellationToken)
                .ConfigureAwait(false))
            {
                var change = records.ToChange(row, out var stamp);
                var at = new ModstampPosition(SoqlValue.TruncateToSecond(stamp), change.RecordId);
                if (maxSeen is not { } max || at.SystemModstamp > max.SystemModstamp || (at.SystemModstamp == max.SystemModstamp && string.CompareOrdinal(at.Id, max.Id) > 0))
                {
                    maxSeen = at;
                }

                position = row.Position;
                batch.Add((change, null));
                if (batch.Count >= batchSize)
                {
                    await output.WriteAsync(new ReadBatch(batch, position, maxSeen, Last: false), cancellationToken).ConfigureAwait(false);
                    batch = new List<(SalesforceChange, Ledger.Checkpoints.StreamPosition?)>(batchSize);

                    // The next batch is read once this one is taken, not while it waits: reading one takes a fraction
                    // of applying one, and a third batch alive would be one more batch each collection copies.
                    await output.WaitToWriteAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await output.WriteAsync(new ReadBatch(batch, position, maxSeen, Last: true), cancellationToken).ConfigureAwait(false);
            output.Complete();
        }
        catch (Exception e)
        {
            output.TryComplete(e);
            throw;
        }
    }

    /// <summary>What <see cref="StartAhead"/> decided: the job's first state, or null when the object was under the threshold.</summary>
    private sealed record Ahead(BackfillState? Started);

    /// <summary>Rows read and converted, with the results position after the last of them and the greatest (SystemModstamp, Id) so far.</summary>
    private sealed record ReadBatch(List<(SalesforceChange, Ledger.Checkpoints.StreamPosition?)> Changes, BulkResultPosition Position, ModstampPosition? MaxSeen, bool Last);

    private static string Metric(string name, string sobject) => $"{name}{{sobject=\"{sobject}\"}}";

    private static partial class Log
    {
        [LoggerMessage(9140, LogLevel.Information, "Backfill of {SObject} by Bulk API 2.0: {Total} record(s) match (threshold {Threshold})")]
        public static partial void Starting(ILogger logger, string sobject, long total, int threshold);

        [LoggerMessage(9141, LogLevel.Information, "Backfill of {SObject}: {Done}/{Total} record(s), {RecordsPerSecond} records/s")]
        public static partial void Progress(ILogger logger, string sobject, long done, long total, long recordsPerSecond);

        [LoggerMessage(9142, LogLevel.Information, "Backfill of {SObject} resumes Bulk job {JobId} after {Done}/{Total} record(s)")]
        public static partial void Resuming(ILogger logger, string sobject, string jobId, long done, long total);

        [LoggerMessage(9143, LogLevel.Warning, "Backfill of {SObject}: Bulk job {JobId} can no longer be read ({ErrorCode}); running the query again")]
        public static partial void JobGone(ILogger logger, string sobject, string jobId, string errorCode);

        [LoggerMessage(9144, LogLevel.Information, "Backfill of {SObject} done: {Count} record(s) in {Seconds:F1} s ({RecordsPerSecond} records/s)")]
        public static partial void Completed(ILogger logger, string sobject, long count, double seconds, long recordsPerSecond);

        [LoggerMessage(9145, LogLevel.Information, "Backfill of {SObject}: {Count} record(s) to load, the indexes its records would update at random places are built at the end")]
        public static partial void IndexesDeferred(ILogger logger, string sobject, long count);

        [LoggerMessage(9146, LogLevel.Information, "Backfill of {SObject}: indexes built in {Seconds:F1} s")]
        public static partial void IndexesBuilt(ILogger logger, string sobject, double seconds);

        [LoggerMessage(9148, LogLevel.Warning, "Backfill of {SObject}: its job could not be started ahead ({ErrorType}: {Message}); it starts in its turn")]
        public static partial void AheadFailed(ILogger logger, string sobject, string errorType, string message);

        [LoggerMessage(9139, LogLevel.Debug, "Backfill of {SObject}: the planner's statistics refreshed for {Tables}")]
        public static partial void StatisticsRefreshed(ILogger logger, string sobject, string tables);

        [LoggerMessage(9149, LogLevel.Warning, "Backfill of {SObject}: the planner's statistics could not be refreshed ({ErrorType}: {Message}); the load goes on")]
        public static partial void StatisticsFailed(ILogger logger, string sobject, string errorType, string message);

        [LoggerMessage(9147, LogLevel.Information, "The process runs with the runtime's default GC budget: a backfill runs about 20% faster with {Variable}={Value} in its environment, as deploy/ sets it")]
        public static partial void DefaultGen0Budget(ILogger logger, string variable, string value);
    }
}

/// <summary>
/// When a backfill refreshes the ledger's planner statistics: after its first records, then each time the records
/// it applied have doubled — a handful of times for a million records. A backfill grows tables from nothing faster
/// than autovacuum notices, and PostgreSQL planned its reads as for empty tables (measured: half the speed).
/// </summary>
internal sealed class StatisticsSchedule(long first = 5_000)
{
    private long _next = first;

    /// <summary>Whether the statistics are due now that <paramref name="applied"/> records were applied (then the next time is twice as far).</summary>
    public bool Due(long applied)
    {
        if (applied < _next)
        {
            return false;
        }

        while (_next <= applied)
        {
            _next *= 2;
        }

        return true;
    }
}

/// <summary>How many records a Bulk backfill read in this run, and where the REST catch-up continues.</summary>
public sealed record BackfillResult(long Count, ModstampPosition ContinueFrom);

/// <summary>
/// A backfill's progress as stored in its checkpoint:
/// <c>bulk1|jobId|upper|total|done|locator|rowsRead|maxStamp|maxId|complete</c> (locator escaped; empty for none).
/// </summary>
internal sealed record BackfillState(string JobId, DateTimeOffset Upper, long Total, long Done, BulkResultPosition Position, ModstampPosition? MaxSeen, bool Complete)
{
    private const string Version = "bulk1";

    public string Format() => string.Join('|',
        Version,
        JobId,
        Stamp(Upper),
        Total.ToString(CultureInfo.InvariantCulture),
        Done.ToString(CultureInfo.InvariantCulture),
        Position.PageLocator is { } locator ? Uri.EscapeDataString(locator) : string.Empty,
        Position.RowsRead.ToString(CultureInfo.InvariantCulture),
        MaxSeen is { } max ? Stamp(max.SystemModstamp) : string.Empty,
        MaxSeen?.Id ?? string.Empty,
        Complete ? "1" : "0");

    public static BackfillState? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var parts = text.Split('|');
        if (parts is not [Version, { Length: > 0 } job, var upper, var total, var done, var locator, var rows, var maxStamp, var maxId, "0" or "1"] ||
            !DateTimeOffset.TryParse(upper, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var upperAt) ||
            !long.TryParse(total, NumberStyles.None, CultureInfo.InvariantCulture, out var totalCount) ||
            !long.TryParse(done, NumberStyles.None, CultureInfo.InvariantCulture, out var doneCount) ||
            !int.TryParse(rows, NumberStyles.None, CultureInfo.InvariantCulture, out var rowsRead))
        {
            throw new FormatException($"Backfill checkpoint '{text}' is not '{Version}|jobId|upper|total|done|locator|rowsRead|maxStamp|maxId|complete'.");
        }

        ModstampPosition? max = null;
        if (maxStamp.Length > 0)
        {
            max = DateTimeOffset.TryParse(maxStamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? new ModstampPosition(at.ToUniversalTime(), maxId)
                : throw new FormatException($"Backfill checkpoint '{text}': '{maxStamp}' is not a timestamp.");
        }

        return new BackfillState(job, upperAt.ToUniversalTime(), totalCount, doneCount,
            new BulkResultPosition(locator.Length == 0 ? null : Uri.UnescapeDataString(locator), rowsRead), max, parts[^1] == "1");
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
