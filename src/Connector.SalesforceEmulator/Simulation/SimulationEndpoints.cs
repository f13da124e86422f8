namespace Connector.SalesforceEmulator.Simulation;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class SimulationEndpoints
{
    public static IEndpointRouteBuilder MapSimulation(this IEndpointRouteBuilder app) => app;
}
