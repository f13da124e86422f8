using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Connector.Salesforce.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Salesforce.Describe;

/// <summary>
/// Describes kept per sObject. An entry younger than <see cref="DescribeOptions.MaxAge"/> is used as is;
/// an older one is revalidated with If-Modified-Since so an unchanged schema costs a 304 and no body
/// (describe bodies are 100+ KB). Concurrent callers for the same object share one request.
/// Transient like the typed HttpClient it uses; the cached entries live in the singleton <see cref="DescribeStore"/>.
/// </summary>
public sealed class DescribeCache
{
    private const string GlobalKey = "";

    private readonly SalesforceHttp _http;
    private readonly TimeProvider _time;
    private readonly DescribeOptions _options;
    private readonly DescribeStore _store;
    private readonly ILogger<DescribeCache> _logger;

    public DescribeCache(SalesforceHttp http, DescribeStore store, TimeProvider time, IOptions<DescribeOptions> options, ILogger<DescribeCache> logger)
    {
        _http = http;
        _store = store;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Describe calls that returned a body (first loads and changed schemas).</summary>
    public long Fetches => _store.Fetches;

    /// <summary>Revalidations Salesforce answered 304 Not Modified.</summary>
    public long NotModified => _store.NotModified;

    public async Task<SObjectDescription> GetAsync(string sobject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sobject);
        return await GetEntryAsync(sobject, DescribePath(sobject), SObjectDescription.Parse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The org's sObjects from the global describe (name, label, key prefix, custom, queryable...).</summary>
    public Task<IReadOnlyList<SObjectSummary>> GetGlobalAsync(CancellationToken cancellationToken) =>
        GetEntryAsync(GlobalKey, "sobjects", SObjectSummary.ParseGlobal, cancellationToken);

    public async Task<IReadOnlyList<string>> GetObjectNamesAsync(CancellationToken cancellationToken) =>
        (await GetGlobalAsync(cancellationToken).ConfigureAwait(false)).Select(o => o.Name).ToList();

    /// <summary>The cached describe of <paramref name="sobject"/> whatever its age, without a call; null when never loaded.</summary>
    public SObjectDescription? Cached(string sobject)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sobject);
        return _store.Slots.TryGetValue(sobject, out var slot) ? slot.Current?.Value as SObjectDescription : null;
    }

    /// <summary>
    /// The describe of <paramref name="sobject"/> as a conditional GET (If-Modified-Since) another call can carry — a
    /// Composite subrequest costs no call of its own — when its cached entry is due for revalidation; null while the
    /// entry is fresh or when there is none (<see cref="GetAsync"/> loads it). Hand the answer to <see cref="Revalidated"/>.
    /// </summary>
    public Query.CompositeGet? RevalidationDue(string sobject)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sobject);
        if (!_store.Slots.TryGetValue(sobject, out var slot) || slot.Current is not { Value: SObjectDescription } cached
            || _time.GetUtcNow() - cached.CheckedAt < _options.MaxAge)
        {
            return null;
        }

        return new Query.CompositeGet(_http.Api(DescribePath(sobject)), new Dictionary<string, string>
        {
            ["If-Modified-Since"] = cached.LastModified.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    /// <summary>
    /// Takes the answer to a <see cref="RevalidationDue"/> GET sent inside a Composite call: 304 keeps the cached describe
    /// (checked now), 200 replaces it with the body (dated by the answer's Last-Modified). Returns the describe and whether
    /// it changed; null for any other answer, which the caller settles with <see cref="GetAsync"/> (a call of its own,
    /// with the usual retries and errors).
    /// </summary>
    public (SObjectDescription Description, bool Changed)? Revalidated(string sobject, Writes.CompositeSubresult answer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sobject);
        ArgumentNullException.ThrowIfNull(answer);
        var slot = _store.Slots.GetOrAdd(sobject, _ => new DescribeStore.Slot());
        var now = _time.GetUtcNow();
        if (answer.HttpStatusCode == (int)HttpStatusCode.NotModified && slot.Current is { Value: SObjectDescription kept } cached)
        {
            _store.CountNotModified();
            Log.DescribeNotModified(_logger, sobject);
            slot.Current = cached with { CheckedAt = now };
            return (kept, false);
        }

        if (answer.HttpStatusCode != (int)HttpStatusCode.OK || answer.Body.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var value = SObjectDescription.Parse(answer.Body);
        _store.CountFetch();
        Log.DescribeFetched(_logger, sobject);
        var lastModified = answer.HttpHeaders.TryGetValue("Last-Modified", out var header)
            && DateTimeOffset.TryParse(header, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var stamp) ? stamp : now;
        slot.Current = new DescribeStore.Entry(value, lastModified, now);
        return (value, true);
    }

    /// <summary>Drops every cached describe (e.g. after a deployment the connector was told about).</summary>
    public void Clear() => _store.Slots.Clear();

    private static string DescribePath(string sobject) => "sobjects/" + Uri.EscapeDataString(sobject) + "/describe";

    private async Task<T> GetEntryAsync<T>(string key, string relative, Func<JsonElement, T> parse, CancellationToken cancellationToken)
        where T : class
    {
        var slot = _store.Slots.GetOrAdd(key, _ => new DescribeStore.Slot());
        if (slot.Current is { } fresh && _time.GetUtcNow() - fresh.CheckedAt < _options.MaxAge)
        {
            return (T)fresh.Value;
        }

        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var cached = slot.Current;
            var now = _time.GetUtcNow();
            if (cached is not null && now - cached.CheckedAt < _options.MaxAge)
            {
                return (T)cached.Value; // another caller revalidated while we waited
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, _http.Api(relative)).WithPriority(CallPriority.Normal);
            if (cached is not null)
            {
                request.Headers.IfModifiedSince = cached.LastModified;
            }

            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotModified && cached is not null)
            {
                _store.CountNotModified();
                Log.DescribeNotModified(_logger, key.Length == 0 ? "(global)" : key);
                slot.Current = cached with { CheckedAt = now };
                return (T)cached.Value;
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false);
            var value = parse(body);
            _store.CountFetch();
            Log.DescribeFetched(_logger, key.Length == 0 ? "(global)" : key);
            // Without Last-Modified, our own clock is the best guess of the version we hold.
            slot.Current = new DescribeStore.Entry(value, response.Content.Headers.LastModified ?? now, now);
            return value;
        }
        finally
        {
            slot.Gate.Release();
        }
    }
}

/// <summary>The cached describes and counters, shared by every <see cref="DescribeCache"/> instance.</summary>
public sealed class DescribeStore
{
    private long _fetches;
    private long _notModified;

    internal ConcurrentDictionary<string, Slot> Slots { get; } = new(StringComparer.OrdinalIgnoreCase);

    public long Fetches => Interlocked.Read(ref _fetches);

    public long NotModified => Interlocked.Read(ref _notModified);

    internal void CountFetch() => Interlocked.Increment(ref _fetches);

    internal void CountNotModified() => Interlocked.Increment(ref _notModified);

    internal sealed record Entry(object Value, DateTimeOffset LastModified, DateTimeOffset CheckedAt);

    internal sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public volatile Entry? Current;
    }
}
