using System.Net;

namespace Connector.Salesforce.Limits;

/// <summary>
/// The org's daily API allocation is down to the reserve kept for its own users (or Salesforce answered
/// REQUEST_LIMIT_EXCEEDED). Nothing was sent; the caller defers the work and tries later.
/// </summary>
public sealed class ApiBudgetExhaustedException : SalesforceApiException
{
    /// <summary>The governor held the call back (Salesforce never saw it).</summary>
    public const string ReserveReached = "API_BUDGET_RESERVE";

    public ApiBudgetExhaustedException(string request, int used, int max, int reservePercent, bool rejectedBySalesforce)
        : base(
            rejectedBySalesforce ? HttpStatusCode.Forbidden : HttpStatusCode.TooManyRequests,
            [new SalesforceError(rejectedBySalesforce ? Resilience.OutcomeClassifier.RequestLimitExceeded : ReserveReached, Describe(used, max, reservePercent, rejectedBySalesforce), [])],
            request,
            null)
    {
        Used = used;
        Max = max;
        ReservePercent = reservePercent;
        RejectedBySalesforce = rejectedBySalesforce;
    }

    public ApiBudgetExhaustedException()
        : this("request", 0, 0, 0, rejectedBySalesforce: false)
    {
    }

    public ApiBudgetExhaustedException(string message)
        : base(message)
    {
    }

    public ApiBudgetExhaustedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>API requests used in the rolling 24 hours, as last known.</summary>
    public int Used { get; }

    /// <summary>The org's daily allocation.</summary>
    public int Max { get; }

    public int ReservePercent { get; }

    /// <summary>True when Salesforce itself refused the call (403 REQUEST_LIMIT_EXCEEDED).</summary>
    public bool RejectedBySalesforce { get; }

    private static string Describe(int used, int max, int reservePercent, bool rejectedBySalesforce) =>
        rejectedBySalesforce
            ? $"Salesforce refused the call: the org's daily API allocation is used up ({used}/{max}). Defer and retry later."
            : $"API budget at {used}/{max} with {reservePercent}% kept for the org's own users: call deferred.";
}
