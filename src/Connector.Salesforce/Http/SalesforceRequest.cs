namespace Connector.Salesforce.Http;

/// <summary>How much a call matters when the org's API budget runs low.</summary>
public enum CallPriority
{
    /// <summary>Backfill, reconciliation, profile refreshes: paused first when the budget is near the reserve.</summary>
    Background,
    /// <summary>Routing and ledger write-backs: paused at the reserve.</summary>
    Normal,
    /// <summary>Auth and health checks: never paused by the governor (Salesforce itself still enforces its limit).</summary>
    Critical,
}

/// <summary>Per-request settings carried in <see cref="HttpRequestMessage.Options"/> for the handlers.</summary>
public static class SalesforceRequest
{
    public static readonly HttpRequestOptionsKey<CallPriority> Priority = new("sf.priority");

    /// <summary>
    /// True when repeating the request cannot duplicate an effect (GET, PATCH, DELETE, upsert by external id,
    /// queries sent as POST). Creates are not: retrying a POST create blindly can make two records.
    /// </summary>
    public static readonly HttpRequestOptionsKey<bool> Idempotent = new("sf.idempotent");

    public static HttpRequestMessage WithPriority(this HttpRequestMessage request, CallPriority priority)
    {
        request.Options.Set(Priority, priority);
        return request;
    }

    public static HttpRequestMessage AsIdempotent(this HttpRequestMessage request, bool idempotent = true)
    {
        request.Options.Set(Idempotent, idempotent);
        return request;
    }

    public static CallPriority PriorityOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(Priority, out var p) ? p : CallPriority.Normal;

    /// <summary>Explicit flag if set; otherwise by method: everything but POST is idempotent.</summary>
    public static bool IsIdempotent(HttpRequestMessage request) =>
        request.Options.TryGetValue(Idempotent, out var i) ? i : request.Method != HttpMethod.Post;

    /// <summary>The request named for errors and logs: method and path, never the query string.</summary>
    public static string Describe(HttpRequestMessage request) =>
        $"{request.Method} {request.RequestUri?.AbsolutePath ?? "?"}";
}
