using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Writes;

// PLACEHOLDER: being written (issue 3); replaced before this lands.
public static class WritesRegistration
{
    public static IServiceCollection AddSalesforceWrites(this IServiceCollection services) => services;
}
