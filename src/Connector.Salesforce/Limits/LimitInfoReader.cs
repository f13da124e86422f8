using System.Globalization;
using System.Net;
using Connector.Salesforce.Http;
using Connector.Salesforce.Resilience;

namespace Connector.Salesforce.Limits;

/// <summary>
/// Innermost handler: every answer's <c>Sforce-Limit-Info: api-usage=N/M</c> updates the <see cref="ApiBudget"/>
/// (each retry and each session replay is seen, since each costs a call), and a 403 REQUEST_LIMIT_EXCEEDED
/// marks it exhausted.
/// </summary>
public sealed class LimitInfoReader : DelegatingHandler
{
    public const string HeaderName = "Sforce-Limit-Info";

    private readonly ApiBudget _budget;

    public LimitInfoReader(ApiBudget budget) => _budget = budget;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Headers.TryGetValues(HeaderName, out var values))
        {
            foreach (var value in values)
            {
                if (TryParseApiUsage(value, out var used, out var max))
                {
                    _budget.ObserveLimitInfo(used, max);
                }
            }
        }

        if (response.StatusCode == HttpStatusCode.Forbidden
            && await ErrorBody.ReadErrorCodeAsync(response, cancellationToken).ConfigureAwait(false) == OutcomeClassifier.RequestLimitExceeded)
        {
            _budget.MarkExhausted();
        }

        return response;
    }

    /// <summary>
    /// "api-usage=18/5000" → (18, 5000). Other segments ("per-app-api-usage=17/250(appName=x)", "api-bursts=1/750")
    /// are ignored; usage may exceed the maximum.
    /// </summary>
    public static bool TryParseApiUsage(string? header, out int used, out int max)
    {
        used = max = 0;
        foreach (var segment in (header ?? string.Empty).Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            const string prefix = "api-usage=";
            if (!segment.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var pair = segment.AsSpan(prefix.Length);
            var slash = pair.IndexOf('/');
            return slash > 0
                && int.TryParse(pair[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out used)
                && int.TryParse(pair[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out max);
        }

        return false;
    }
}
