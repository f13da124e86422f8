namespace Connector.SalesforceEmulator.Rest;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class CompositeEndpoints
{
    public static RouteGroupBuilder MapComposite(this RouteGroupBuilder api) => api;
}
