namespace Connector.SalesforceEmulator.Rest;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class SObjectEndpoints
{
    public static RouteGroupBuilder MapSObjects(this RouteGroupBuilder api) => api;
}
