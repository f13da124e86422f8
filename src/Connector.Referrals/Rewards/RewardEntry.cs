using System.Globalization;

namespace Connector.Referrals.Rewards;

/// <summary>
/// One append-only ledger line. Amounts are positive for <see cref="RewardEntryKind.Earned"/>,
/// <see cref="RewardEntryKind.Scheduled"/> and <see cref="RewardEntryKind.Matured"/>, negative for
/// <see cref="RewardEntryKind.Cancelled"/> and <see cref="RewardEntryKind.Clawback"/> (each voids the entry named
/// by <see cref="RelatedEntryKey"/>). Earned and Matured entries are the payable ones; a Scheduled entry is never
/// paid itself, its Matured entry is.
/// </summary>
public sealed record RewardEntry
{
    public required string IdempotencyKey { get; init; }

    public required string ReferralId { get; init; }

    public required RewardBeneficiary Beneficiary { get; init; }

    /// <summary>The advocate's id, or the referee's for <see cref="RewardBeneficiary.Referee"/> entries.</summary>
    public required string BeneficiaryId { get; init; }

    public required RewardEntryKind Kind { get; init; }

    public required Money Amount { get; init; }

    /// <summary>Earned/Scheduled: the win; Matured: the maturity day; Cancelled/Clawback: the reversal.</summary>
    public required DateOnly EffectiveDate { get; init; }

    /// <summary>Why: rule id and version, stage, and the formula with its figures.</summary>
    public required string Reason { get; init; }

    public string? RelatedEntryKey { get; init; }

    public required string RuleId { get; init; }

    public required int RuleVersion { get; init; }

    /// <summary>The stage key for advocate entries (e.g. "won", "retained"); "referee" for the referee's reward.</summary>
    public required string Stage { get; init; }

    /// <summary>Which win of the referral (0 for the first; a re-win after a voiding reversal starts the next).</summary>
    public required int Cycle { get; init; }

    /// <summary>The day of the win this entry belongs to.</summary>
    public required DateOnly WonDate { get; init; }

    /// <summary>The exact time of that win (null when the facts did not carry it): identifies the win within its day.</summary>
    public DateTimeOffset? WonAt { get; init; }

    /// <summary>A reversal before this day voids the entry; on or after it the reward stands.</summary>
    public required DateOnly RetentionEndsOn { get; init; }

    /// <summary>Scheduled entries: the day they mature if the deal still stands.</summary>
    public DateOnly? MaturesOn { get; init; }

    /// <summary>Reward choice: the options (of this entry's value) the advocate picks from; empty when no choice.</summary>
    public IReadOnlyList<string> ChoiceOptions { get; init; } = [];

    public bool IsPayable => Kind is RewardEntryKind.Earned or RewardEntryKind.Matured;

    public bool IsVoid => Kind is RewardEntryKind.Cancelled or RewardEntryKind.Clawback;

    /// <summary>
    /// Deterministic from (referral, rule version, cycle, slot, kind), so evaluating the same facts again yields the
    /// same keys and the store's unique constraint rejects any duplicate that slips through.
    /// </summary>
    public static string KeyFor(string referralId, string ruleId, int ruleVersion, int cycle, RewardBeneficiary beneficiary, string stage, RewardEntryKind kind) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"rw:{referralId}:{ruleId}@v{ruleVersion}:c{cycle}:{(beneficiary == RewardBeneficiary.Advocate ? "advocate" : "referee")}.{stage}:{kind.ToString().ToLowerInvariant()}");
}

public enum RewardBeneficiary
{
    Advocate,
    Referee,
}

public enum RewardEntryKind
{
    /// <summary>Payable now: a reward due on the win.</summary>
    Earned,

    /// <summary>Not payable yet: matures on <see cref="RewardEntry.MaturesOn"/> if the deal still stands.</summary>
    Scheduled,

    /// <summary>Payable: a scheduled reward whose retention period passed with the deal standing.</summary>
    Matured,

    /// <summary>A not-yet-paid Earned/Scheduled/Matured entry voided by a reversal.</summary>
    Cancelled,

    /// <summary>A paid entry voided by a reversal: the amount is to be recovered.</summary>
    Clawback,
}
