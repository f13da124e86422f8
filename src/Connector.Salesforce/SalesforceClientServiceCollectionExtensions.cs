using Connector.Salesforce.Auth;
using Connector.Salesforce.Bulk;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Http;
using Connector.Salesforce.Limits;
using Connector.Salesforce.Query;
using Connector.Salesforce.Resilience;
using Connector.Salesforce.Streaming;
using Connector.Salesforce.Writes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Connector.Salesforce;

public static class SalesforceClientServiceCollectionExtensions
{
    /// <summary>
    /// The Salesforce client: options validated at start, the typed <see cref="SalesforceHttp"/> with its
    /// handlers (outermost first: API budget gate, resilience, auth, limit-info reader), and the feature
    /// clients built on it (queries, writes, describe, streaming, Bulk 2.0).
    /// </summary>
    public static IServiceCollection AddSalesforceClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SalesforceOptions>()
            .Bind(configuration.GetSection(SalesforceOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(OAuthTokenSource.HttpClientName);
        services.TryAddSingleton<ITokenSource, OAuthTokenSource>();
        services.TryAddSingleton<TokenCache>();
        services.AddTransient<AuthHandler>();

        services.AddSalesforceBudget(configuration);
        services.AddSalesforceResilience(configuration);
        services.AddHttpClient<SalesforceHttp>()
            .AddHttpMessageHandler<ApiBudgetGate>()
            .AddHttpMessageHandler<ResilienceHandler>()
            .AddHttpMessageHandler<AuthHandler>()
            .AddHttpMessageHandler<LimitInfoReader>();

        services.AddSalesforceDescribe();
        services.AddSalesforceQueries();
        services.AddSalesforceWrites();
        services.AddSalesforceStreaming();
        services.AddSalesforceBulk();
        return services;
    }
}
