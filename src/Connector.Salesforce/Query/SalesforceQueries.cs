using System.Runtime.CompilerServices;
using System.Text.Json;
using Connector.Salesforce.Http;
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
    public async IAsyncEnumerable<QueryPage> PagesAsync(SoqlSelect query, bool includeDeleted, QueryOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        options ??= QueryOptions.Default;
        options.Validate();
        var path = QueryPath(includeDeleted ? "queryAll" : "query", query);
        var pages = 0;
        var records = 0;
        while (path is not null)
        {
            var page = await GetPageAsync(path, options, cancellationToken).ConfigureAwait(false);
            pages++;
            records += page.Records.Count;
            yield return page;
            // nextRecordsUrl is an absolute path on the instance; the auth handler rebases it.
            path = page.NextRecordsUrl?.TrimStart('/');
        }

        Log.QueryCompleted(_logger, query.SObject, pages, records);
    }

    /// <summary>"services/data/vNN.0/query?q=…" with q percent-encoded: '+' must travel as %2B or Salesforce reads a space.</summary>
    public string QueryPath(string resource, SoqlSelect query) => _http.Api(resource + "?q=" + Uri.EscapeDataString(query.ToSoql()));

    private async IAsyncEnumerable<T> RecordsAsync<T>(string resource, SoqlSelect query, QueryOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var json = options.Json ?? SalesforceRecordJson.Options;
        await foreach (var page in PagesAsync(query, resource == "queryAll", options, cancellationToken).ConfigureAwait(false))
        {
            foreach (var record in page.Records)
            {
                yield return typeof(T) == typeof(JsonElement) ? (T)(object)record : record.Deserialize<T>(json)!;
            }
        }
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
