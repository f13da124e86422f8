using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Query;

// PLACEHOLDER: being written (issue 3); replaced before this lands.
public static class QueryRegistration
{
    public static IServiceCollection AddSalesforceQueries(this IServiceCollection services) => services;
}
