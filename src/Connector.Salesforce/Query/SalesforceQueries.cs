using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.Salesforce.Http;
using Connector.Salesforce.Writes;
using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Query;

/// <summary>
/// REST queries as lazy streams: a page is requested only when the consumer has taken every record of the
/// previous one, so memory stays at one page and an abandoned enumeration costs no further calls. An
/// expired session between pages is renewed by the auth handler and the page replayed (query locators
/// outlive sessions).
/// </summary>
public sealed class SalesforceQueries
{
    /// <summary>
    /// Query subrequests one Composite call may carry: "up to 5 of these subrequests can be sObject Collections or query
    /// operations, including Query and QueryAll requests" (REST API guide, Composite; fact sheet §2.9).
    /// </summary>
    public const int MaxCompositeQueries = 5;

    /// <summary>Subrequests of any kind one Composite call may carry.</summary>
    public const int MaxCompositeSubrequests = 25;

    private readonly SalesforceHttp _http;
    private readonly ILogger<SalesforceQueries> _logger;

    public SalesforceQueries(SalesforceHttp http, ILogger<SalesforceQueries> logger)
    {
        _http = http;
        _logger = logger;
    }

    /// <summary>Records as JSON (each with its <c>attributes</c>).</summary>
    public IAsyncEnumerable<JsonElement> QueryAsync(SoqlSelect query, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
        QueryAsync<JsonElement>(query, options, cancellationToken);

    public IAsyncEnumerable<T> QueryAsync<T>(SoqlSelect query, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
        RecordsAsync<T>("query", query, options ?? QueryOptions.Default, cancellationToken);

    /// <summary>queryAll: also deleted (recycle bin, IsDeleted = true) and archived records.</summary>
    public IAsyncEnumerable<JsonElement> QueryAllAsync(SoqlSelect query, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
        QueryAllAsync<JsonElement>(query, options, cancellationToken);

    public IAsyncEnumerable<T> QueryAllAsync<T>(SoqlSelect query, QueryOptions? options = null, CancellationToken cancellationToken = default) =>
        RecordsAsync<T>("queryAll", query, options ?? QueryOptions.Default, cancellationToken);

    /// <summary>SELECT COUNT() with the query's filter: one call, no records.</summary>
    public async Task<int> CountAsync(SoqlSelect query, QueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        options ??= QueryOptions.Default;
        var page = await GetPageAsync(QueryPath("query", query.Count()), options, cancellationToken).ConfigureAwait(false);
        return page.TotalSize;
    }

    /// <summary>The pages of a query, fetched one at a time as the consumer advances.</summary>
    public IAsyncEnumerable<QueryPage> PagesAsync(SoqlSelect query, bool includeDeleted, QueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        options ??= QueryOptions.Default;
        options.Validate();
        return PagesFromAsync(query.SObject, null, QueryPath(includeDeleted ? "queryAll" : "query", query), options, cancellationToken);
    }

    /// <summary>
    /// The pages of a query whose first page came with others in one Composite call (<see cref="QueryCombinedAsync"/>):
    /// that page first, then the rest through its nextRecordsUrl, one ordinary call per page as the consumer advances.
    /// A query the org refused inside the Composite answer (4xx) throws the <see cref="SalesforceApiException"/> the same
    /// query sent alone would, naming its object; one the org failed to run (5xx, transient) is sent again alone, through
    /// the usual retries.
    /// </summary>
    public IAsyncEnumerable<QueryPage> PagesAsync(PrefetchedQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Failure is { } failure && (int)failure.Status < 500)
        {
            throw failure;
        }

        return query.FirstPage is { } first
            ? PagesFromAsync(query.Query.Query.SObject, first, first.NextRecordsUrl?.TrimStart('/'), query.Options, cancellationToken)
            : PagesAsync(query.Query.Query, query.Query.IncludeDeleted, query.Options, cancellationToken);
    }

    /// <summary>The records of a query whose first page came with others in one Composite call; see <see cref="PagesAsync(PrefetchedQuery, CancellationToken)"/>.</summary>
    public IAsyncEnumerable<T> QueryAsync<T>(PrefetchedQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return RecordsAsync<T>(PagesAsync(query, cancellationToken), query.Options, cancellationToken);
    }

    /// <summary>
    /// Sends several queries (query or queryAll) as GET subrequests of one Composite call — up to
    /// <see cref="MaxCompositeQueries"/> per call, so five queries' first pages cost one API call — and returns each
    /// query's first page, in the order given, for <see cref="PagesAsync(PrefetchedQuery, CancellationToken)"/> to read on.
    /// <paramref name="alongside"/>: other GETs (describe revalidations) the first call carries too; their outcomes come
    /// back as they were answered. A subrequest's failure is kept with its query and raised when that query is read, so
    /// one refused query does not cost the others their pages. Nothing to send, no call.
    /// </summary>
    public async Task<CombinedQueries> QueryCombinedAsync(IReadOnlyList<CombinedQuery> queries, CancellationToken cancellationToken = default,
        IReadOnlyList<CompositeGet>? alongside = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        foreach (var query in queries)
        {
            ArgumentNullException.ThrowIfNull(query, nameof(queries));
            query.Options.Validate();
        }

        alongside ??= [];
        if (alongside.Count + Math.Min(queries.Count, MaxCompositeQueries) > MaxCompositeSubrequests)
        {
            throw new ArgumentOutOfRangeException(nameof(alongside), alongside.Count, $"One Composite call carries at most {MaxCompositeSubrequests} subrequests.");
        }

        var firsts = new PrefetchedQuery[queries.Count];
        var others = new CompositeSubresult[alongside.Count];
        for (var start = 0; start == 0 || start < queries.Count; start += MaxCompositeQueries)
        {
            var chunk = queries.Skip(start).Take(MaxCompositeQueries).ToList();
            var gets = start == 0 ? alongside : [];
            if (chunk.Count == 0 && gets.Count == 0)
            {
                break;
            }

            var subrequests = new JsonArray();
            for (var i = 0; i < chunk.Count; i++)
            {
                var subrequest = new JsonObject
                {
                    ["method"] = "GET",
                    ["url"] = "/" + QueryPath(chunk[i].IncludeDeleted ? "queryAll" : "query", chunk[i].Query).TrimStart('/'),
                    ["referenceId"] = $"q{start + i}",
                };
                if (chunk[i].Options.BatchSize is { } batchSize)
                {
                    // Any header the resource supports may travel per subrequest (not Accept, Authorization, Content-Type).
                    subrequest["httpHeaders"] = new JsonObject { ["Sforce-Query-Options"] = "batchSize=" + batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                }

                subrequests.Add(subrequest);
            }

            for (var g = 0; g < gets.Count; g++)
            {
                subrequests.Add(new JsonObject
                {
                    ["method"] = "GET",
                    ["url"] = "/" + gets[g].Path.TrimStart('/'),
                    ["referenceId"] = $"g{g}",
                    ["httpHeaders"] = new JsonObject([.. gets[g].Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value))]),
                });
            }

            // The call matters as much as the most important query it carries.
            var priority = chunk.Count == 0 ? CallPriority.Normal : chunk.Max(q => q.Options.Priority);
            var answer = await SendCompositeAsync(subrequests, priority, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < chunk.Count; i++)
            {
                firsts[start + i] = Prefetched(chunk[i], Find(answer, $"q{start + i}"));
            }

            for (var g = 0; g < gets.Count; g++)
            {
                others[g] = Find(answer, $"g{g}");
            }
        }

        return new CombinedQueries(firsts, others);
    }

    /// <summary>"services/data/vNN.0/query?q=…" with q percent-encoded: '+' must travel as %2B or Salesforce reads a space.</summary>
    public string QueryPath(string resource, SoqlSelect query) => _http.Api(resource + "?q=" + Uri.EscapeDataString(query.ToSoql()));

    private IAsyncEnumerable<T> RecordsAsync<T>(string resource, SoqlSelect query, QueryOptions options, CancellationToken cancellationToken) =>
        RecordsAsync<T>(PagesAsync(query, resource == "queryAll", options, cancellationToken), options, cancellationToken);

    private static async IAsyncEnumerable<T> RecordsAsync<T>(IAsyncEnumerable<QueryPage> pages, QueryOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var json = options.Json ?? SalesforceRecordJson.Options;
        await foreach (var page in pages.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var record in page.Records)
            {
                yield return typeof(T) == typeof(JsonElement) ? (T)(object)record : record.Deserialize<T>(json)!;
            }
        }
    }

    private async IAsyncEnumerable<QueryPage> PagesFromAsync(string sObject, QueryPage? first, string? path, QueryOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = 0;
        var records = 0;
        if (first is not null)
        {
            pages++;
            records += first.Records.Count;
            yield return first;
        }

        while (path is not null)
        {
            var page = await GetPageAsync(path, options, cancellationToken).ConfigureAwait(false);
            pages++;
            records += page.Records.Count;
            yield return page;
            // nextRecordsUrl is an absolute path on the instance; the auth handler rebases it.
            path = page.NextRecordsUrl?.TrimStart('/');
        }

        Log.QueryCompleted(_logger, sObject, pages, records);
    }

    private async Task<IReadOnlyDictionary<string, CompositeSubresult>> SendCompositeAsync(JsonArray subrequests, CallPriority priority, CancellationToken cancellationToken)
    {
        var payload = new JsonObject { ["allOrNone"] = false, ["compositeRequest"] = subrequests };
        // Only GETs inside: repeating the call cannot duplicate anything.
        using var request = new HttpRequestMessage(HttpMethod.Post, _http.Api("composite"))
        {
            Content = JsonContent.Create(payload, options: SalesforceJson.Options),
        }.WithPriority(priority).AsIdempotent();
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
        return CompositeAnswer.Parse(answer);
    }

    private static CompositeSubresult Find(IReadOnlyDictionary<string, CompositeSubresult> answer, string referenceId) =>
        answer.TryGetValue(referenceId, out var found) ? found : throw new JsonException($"Composite answered without a result for subrequest {referenceId}.");

    private PrefetchedQuery Prefetched(CombinedQuery query, CompositeSubresult result)
    {
        if (result.IsSuccess)
        {
            return new PrefetchedQuery(query, QueryPage.Parse(result.Body), null);
        }

        // Named as the same query sent alone would be (method and path, never the statement), plus its object and subrequest.
        var path = "/" + _http.Api(query.IncludeDeleted ? "queryAll" : "query").TrimStart('/');
        var failure = new SalesforceApiException((System.Net.HttpStatusCode)result.HttpStatusCode, CompositeAnswer.Errors(result),
            $"GET {path} ({query.Query.SObject}, Composite subrequest {result.ReferenceId})");
        return new PrefetchedQuery(query, null, failure);
    }

    private async Task<QueryPage> GetPageAsync(string path, QueryOptions options, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path).WithPriority(options.Priority);
        if (options.BatchSize is { } batchSize)
        {
            request.Headers.TryAddWithoutValidation("Sforce-Query-Options", "batchSize=" + batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var doc = await JsonDocument.ParseAsync(stream, default, cancellationToken).ConfigureAwait(false);
            return QueryPage.Parse(doc.RootElement);
        }
    }
}

/// <summary>One query of a combined read: query, or queryAll with <paramref name="IncludeDeleted"/>.</summary>
public sealed record CombinedQuery(SoqlSelect Query, bool IncludeDeleted)
{
    public QueryOptions Options { get; init; } = QueryOptions.Default;
}

/// <summary>A GET another Composite call carries along (a describe revalidation): path under the instance and its headers.</summary>
public sealed record CompositeGet(string Path, IReadOnlyDictionary<string, string> Headers);

/// <summary>What <see cref="SalesforceQueries.QueryCombinedAsync"/> brought back: each query's first page, each other GET's answer.</summary>
public sealed record CombinedQueries(IReadOnlyList<PrefetchedQuery> Queries, IReadOnlyList<CompositeSubresult> Alongside);

/// <summary>A query whose first page (or failure) came back inside a Composite call; read on with <see cref="SalesforceQueries.PagesAsync(PrefetchedQuery, CancellationToken)"/>.</summary>
public sealed class PrefetchedQuery
{
    internal PrefetchedQuery(CombinedQuery query, QueryPage? firstPage, SalesforceApiException? failure)
    {
        Query = query;
        FirstPage = firstPage;
        Failure = failure;
    }

    public CombinedQuery Query { get; }

    public QueryOptions Options => Query.Options;

    /// <summary>The first page; null when the subrequest failed.</summary>
    public QueryPage? FirstPage { get; }

    /// <summary>Why the subrequest failed, as the same query alone would have failed; null when it answered a page.</summary>
    public SalesforceApiException? Failure { get; }
}
