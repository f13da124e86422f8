namespace Connector.SalesforceEmulator.Rest;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class VersionEndpoints
{
    public static IEndpointRouteBuilder MapVersions(this IEndpointRouteBuilder app) => app;
}
