using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Query;

/// <summary>
/// Where an incremental read stands: the last record's (SystemModstamp, Id). Ordering by both makes the
/// position total, so records sharing a second (Salesforce stores audit times to the second) are neither
/// skipped nor read twice.
/// </summary>
public readonly record struct ModstampPosition(DateTimeOffset SystemModstamp, string Id)
{
    /// <summary>Start at (and including) <paramref name="systemModstamp"/>.</summary>
    public static ModstampPosition Since(DateTimeOffset systemModstamp) => new(SoqlValue.TruncateToSecond(systemModstamp), string.Empty);

    public bool IsStart => string.IsNullOrEmpty(Id);
}

/// <summary>What to read incrementally.</summary>
public sealed record ModstampRequest
{
    public ModstampRequest(string sObject, IEnumerable<string> fields)
    {
        SObject = sObject;
        Fields = [.. fields];
    }

    public string SObject { get; }

    /// <summary>Fields to select; Id and SystemModstamp (and IsDeleted with <see cref="IncludeDeleted"/>) are added.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>Extra filter ANDed to the cursor condition.</summary>
    public SoqlCondition? Filter { get; init; }

    /// <summary>LIMIT of each query: a run issues queries of this size until one comes back short.</summary>
    public int PageSize { get; init; } = 2000;

    /// <summary>
    /// Only records with SystemModstamp older than now − Lag (whole seconds, and never the current second)
    /// are read. A transaction can commit after a later one with an earlier SystemModstamp; a lag longer
    /// than the longest transaction keeps such records ahead of the cursor instead of behind it.
    /// </summary>
    public TimeSpan Lag { get; init; } = TimeSpan.Zero;

    /// <summary>Read through queryAll so deletions (IsDeleted = true) arrive as records too.</summary>
    public bool IncludeDeleted { get; init; }

    public QueryOptions Query { get; init; } = QueryOptions.Default;
}

/// <summary>
/// One object's incremental read, fixed when it starts: the position it reads from, the bound above (now − Lag) and,
/// when it was started with others (<see cref="ModstampCursor.StartCombinedAsync"/>), the answer to its first query.
/// </summary>
public sealed class ModstampRead
{
    internal ModstampRead(ModstampRequest request, ModstampPosition from, DateTimeOffset upper, PrefetchedQuery? first)
    {
        Request = request;
        From = from;
        Upper = upper;
        First = first;
    }

    public ModstampRequest Request { get; }

    public ModstampPosition From { get; }

    /// <summary>Records stamped before this are read; later ones are left for the next read.</summary>
    public DateTimeOffset Upper { get; }

    /// <summary>Where a read that found nothing leaves the cursor: everything before <see cref="Upper"/> has been looked at.</summary>
    public ModstampPosition End => ModstampPosition.Since(Upper);

    /// <summary>False when the position is already at the bound: the read costs nothing and yields nothing.</summary>
    public bool HasWork => From.SystemModstamp < Upper;

    internal PrefetchedQuery? First { get; }
}

/// <summary>A record with the cursor position just after it: persist the position once the record is processed.</summary>
public sealed record ModstampRecord<T>(T Record, ModstampPosition Position, bool IsDeleted);

/// <summary>
/// Incremental sync by <c>WHERE SystemModstamp &gt; :ts OR (SystemModstamp = :ts AND Id &gt; :id)
/// ORDER BY SystemModstamp, Id LIMIT n</c>, repeated from the last record until a query comes back short.
/// The upper bound is fixed when a run starts, so a run ends even while the org keeps changing; records
/// changed during the run are picked up by the next one.
/// </summary>
public sealed class ModstampCursor
{
    private readonly SalesforceQueries _queries;
    private readonly TimeProvider _time;
    private readonly ILogger<ModstampCursor> _logger;

    public ModstampCursor(SalesforceQueries queries, TimeProvider time, ILogger<ModstampCursor> logger)
    {
        _queries = queries;
        _time = time;
        _logger = logger;
    }

    /// <summary>The statement for one step from <paramref name="from"/>, up to (excluding) <paramref name="upper"/>.</summary>
    public static SoqlSelect Statement(ModstampRequest request, ModstampPosition from, DateTimeOffset upper)
    {
        ArgumentNullException.ThrowIfNull(request);
        var modstamp = Soql.Field("SystemModstamp");
        var after = from.IsStart
            ? modstamp.GreaterOrEqual(from.SystemModstamp)
            : modstamp.GreaterThan(from.SystemModstamp) | (modstamp.Equal(from.SystemModstamp) & Soql.Field("Id").GreaterThan(SoqlValue.Id(from.Id)));
        var condition = after & modstamp.LessThan(upper);
        if (request.Filter is { } filter)
        {
            condition &= filter;
        }

        var fields = new List<string> { "Id", "SystemModstamp" };
        if (request.IncludeDeleted)
        {
            fields.Add("IsDeleted");
        }

        return Soql.From(request.SObject)
            .Select(fields.Concat(request.Fields))
            .Where(condition)
            .OrderBy("SystemModstamp").ThenBy("Id")
            .Limit(request.PageSize);
    }

    /// <summary>Records changed after <paramref name="from"/>, in (SystemModstamp, Id) order, each with the position after it.</summary>
    public IAsyncEnumerable<ModstampRecord<T>> ReadAsync<T>(ModstampRequest request, ModstampPosition from, CancellationToken cancellationToken = default) =>
        ReadAsync<T>(Start(request, from), cancellationToken);

    /// <summary>Fixes a read's bound now; its first query is sent when it is read.</summary>
    public ModstampRead Start(ModstampRequest request, ModstampPosition from)
    {
        Validate(request);
        return new ModstampRead(request, from, UpperBound(request), null);
    }

    /// <summary>
    /// Starts several reads at once: their bounds are fixed now and the first query of each (the one that, when nothing
    /// changed, is all a read costs) goes out in one Composite call with the others (up to five per call), together with
    /// <paramref name="alongside"/> GETs. Each read then goes on as <see cref="ReadAsync{T}(ModstampRead, CancellationToken)"/>
    /// with ordinary calls only for what its first query did not finish. Reads already at their bound send nothing.
    /// </summary>
    public async Task<(IReadOnlyList<ModstampRead> Reads, IReadOnlyList<Writes.CompositeSubresult> Alongside)> StartCombinedAsync(
        IReadOnlyList<(ModstampRequest Request, ModstampPosition From)> reads, CancellationToken cancellationToken, IReadOnlyList<CompositeGet>? alongside = null)
    {
        ArgumentNullException.ThrowIfNull(reads);
        var started = reads.Select(r => Start(r.Request, r.From)).ToList();
        var working = started.Where(r => r.HasWork).ToList();
        var queries = working.Select(r => new CombinedQuery(Statement(r.Request, r.From, r.Upper), r.Request.IncludeDeleted) { Options = r.Request.Query }).ToList();
        if (queries.Count == 0 && (alongside is null || alongside.Count == 0))
        {
            return (started, []);
        }

        var answer = await _queries.QueryCombinedAsync(queries, cancellationToken, alongside).ConfigureAwait(false);
        var firsts = working.Select((r, i) => (r, answer.Queries[i])).ToDictionary(x => x.r, x => x.Item2);
        return (started.Select(r => firsts.TryGetValue(r, out var first) ? new ModstampRead(r.Request, r.From, r.Upper, first) : r).ToList(), answer.Alongside);
    }

    /// <summary>Records changed after the read's start position up to its bound, in (SystemModstamp, Id) order, each with the position after it.</summary>
    public async IAsyncEnumerable<ModstampRecord<T>> ReadAsync<T>(ModstampRead read,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        var request = read.Request;
        var upper = read.Upper;
        var json = request.Query.Json ?? SalesforceRecordJson.Options;
        var position = read.From;
        var first = read.First;
        var queries = 0;
        var total = 0;
        while (position.SystemModstamp < upper)
        {
            IAsyncEnumerable<JsonElement> records;
            if (first is not null)
            {
                // The first step's answer came with other objects' in one Composite call.
                records = _queries.QueryAsync<JsonElement>(first, cancellationToken);
                first = null;
            }
            else
            {
                var statement = Statement(request, position, upper);
                records = request.IncludeDeleted
                    ? _queries.QueryAllAsync(statement, request.Query, cancellationToken)
                    : _queries.QueryAsync(statement, request.Query, cancellationToken);
            }

            queries++;
            var count = 0;
            await foreach (var record in records.ConfigureAwait(false))
            {
                count++;
                position = PositionOf(record);
                var deleted = record.TryGetProperty("IsDeleted", out var d) && d.ValueKind == JsonValueKind.True;
                var value = typeof(T) == typeof(JsonElement) ? (T)(object)record : record.Deserialize<T>(json)!;
                yield return new ModstampRecord<T>(value, position, deleted);
            }

            total += count;
            if (count < request.PageSize)
            {
                break;
            }
        }

        Log.CursorAdvanced(_logger, request.SObject, total, queries, position.SystemModstamp, position.Id);
    }

    /// <summary>Reads everything available and returns it with the final position (unchanged when nothing was new).</summary>
    public async Task<(IReadOnlyList<T> Records, ModstampPosition Position)> ReadToEndAsync<T>(ModstampRequest request, ModstampPosition from, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        var position = from;
        await foreach (var r in ReadAsync<T>(request, from, cancellationToken).ConfigureAwait(false))
        {
            list.Add(r.Record);
            position = r.Position;
        }

        return (list, position);
    }

    private static void Validate(ModstampRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.PageSize, "PageSize must be positive.");
        }
    }

    /// <summary>Never the current second: more records may still be stamped with it.</summary>
    private DateTimeOffset UpperBound(ModstampRequest request) => SoqlValue.TruncateToSecond(_time.GetUtcNow() - request.Lag);

    private static ModstampPosition PositionOf(JsonElement record)
    {
        var id = record.TryGetProperty("Id", out var i) ? i.GetString() : null;
        var stamp = record.TryGetProperty("SystemModstamp", out var s) ? s.GetString() : null;
        if (id is null || stamp is null)
        {
            throw new InvalidOperationException("A cursor record came back without Id or SystemModstamp.");
        }

        return new ModstampPosition(SoqlValue.TruncateToSecond(DateTimeOffset.Parse(stamp, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal)), id);
    }
}
