using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Connector.Salesforce.Http;
using CsvHelper;
using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Bulk;

/// <summary>
/// Bulk API 2.0 query (fact sheet §6): creates a job, polls it with backoff until it ends, then streams the CSV
/// results page by page over <c>Sforce-Locator</c>. Memory stays flat however large the export: each page is
/// parsed straight off the response stream by CsvHelper, and the next page is requested only when the consumer
/// has read the last row of the current one.
/// </summary>
/// <remarks>
/// Job creation is a POST and is not idempotent: replaying it after a lost response would run the query twice
/// and spend two of the org's daily Bulk query jobs, so it is never retried blindly. Status checks and result
/// pages are GETs and are retried by the resilience handler. A failure in the middle of a page body surfaces to
/// the caller (the rows already yielded cannot be taken back).
/// </remarks>
public sealed class BulkQueryClient
{
    /// <summary>The literal header value Salesforce sends on the last page.</summary>
    private const string LastPageLocator = "null";

    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(30);

    // How long a create call in flight may still answer once the caller has cancelled (see CreateAndWaitAsync).
    private static readonly TimeSpan CreateGrace = TimeSpan.FromSeconds(10);

    private readonly SalesforceHttp _http;
    private readonly TimeProvider _time;
    private readonly ILogger<BulkQueryClient> _logger;

    public BulkQueryClient(SalesforceHttp http, TimeProvider time, ILogger<BulkQueryClient> logger)
    {
        _http = http;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Runs <paramref name="soql"/> as a Bulk query and yields each row as column → value (column names as
    /// selected, e.g. "Owner.Name"; matched case-insensitively). Empty cells are null: Salesforce has no empty strings.
    /// Cancelling while the job runs aborts it.
    /// </summary>
    public IAsyncEnumerable<IReadOnlyDictionary<string, string?>> QueryAsync(string soql, BulkQueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = Checked(soql, options);
        return RunAsync(soql, options, DictionaryRows, cancellationToken);
    }

    /// <summary>
    /// As <see cref="QueryAsync(string, BulkQueryOptions?, CancellationToken)"/>, mapping each row onto
    /// <typeparamref name="T"/> by column name: <typeparamref name="T"/> is a CsvHelper <c>[CsvRecord]</c> partial type
    /// (header names match exactly, then ignoring case; <c>[CsvColumn("Owner.Name")]</c> for relationship columns).
    /// </summary>
    public IAsyncEnumerable<T> QueryAsync<T>(string soql, BulkQueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = Checked(soql, options);
        return RunAsync<T>(soql, options, static csv =>
        {
            // Each page has its own header; the mapper resolves the columns once per page.
            var mapper = CsvRecordMapper.Create<T>(csv);
            return () => csv.GetRecord(mapper);
        }, cancellationToken);
    }

    /// <summary>
    /// Creates a query job for <paramref name="soql"/> and waits until it ends (see <see cref="QueryAsync(string, BulkQueryOptions?, CancellationToken)"/>);
    /// read its rows with <see cref="ReadResultsAsync"/>. For callers that must resume a long export: a completed job's
    /// results stay readable by page locator (Salesforce keeps terminal jobs for 7 days).
    /// </summary>
    public Task<BulkQueryJob> RunJobAsync(string soql, BulkQueryOptions? options = null, CancellationToken cancellationToken = default) =>
        CreateAndWaitAsync(soql, Checked(soql, options), cancellationToken);

    /// <summary>
    /// The rows of completed job <paramref name="jobId"/> from <paramref name="from"/> on (the position after the last
    /// row already handled; <see cref="BulkResultPosition.Start"/> for all), each with the position just after it, so a
    /// consumer can store where it stands and resume there: the page is requested again by its locator and the rows it
    /// already handled are skipped. Results are streamed as in <see cref="QueryAsync(string, BulkQueryOptions?, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="SalesforceApiException">The job is unknown (404: deleted, or older than 7 days) or the locator is not the job's.</exception>
    public async IAsyncEnumerable<BulkResultRow> ReadResultsAsync(string jobId, BulkResultPosition from, BulkQueryOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        options ??= BulkQueryOptions.Default;
        options.Validate();
        var skip = from.RowsRead;
        await foreach (var page in PagesAsync(jobId, from.PageLocator, options, cancellationToken).ConfigureAwait(false))
        {
            var rows = 0;
            await foreach (var values in ReadPageAsync(page.Stream, ArrayRows, cancellationToken).ConfigureAwait(false))
            {
                rows++;
                if (rows <= skip)
                {
                    continue;
                }

                yield return new BulkResultRow(values.Columns, values.Values, new BulkResultPosition(page.Locator, rows));
            }

            page.CheckRows(jobId, rows, cancellationToken);
            skip = 0;
        }
    }

    /// <summary>Rows as the page's columns (one array per page) and a value array per row; an empty cell is null.</summary>
    private static Func<(IReadOnlyList<string> Columns, string?[] Values)> ArrayRows(CsvReader csv)
    {
        IReadOnlyList<string> header = [.. csv.Headers];
        return () =>
        {
            var values = new string?[header.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = csv.IsNull(i) ? null : csv.GetString(i);
            }

            return (header, values);
        };
    }

    private static BulkQueryOptions Checked(string soql, BulkQueryOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(soql);
        options ??= BulkQueryOptions.Default;
        options.Validate();
        return options;
    }

    private async IAsyncEnumerable<TRow> RunAsync<TRow>(
        string soql, BulkQueryOptions options, Func<CsvReader, Func<TRow>> project, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var job = await CreateAndWaitAsync(soql, options, cancellationToken).ConfigureAwait(false);
        await foreach (var page in PagesAsync(job.Id, null, options, cancellationToken).ConfigureAwait(false))
        {
            var rows = 0;
            await foreach (var row in ReadPageAsync(page.Stream, project, cancellationToken).ConfigureAwait(false))
            {
                rows++;
                yield return row;
            }

            page.CheckRows(job.Id, rows, cancellationToken);
        }
    }

    /// <summary>
    /// The job's results pages from <paramref name="locator"/> on (null: the first), each opened (its headers read), in
    /// order. The next page is requested when the caller asks for it, or, with <see cref="BulkQueryOptions.ReadAhead"/>,
    /// as soon as this page's headers name it. A page is disposed when the caller moves past it; a page requested ahead
    /// and never reached is cancelled and disposed.
    /// </summary>
    private async IAsyncEnumerable<OpenedPage> PagesAsync(
        string jobId, string? locator, BulkQueryOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var ahead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<HttpResponseMessage>? requested = null;
        try
        {
            var response = await GetPageAsync(jobId, locator, options, cancellationToken).ConfigureAwait(false);
            for (var number = 1; ; number++)
            {
                using (response)
                {
                    // A missing header is treated like "null": looping on a page we already read would never end.
                    var next = Header(response, "Sforce-Locator") is { } named and not LastPageLocator ? named : null;
                    int? expected = int.TryParse(Header(response, "Sforce-NumberOfRecords"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
                    Log.PageOpened(_logger, jobId, number, expected ?? -1, next is not null);
                    if (next is not null && options.ReadAhead)
                    {
                        requested = GetPageAsync(jobId, next, options, ahead.Token);
                    }

                    var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    yield return new OpenedPage(number, locator, stream, expected);
                    if (next is null)
                    {
                        yield break;
                    }

                    locator = next;
                }

                var opening = requested ?? GetPageAsync(jobId, locator, options, cancellationToken);
                requested = null;
                response = await opening.ConfigureAwait(false);
            }
        }
        finally
        {
            if (requested is not null)
            {
                await ahead.CancelAsync().ConfigureAwait(false);
                try
                {
                    (await requested.ConfigureAwait(false)).Dispose();
                }
                catch (Exception)
                {
                    // A page nobody reads (the caller stopped, or failed, before it): how its request ended does not
                    // matter, and must not hide why the read ended.
                }
            }
        }
    }

    /// <summary>A results page opened: its number in this read, the locator it was requested by, its body, and the rows its headers announce.</summary>
    private sealed record OpenedPage(int Number, string? Locator, Stream Stream, int? Expected)
    {
        public void CheckRows(string jobId, int rows, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Expected is { } count && count != rows)
            {
                throw new BulkQueryException($"Bulk query job {jobId}: results page {Number} held {rows} rows but Sforce-NumberOfRecords said {count}.");
            }
        }
    }

    /// <summary>
    /// One results page, parsed off the stream as it arrives: CsvHelper holds one read buffer, never the page.
    /// Disposes <paramref name="stream"/>.
    /// </summary>
    internal static async IAsyncEnumerable<TRow> ReadPageAsync<TRow>(
        Stream stream, Func<CsvReader, Func<TRow>> project, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var csv = CsvReader.Create(stream, CsvSettings, leaveOpen: false);
        await csv.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        var rowOf = project(csv);
        while (await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return rowOf();
        }
    }

    /// <summary>Rows as column → value, matched case-insensitively like Salesforce field names; an empty cell is null.</summary>
    internal static Func<IReadOnlyDictionary<string, string?>> DictionaryRows(CsvReader csv)
    {
        var header = csv.Headers;
        return () =>
        {
            var row = new Dictionary<string, string?>(header.Count, StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Count; i++)
            {
                row[header[i]] = csv.IsNull(i) ? null : csv.GetString(i);
            }

            return row;
        };
    }

    /// <summary>
    /// Creates the job and waits for it to end; cancelling aborts it so it stops using org resources, also when the
    /// cancellation comes while the create call is in flight.
    /// </summary>
    private async Task<BulkQueryJob> CreateAndWaitAsync(string soql, BulkQueryOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var body = new Dictionary<string, string>
        {
            ["operation"] = options.IncludeDeleted ? "queryAll" : "query",
            ["query"] = soql,
            ["contentType"] = "CSV",
            ["columnDelimiter"] = "COMMA",
            ["lineEnding"] = "LF",
        };
        // Cut short, a create call that reached Salesforce leaves a job running there whose id nobody knows (kept 7 days,
        // counted against the org's Bulk limits). So once the caller cancels, the call still has CreateGrace to answer,
        // and the job it answers with is aborted at once.
        JsonElement created;
        using (var creating = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time))
        using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).CancelAfter(CreateGrace), creating))
        {
            try
            {
                created = await _http.SendJsonAsync(HttpMethod.Post, _http.Api("jobs/query"), body, options.Priority, creating.Token, idempotent: false)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken); // no answer within the grace: nothing known to abort
            }
        }

        var job = BulkQueryJob.Parse(created);
        Log.JobCreated(_logger, job.Id, job.Operation, job.Object);
        if (cancellationToken.IsCancellationRequested)
        {
            await AbortAsync(job.Id).ConfigureAwait(false);
            throw new OperationCanceledException(cancellationToken);
        }

        var delay = options.FirstPollDelay;
        try
        {
            while (!job.IsTerminal)
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                job = await GetJobAsync(job.Id, options.Priority, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks((long)Math.Min(options.MaxPollDelay.Ticks, Math.Max(1, delay.Ticks) * options.PollBackoffFactor));
                Log.JobPolled(_logger, job.Id, job.State, job.IsTerminal ? 0 : (long)delay.TotalMilliseconds);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await AbortAsync(job.Id).ConfigureAwait(false);
            throw;
        }

        if (job.State != BulkJobState.JobComplete)
        {
            Log.JobFailed(_logger, job.Id, job.State);
            throw new BulkQueryException(job.Id, job.State, job.ErrorMessage);
        }

        Log.JobCompleted(_logger, job.Id, job.RecordsProcessed);
        return job;
    }

    private async Task<BulkQueryJob> GetJobAsync(string jobId, CallPriority priority, CancellationToken cancellationToken) =>
        BulkQueryJob.Parse(await _http.GetJsonAsync(_http.Api("jobs/query/" + Uri.EscapeDataString(jobId)), priority, cancellationToken).ConfigureAwait(false));

    private Task<HttpResponseMessage> GetPageAsync(string jobId, string? locator, BulkQueryOptions options, CancellationToken cancellationToken)
    {
        var query = new List<string>(2);
        if (locator is not null)
        {
            query.Add("locator=" + Uri.EscapeDataString(locator));
        }

        if (options.MaxRecordsPerPage is { } max)
        {
            query.Add("maxRecords=" + max.ToString(CultureInfo.InvariantCulture));
        }

        var path = _http.Api($"jobs/query/{Uri.EscapeDataString(jobId)}/results") + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
        return SendPageRequestAsync(path, options.Priority, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendPageRequestAsync(string path, CallPriority priority, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path).WithPriority(priority).AsIdempotent();
        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Best effort: the caller's token is already cancelled, so the abort gets its own short deadline, and runs at
    /// Critical priority so a paused budget cannot keep a job we no longer want running in the org.
    /// </summary>
    private async Task AbortAsync(string jobId)
    {
        using var timeout = new CancellationTokenSource(AbortTimeout, _time);
        try
        {
            await _http.SendJsonAsync(
                HttpMethod.Patch, _http.Api("jobs/query/" + Uri.EscapeDataString(jobId)), new Dictionary<string, string> { ["state"] = "Aborted" },
                CallPriority.Critical, timeout.Token, idempotent: true).ConfigureAwait(false);
            Log.JobAborted(_logger, jobId);
        }
        catch (Exception e) when (e is SalesforceApiException or HttpRequestException or OperationCanceledException)
        {
            // The job may have ended meanwhile (Salesforce refuses to abort a finished job); the caller's cancellation stands.
            Log.AbortFailed(_logger, jobId, e);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>
    /// We ask for COMMA and LF when creating the job, so nothing is detected from the data; empty cells are null
    /// (Salesforce writes nulls as empty cells and has no empty strings).
    /// </summary>
    private static readonly CsvReaderOptions CsvSettings = CsvReaderOptions.Default with
    {
        Separator = ',',
        HasHeader = true,
        DetectSeparatorHint = false,
        NullValues = [string.Empty],
    };
}
