using Connector.Salesforce.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Connector.Salesforce.Limits;

public static class ApiBudgetRegistration
{
    /// <summary>
    /// The API budget governor: the org-wide <see cref="ApiBudget"/> (with its metrics on the
    /// "Connector.Salesforce" meter), the gate and the limit-info reader, configured from "Salesforce:Budget".
    /// </summary>
    public static IServiceCollection AddSalesforceBudget(this IServiceCollection services, IConfiguration? configuration = null)
    {
        services.AddOptions<SalesforceBudgetOptions>()
            .BindSalesforceSection(configuration, SalesforceBudgetOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ApiBudget>();
        services.AddTransient<ApiBudgetGate>();
        services.AddTransient<LimitInfoReader>();
        return services;
    }
}
