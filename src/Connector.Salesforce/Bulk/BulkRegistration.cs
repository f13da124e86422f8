using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Connector.Salesforce.Bulk;

public static class BulkRegistration
{
    /// <summary>Bulk API 2.0 query: <see cref="BulkQueryClient"/> over the shared <c>SalesforceHttp</c> pipeline.</summary>
    public static IServiceCollection AddSalesforceBulk(this IServiceCollection services)
    {
        services.TryAddTransient<BulkQueryClient>();
        return services;
    }
}
