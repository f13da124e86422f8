namespace Connector.SalesforceEmulator.Bulk;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class BulkQueryEndpoints
{
    public static IServiceCollection AddBulkQuery(this IServiceCollection services) => services;

    public static RouteGroupBuilder MapBulkQuery(this RouteGroupBuilder api) => api;
}
