using System.Net;
using Connector.Salesforce;
using Connector.Salesforce.Limits;
using Connector.Salesforce.Resilience;
using Connector.Salesforce.Writes;

namespace Connector.Worker.Outbox;

/// <summary>Which failures are the messages' fault (an attempt each) and which are the org's or the network's (wait, no attempt).</summary>
public static class OutboxFailures
{
    /// <summary>The owner read back after a write is not the one written: an assignment rule, flow or trigger changed it.</summary>
    public const string OwnerOverridden = "OWNER_OVERRIDDEN";

    /// <summary>The record was written but could not be read back to check its owner.</summary>
    public const string NotFoundOnVerify = "NOT_FOUND_ON_VERIFY";

    /// <summary>
    /// True when a whole call failed for a reason outside the messages: the API budget is at its reserve, the circuit
    /// is open, Salesforce answered 5xx/429 or a session/permission problem, the network failed. The batch stops and
    /// is tried again later as it is. A 400 or 404 is about the request's content: the messages in it are at fault.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        ApiBudgetExhaustedException or SalesforceUnavailableException => true,
        PartialWriteException { InnerException: { } inner } => IsTransient(inner),
        SalesforceApiException api => api.Status is not (HttpStatusCode.BadRequest or HttpStatusCode.NotFound),
        HttpRequestException or TimeoutException => true,
        _ => false,
    };

    /// <summary>"ERROR_CODE: message (fields)" for the outbox row's last error.</summary>
    public static string Describe(IReadOnlyList<SalesforceError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count == 0
            ? "UNKNOWN_ERROR: Salesforce reported a failure without errors"
            : string.Join("; ", errors.Select(e => e.Fields.Count == 0
                ? $"{e.ErrorCode}: {e.Message}"
                : $"{e.ErrorCode}: {e.Message} ({string.Join(", ", e.Fields)})"));
    }

    public static string Describe(SalesforceApiException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Errors.Count > 0 ? Describe(exception.Errors) : $"{exception.ErrorCode}: {exception.Message}";
    }

    /// <summary>The leading error code of a stored last error.</summary>
    public static string CodeOf(string error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var colon = error.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? error[..colon] : error;
    }
}
