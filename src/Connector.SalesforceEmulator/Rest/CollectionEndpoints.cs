namespace Connector.SalesforceEmulator.Rest;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class CollectionEndpoints
{
    public static RouteGroupBuilder MapCollections(this RouteGroupBuilder api) => api;
}
