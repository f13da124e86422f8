using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.Ledger.Migrations;

/// <summary>
/// Migrates in <see cref="StartAsync"/>, which the host awaits before starting the services registered after it,
/// so nothing reads or writes the ledger before its schema is current.
/// </summary>
internal sealed class LedgerMigrationService : IHostedService
{
    private readonly MigrationRunner _runner;
    private readonly IOptions<LedgerOptions> _options;

    public LedgerMigrationService(MigrationRunner runner, IOptions<LedgerOptions> options)
    {
        _runner = runner;
        _options = options;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Value.MigrateOnStart)
        {
            await _runner.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
