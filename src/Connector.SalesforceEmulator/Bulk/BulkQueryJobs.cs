using System.Collections.Concurrent;
using System.Diagnostics;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Soql;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Bulk;

/// <summary>
/// The org's Bulk API 2.0 query jobs, and the runner that executes each one in the background: it takes the
/// org lock once, records the ids the query matches, and completes the job. Results are served from that list.
/// </summary>
public sealed partial class BulkQueryJobs : IDisposable
{
    private readonly ConcurrentDictionary<string, BulkQueryJob> _jobs = new(StringComparer.Ordinal);
    private readonly OrgStore _store;
    private readonly TimeProvider _time;
    private readonly BulkQueryOptions _options;
    private readonly ILogger<BulkQueryJobs> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private long _sequence = 2_000_000;

    public BulkQueryJobs(OrgStore store, TimeProvider time, IOptions<BulkQueryOptions> options, ILogger<BulkQueryJobs> logger)
    {
        _store = store;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    public BulkQueryOptions Options => _options;

    public IEnumerable<BulkQueryJob> All => _jobs.Values.OrderBy(j => j.CreatedDate).ThenBy(j => j.Id, StringComparer.Ordinal);

    public BulkQueryJob? Find(string id) => SalesforceIds.Normalize(id) is { } normalized ? _jobs.GetValueOrDefault(normalized) : null;

    /// <summary>Registers a job (state UploadComplete) and starts running it.</summary>
    public BulkQueryJob Start(SoqlQuery query, bool queryAll, string userId, string apiVersion, (char Char, string Name) delimiter, (string Text, string Name) lineEnding)
    {
        var now = _time.GetUtcNow();
        var id = SalesforceIds.Create("750", Interlocked.Increment(ref _sequence));
        var job = new BulkQueryJob(id, query, queryAll, userId, Truncate(now), apiVersion, delimiter.Char, delimiter.Name, lineEnding.Text, lineEnding.Name);
        _jobs[id] = job;
        _ = Task.Run(() => RunAsync(job), CancellationToken.None);
        return job;
    }

    public bool Abort(BulkQueryJob job)
    {
        var aborted = job.TryMove(BulkJobState.Aborted, Truncate(_time.GetUtcNow()));
        if (aborted)
        {
            job.Cancellation.Cancel();
        }

        return aborted;
    }

    public bool Delete(BulkQueryJob job)
    {
        if (job.State == BulkJobState.InProgress)
        {
            return false;
        }

        job.Cancellation.Cancel();
        return _jobs.TryRemove(job.Id, out _);
    }

    /// <summary>Stops running jobs when the emulator shuts down (their sources need no disposal: no timers).</summary>
    public void Dispose() => _stopping.Cancel();

    private async Task RunAsync(BulkQueryJob job)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(job.Cancellation.Token, _stopping.Token);
        var clock = Stopwatch.StartNew();
        try
        {
            if (!job.TryMove(BulkJobState.InProgress, Truncate(_time.GetUtcNow())))
            {
                return;
            }

            if (_options.ProcessingDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.ProcessingDelay, _time, cancel.Token).ConfigureAwait(false);
            }

            // One pass under the org lock: the job's results are the records matched at this moment.
            var matched = _store.Read(r => SoqlEvaluator.Execute(job.Query, r, job.QueryAll).ToArray());
            job.TryMove(BulkJobState.JobComplete, Truncate(_time.GetUtcNow()), matched, clock.ElapsedMilliseconds);
            Log.JobCompleted(_logger, job.Id, matched.Length, clock.ElapsedMilliseconds);
        }
        catch (OperationCanceledException)
        {
            // Aborted or the emulator is stopping; the abort already set the state.
        }
        catch (SalesforceException e)
        {
            job.TryMove(BulkJobState.Failed, Truncate(_time.GetUtcNow()), processingMs: clock.ElapsedMilliseconds, error: $"{e.ErrorCode} : {e.Message}");
        }
    }

    private static DateTimeOffset Truncate(DateTimeOffset now) =>
        new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Bulk query job {JobId} completed: {Records} records in {Milliseconds} ms")]
        public static partial void JobCompleted(ILogger logger, string jobId, int records, long milliseconds);
    }
}
