using System.Collections.Immutable;
using Connector.Referrals.Processing;

namespace Connector.Ledger.Applying;

public enum ApplyStatus
{
    /// <summary>The change had effects; they and its event key were committed.</summary>
    Applied,

    /// <summary>The event key was applied before: nothing was decided or written.</summary>
    Duplicate,

    /// <summary>The change cannot be applied as it stands: stored in quarantine (once), event key not recorded.</summary>
    Quarantined,

    /// <summary>The change has no effect (stale, not a referral…): nothing written, event key not recorded.</summary>
    Ignored,
}

/// <summary>
/// What applying one change did. <see cref="Resyncs"/> are the re-reads the worker must do (and apply as snapshot
/// changes); they are not stored.
/// </summary>
public sealed record ApplyOutcome(
    string EventKey,
    ApplyStatus Status,
    ImmutableArray<ReferralDecision> Decisions,
    int RewardEntries = 0)
{
    public IEnumerable<ResyncRequested> Resyncs => Decisions.OfType<ResyncRequested>();

    public int DecisionCount => Decisions.Length;
}
