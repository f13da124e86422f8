using Connector.SalesforceEmulator.Seeding;

namespace Connector.SalesforceEmulator.Hosting;

/// <summary>Sets the org up before the server takes requests: standard setup data, then the seeded demo data.</summary>
internal sealed class OrgStartup(OrgBootstrap bootstrap) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => bootstrap.RunAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
