using Connector.Ledger.Checkpoints;
using Connector.Ledger.Outbox;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Rewards;

namespace Connector.Ledger.Ledger;

/// <summary>
/// Everything one incoming Salesforce change does to the ledger, applied by <see cref="LedgerStore.ApplyAsync"/>
/// in one transaction together with the stream's new position: all of it commits, or none of it.
/// </summary>
public sealed record AppliedChange
{
    /// <summary>
    /// Identifies the event across redeliveries and replays (e.g. CDC <c>transactionKey:sequenceNumber</c>, or
    /// <c>Lead:00Q…:SystemModstamp</c> for a catch-up read). Applying a key twice is a no-op.
    /// </summary>
    public required string EventKey { get; init; }

    /// <summary>
    /// Whether the event key is recorded (and guards the effects). False for a change whose effects must not make the
    /// event count as applied, e.g. a quarantine row: the event stays re-appliable after a mapping fix.
    /// </summary>
    public bool RecordsEventKey { get; init; } = true;

    /// <summary>The stream position this change advances to; null when the change comes from no stream (a re-apply).</summary>
    public StreamPosition? Checkpoint { get; init; }

    public IReadOnlyList<AdvocateRow> Advocates { get; init; } = [];
    public IReadOnlyList<ReferralRow> Referrals { get; init; } = [];
    public IReadOnlyList<ReferralStateChangeRow> StateChanges { get; init; } = [];
    public IReadOnlyList<RewardEntryRow> RewardEntries { get; init; } = [];
    public IReadOnlyList<AuditRow> Audit { get; init; } = [];
    public IReadOnlyList<OutboxMessageRow> Outbox { get; init; } = [];

    /// <summary>Parts of this event that cannot be applied; the event still counts as handled and the stream moves on.</summary>
    public IReadOnlyList<QuarantineRow> Quarantined { get; init; } = [];

    /// <summary>Open quarantine entries this change re-applies (after a mapping fix): closed with this event key.</summary>
    public IReadOnlyList<long> ReappliedQuarantineIds { get; init; } = [];

    /// <summary>
    /// Referral rows (by key) known to exist with some of their indexed columns as <see cref="Referrals"/> has them: the
    /// upsert leaves those columns out of its UPDATE. SQLite rewrites the entries of every index whose column an UPDATE
    /// sets, even to the value it had (measured: 2.5 times the cost of an UPDATE of unindexed columns); PostgreSQL can
    /// update such a row in place. A row not listed is written whole.
    /// </summary>
    public IReadOnlyDictionary<string, UnchangedReferralColumns> ReferralsUnchanged { get; init; } = EmptyUnchanged;

    internal static readonly IReadOnlyDictionary<string, UnchangedReferralColumns> EmptyUnchanged = new Dictionary<string, UnchangedReferralColumns>();
}

/// <summary>Which indexed columns of a stored referral row a write leaves as they are (see <see cref="AppliedChange.ReferralsUnchanged"/>).</summary>
public enum UnchangedReferralColumns
{
    /// <summary>Its identity: referral_id, lead_id, opportunity_id, referee_email_key, advocate_id.</summary>
    Keys = 1,

    /// <summary>Its identity and its state.</summary>
    KeysAndState = 2,
}
