using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Describe;

// PLACEHOLDER: being written (issue 3); replaced before this lands.
public static class DescribeRegistration
{
    public static IServiceCollection AddSalesforceDescribe(this IServiceCollection services) => services;
}
