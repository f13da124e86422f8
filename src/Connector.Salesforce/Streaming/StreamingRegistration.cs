using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Streaming;

// PLACEHOLDER: being written (issue 3); replaced before this lands.
public static class StreamingRegistration
{
    public static IServiceCollection AddSalesforceStreaming(this IServiceCollection services) => services;
}
