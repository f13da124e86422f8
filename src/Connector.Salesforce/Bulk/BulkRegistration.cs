using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Bulk;

// PLACEHOLDER: being written (issue 3); replaced before this lands.
public static class BulkRegistration
{
    public static IServiceCollection AddSalesforceBulk(this IServiceCollection services) => services;
}
