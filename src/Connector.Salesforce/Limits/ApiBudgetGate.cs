using System.Net;
using Connector.Salesforce.Http;
using Connector.Salesforce.Resilience;

namespace Connector.Salesforce.Limits;

/// <summary>
/// Outermost handler: holds non-critical calls back while the org's API budget is at the reserve, and turns
/// Salesforce's own 403 REQUEST_LIMIT_EXCEEDED into <see cref="ApiBudgetExhaustedException"/> (never retried:
/// hammering an exhausted org only keeps it exhausted). Critical calls always go through.
/// </summary>
public sealed class ApiBudgetGate : DelegatingHandler
{
    private readonly ApiBudget _budget;

    public ApiBudgetGate(ApiBudget budget) => _budget = budget;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var priority = SalesforceRequest.PriorityOf(request);
        var name = SalesforceRequest.Describe(request);
        if (priority != CallPriority.Critical)
        {
            await _budget.EnsureKnownAsync(cancellationToken).ConfigureAwait(false);
        }

        using var slot = await _budget.AcquireAsync(priority, name, cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Forbidden
            && await ErrorBody.ReadErrorCodeAsync(response, cancellationToken).ConfigureAwait(false) == OutcomeClassifier.RequestLimitExceeded)
        {
            response.Dispose();
            throw _budget.RejectedBySalesforce(name);
        }

        return response;
    }
}
