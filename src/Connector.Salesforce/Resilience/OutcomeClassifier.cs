using System.Net;
using System.Net.Sockets;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Connector.Salesforce.Resilience;

/// <summary>What to do with the outcome of one attempt at a Salesforce call.</summary>
public enum OutcomeAction
{
    /// <summary>A 2xx/3xx answer: hand it to the caller.</summary>
    Success,

    /// <summary>Transient and safe to repeat: try again after a backoff.</summary>
    Retry,

    /// <summary>401: the auth handler renews the session and replays once; nothing more to do here.</summary>
    RefreshSession,

    /// <summary>403 REQUEST_LIMIT_EXCEEDED: retrying only burns more of the org's allocation; the budget governor waits.</summary>
    WaitForBudget,

    /// <summary>Not transient, or not safe to repeat: the caller gets the typed error.</summary>
    Fail,
}

/// <summary>
/// The one place that decides what is transient (fact sheet §2.7). Pure: no I/O, no clock, so every rule is
/// unit-tested. A request that may have reached Salesforce is repeated only when it is idempotent — a POST
/// create retried after a 503 or a timeout can make two records, because Salesforce may have committed it.
/// </summary>
public static class OutcomeClassifier
{
    public const string UnableToLockRow = "UNABLE_TO_LOCK_ROW";
    public const string ServerUnavailable = "SERVER_UNAVAILABLE";
    public const string RequestLimitExceeded = "REQUEST_LIMIT_EXCEEDED";

    /// <summary>Classifies an answer from Salesforce; <paramref name="errorCode"/> is the first errorCode of its body, if any.</summary>
    public static OutcomeAction Classify(HttpStatusCode status, string? errorCode, bool idempotent)
    {
        var code = (int)status;
        if (code is >= 200 and < 400)
        {
            return OutcomeAction.Success;
        }

        if (status == HttpStatusCode.Unauthorized)
        {
            return OutcomeAction.RefreshSession;
        }

        if (string.Equals(errorCode, RequestLimitExceeded, StringComparison.Ordinal))
        {
            return OutcomeAction.WaitForBudget;
        }

        // Salesforce rolls the whole transaction back before answering UNABLE_TO_LOCK_ROW, so nothing was
        // committed: repeating it is safe even for a create.
        if (status == HttpStatusCode.BadRequest && string.Equals(errorCode, UnableToLockRow, StringComparison.Ordinal))
        {
            return OutcomeAction.Retry;
        }

        if (IsServerFailure(status, errorCode))
        {
            return idempotent ? OutcomeAction.Retry : OutcomeAction.Fail;
        }

        return OutcomeAction.Fail;
    }

    /// <summary>
    /// Classifies a call that produced no answer. <paramref name="callerCancelled"/>: the caller's own token
    /// was cancelled, which is never retried.
    /// </summary>
    public static OutcomeAction Classify(Exception exception, bool idempotent, bool callerCancelled)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (callerCancelled || exception is BrokenCircuitException)
        {
            return OutcomeAction.Fail;
        }

        if (FailedBeforeSending(exception))
        {
            return OutcomeAction.Retry;
        }

        if (IsTransportFailure(exception))
        {
            return idempotent ? OutcomeAction.Retry : OutcomeAction.Fail;
        }

        return OutcomeAction.Fail;
    }

    /// <summary>Signs that Salesforce (or the way to it) is unwell; these feed the circuit breaker whatever the method.</summary>
    public static bool IsServerFailure(HttpStatusCode status, string? errorCode) =>
        status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
        || string.Equals(errorCode, ServerUnavailable, StringComparison.Ordinal);

    /// <summary>Network errors and timeouts (not the caller's cancellation, not an open circuit).</summary>
    public static bool IsTransportFailure(Exception exception) => exception switch
    {
        BrokenCircuitException => false,
        TimeoutRejectedException or TimeoutException => true,
        HttpRequestException => true,
        IOException => true,
        SocketException => true,

        // HttpClient's own timeouts surface as cancellations the caller did not ask for.
        OperationCanceledException => true,
        _ => false,
    };

    /// <summary>
    /// True only when the request cannot have reached Salesforce: the name did not resolve, the connection
    /// (or TLS, or the proxy tunnel) could not be established. Then even a create is safe to repeat.
    /// </summary>
    public static bool FailedBeforeSending(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError }:
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TryAgain or SocketError.NoData }:
                    return true;
            }
        }

        return false;
    }
}
