namespace Connector.SalesforceEmulator.Rest;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class LimitsEndpoints
{
    public static RouteGroupBuilder MapLimits(this RouteGroupBuilder api) => api;
}
