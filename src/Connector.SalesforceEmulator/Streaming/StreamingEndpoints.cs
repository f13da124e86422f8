namespace Connector.SalesforceEmulator.Streaming;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class StreamingEndpoints
{
    public static IServiceCollection AddStreaming(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapStreaming(this IEndpointRouteBuilder app) => app;
}
