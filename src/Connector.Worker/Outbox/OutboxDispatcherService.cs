using Microsoft.Extensions.Hosting;

namespace Connector.Worker.Outbox;

/// <summary>Runs the <see cref="OutboxDispatcher"/> for the life of the host.</summary>
public sealed class OutboxDispatcherService : BackgroundService
{
    private readonly OutboxDispatcher _dispatcher;

    public OutboxDispatcherService(OutboxDispatcher dispatcher) => _dispatcher = dispatcher;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _dispatcher.RunAsync(stoppingToken);
}
