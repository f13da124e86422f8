using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Query;

public static class QueryRegistration
{
    /// <summary>REST queries (<see cref="SalesforceQueries"/>) and the incremental <see cref="ModstampCursor"/>.</summary>
    public static IServiceCollection AddSalesforceQueries(this IServiceCollection services)
    {
        services.AddTransient<SalesforceQueries>();
        services.AddTransient<ModstampCursor>();
        return services;
    }
}
