namespace Connector.SalesforceEmulator.Rest;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class DescribeEndpoints
{
    public static RouteGroupBuilder MapDescribe(this RouteGroupBuilder api) => api;
}
