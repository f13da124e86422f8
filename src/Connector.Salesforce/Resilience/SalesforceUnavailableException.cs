using System.Net;

namespace Connector.Salesforce.Resilience;

/// <summary>
/// Salesforce failed often enough that the circuit breaker opened: calls fail fast until
/// <see cref="RetryAfter"/> instead of piling onto an org that is down. Callers defer the work.
/// </summary>
public sealed class SalesforceUnavailableException : SalesforceApiException
{
    public const string CircuitOpen = "CIRCUIT_OPEN";

    public SalesforceUnavailableException(string request, TimeSpan? retryAfter, Exception innerException)
        : base(HttpStatusCode.ServiceUnavailable, [new SalesforceError(CircuitOpen, Describe(retryAfter), [])], request, innerException)
    {
        RetryAfter = retryAfter;
    }

    public SalesforceUnavailableException()
        : this("request", null, new InvalidOperationException("circuit open"))
    {
    }

    public SalesforceUnavailableException(string message)
        : this(message, null, new InvalidOperationException(message))
    {
    }

    public SalesforceUnavailableException(string message, Exception innerException)
        : this(message, null, innerException)
    {
    }

    /// <summary>How long the circuit stays open, when known.</summary>
    public TimeSpan? RetryAfter { get; }

    private static string Describe(TimeSpan? retryAfter) =>
        "Salesforce is unavailable: calls are paused after repeated failures (circuit open)"
        + (retryAfter is { } r ? $"; retry after {r.TotalSeconds:0.#} s." : ".");
}
