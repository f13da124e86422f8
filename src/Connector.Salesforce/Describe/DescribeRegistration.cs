using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Describe;

public static class DescribeRegistration
{
    /// <summary>The describe cache (options from "Salesforce:Describe").</summary>
    public static IServiceCollection AddSalesforceDescribe(this IServiceCollection services)
    {
        services.AddOptions<DescribeOptions>().BindConfiguration(DescribeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DescribeStore>();
        services.AddTransient<DescribeCache>();
        return services;
    }
}
