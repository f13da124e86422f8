namespace Connector.SalesforceEmulator.Auth;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class OAuthEndpoints
{
    public static IServiceCollection AddOAuth(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapOAuth(this IEndpointRouteBuilder app) => app;
}
