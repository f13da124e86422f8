using System.Collections.Concurrent;
using Connector.Ledger.Programs;

namespace Connector.Admin.Mapping;

/// <summary>The program being configured: what is current, each admin's unsaved draft, saving and rolling back.</summary>
public sealed class ProgramService
{
    private readonly ProgramVersionStore _versions;
    private readonly ILedgerProgramSource _running;
    private readonly ConcurrentDictionary<string, ProgramDocument> _drafts = new(StringComparer.Ordinal);

    public ProgramService(ProgramVersionStore versions, ILedgerProgramSource running)
    {
        _versions = versions;
        _running = running;
    }

    public string ProgramId => _running.Current.Config.ProgramId;

    public ProgramVersionStore Versions => _versions;

    /// <summary>The current saved version, or (before anything is saved) the program the host configured, as version null.</summary>
    public async Task<(ProgramDocument Document, ProgramVersion? Version)> CurrentAsync(CancellationToken cancellationToken)
    {
        var version = await _versions.CurrentAsync(ProgramId, cancellationToken).ConfigureAwait(false);
        return version is null ? (ProgramDocument.From(_running.Current, _running.Fields), null) : (version.Document, version);
    }

    /// <summary>What <paramref name="actor"/> is editing: their draft, else the current version.</summary>
    public async Task<(ProgramDocument Document, bool IsDraft)> WorkingAsync(string actor, CancellationToken cancellationToken) =>
        _drafts.TryGetValue(actor, out var draft) ? (draft, true) : ((await CurrentAsync(cancellationToken).ConfigureAwait(false)).Document, false);

    public void SetDraft(string actor, ProgramDocument draft) => _drafts[actor] = draft;

    public void Discard(string actor) => _drafts.TryRemove(actor, out _);

    /// <summary>Saves the actor's draft (or <paramref name="document"/>) as the next version and drops the draft.</summary>
    public async Task<ProgramVersion> SaveAsync(string actor, ProgramDocument document, string? comment, CancellationToken cancellationToken)
    {
        if (!string.Equals(document.ProgramId, ProgramId, StringComparison.Ordinal))
        {
            throw new ProgramValidationException([$"programId '{document.ProgramId}' is not this connector's program '{ProgramId}'."]);
        }

        var saved = await _versions.SaveAsync(document, actor, comment, cancellationToken).ConfigureAwait(false);
        Discard(actor);
        return saved;
    }

    public Task<ProgramVersion?> RollbackAsync(string actor, int version, string? comment, CancellationToken cancellationToken) =>
        _versions.RollbackAsync(ProgramId, version, actor, comment, cancellationToken);
}
