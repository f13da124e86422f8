using System.Globalization;
using Connector.Ledger.Applying;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Programs;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Programs;

/// <summary>
/// When this deployment started routing: recorded in the ledger at the first start and kept, so that the backfill of an
/// org's history registers its referral leads without reassigning them (unless Worker:Program:RouteHistoricalLeads).
/// Applied over whichever program version is current, so a version saved in the console keeps the guard.
/// </summary>
public sealed class RoutingStart(CheckpointStore checkpoints, IOptions<ProgramOptions> options, TimeProvider time)
{
    public const string Stream = "routing:since";

    public DateTimeOffset? Since { get; private set; }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (options.Value.RouteHistoricalLeads)
        {
            Since = null;
            return;
        }

        var stored = await checkpoints.GetCursorAsync(Stream, cancellationToken).ConfigureAwait(false);
        if (stored is not null && DateTimeOffset.TryParse(stored, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since))
        {
            Since = since;
            return;
        }

        // The exact instant, although CreatedDate comes to the second: a lead created in the start's own second counts as
        // history (once in a deployment's life), rather than leads from before the start being taken from their reps.
        Since = time.GetUtcNow();
        await checkpoints.SaveCursorAsync(Stream, Since.Value.ToString("O", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The current program with the routing start applied (see <see cref="RoutingStart"/>).</summary>
public sealed class RoutingGuardedProgramSource(ILedgerProgramSource inner, RoutingStart start) : ILedgerProgramSource
{
    private sealed record Guarded(LedgerProgram From, LedgerProgram Program);

    private Guarded? _last;

    public LedgerProgram Current
    {
        get
        {
            var current = inner.Current;
            if (start.Since is not { } since)
            {
                return current;
            }

            if (Volatile.Read(ref _last) is { } last && ReferenceEquals(last.From, current))
            {
                return last.Program;
            }

            var config = current.Config with { Routing = current.Config.Routing with { OnlySubmittedFrom = since } };
            var guarded = new Guarded(current, new LedgerProgram(config, current.Rules, current.Rates));
            Volatile.Write(ref _last, guarded);
            return guarded.Program;
        }
    }

    public FieldMapping Fields => inner.Fields;
}
