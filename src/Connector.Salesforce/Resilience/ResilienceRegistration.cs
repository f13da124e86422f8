using Connector.Salesforce.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace Connector.Salesforce.Resilience;

public static class ResilienceRegistration
{
    /// <summary>
    /// Retries, circuit breaker and per-attempt timeout for <see cref="SalesforceHttp"/>, configured from
    /// "Salesforce:Resilience" (validated at start).
    /// </summary>
    public static IServiceCollection AddSalesforceResilience(this IServiceCollection services, IConfiguration? configuration = null)
    {
        services.AddOptions<SalesforceResilienceOptions>()
            .BindSalesforceSection(configuration, SalesforceResilienceOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<SalesforceResiliencePipeline>();
        services.AddTransient<ResilienceHandler>();

        // The pipeline times out each attempt; HttpClient's own 100 s timeout would cut across retries and
        // budget waits, so it is turned off for the typed client.
        services.Configure<HttpClientFactoryOptions>(nameof(SalesforceHttp), o => o.HttpClientActions.Add(c => c.Timeout = Timeout.InfiniteTimeSpan));
        return services;
    }
}
