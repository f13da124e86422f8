using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connector.Ledger.Programs;

/// <summary>
/// Keeps <see cref="PublishedLedgerProgramSource"/> on the program's current stored version: at start (after the
/// migrations, so a restart applies what admins saved) and then every <see cref="Interval"/>, which picks up versions
/// saved by another instance or imported with the CLI.
/// </summary>
public sealed class ProgramVersionRefresher : BackgroundService
{
    private readonly ProgramVersionStore _store;
    private readonly PublishedLedgerProgramSource _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ProgramVersionRefresher(
        ProgramVersionStore store, PublishedLedgerProgramSource source, TimeProvider time, ILogger<ProgramVersionRefresher>? logger = null)
    {
        _store = store;
        _source = source;
        _time = time;
        _logger = logger ?? NullLogger<ProgramVersionRefresher>.Instance;
    }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(15);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Awaited by the host before later services start: the first change is applied under the stored version.
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes the stored current version when it is newer than the running one; true when it did.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var programId = _source.Current.Config.ProgramId;
        if (await _store.CurrentAsync(programId, cancellationToken).ConfigureAwait(false) is not { } current ||
            !_source.Publish(current.Document.ToProgram(current.MappingVersion), current.Document.Fields, current.Version))
        {
            return false;
        }

        Log.ProgramVersionPublished(_logger, programId, current.Version, current.SavedBy, current.SavedAt);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or ProgramFormatException or ArgumentException or TimeoutException)
            {
                Log.ProgramVersionRefreshFailed(_logger, _source.Current.Config.ProgramId, e.Message);
            }
        }
    }
}
