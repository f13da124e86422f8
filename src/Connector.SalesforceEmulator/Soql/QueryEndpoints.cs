namespace Connector.SalesforceEmulator.Soql;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class QueryEndpoints
{
    public static RouteGroupBuilder MapQuery(this RouteGroupBuilder api) => api;
}
