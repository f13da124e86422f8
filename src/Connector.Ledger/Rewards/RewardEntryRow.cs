namespace Connector.Ledger.Rewards;

/// <summary>
/// An append-only money movement for an advocate (or, in double-sided programs, the referee): earned, cancelled,
/// clawed back. <see cref="IdempotencyKey"/> names the decision (e.g. <c>reward:R-42:won:flat</c>) so deciding it
/// again, from any event, adds nothing.
/// </summary>
public sealed record RewardEntryRow
{
    public required string IdempotencyKey { get; init; }
    public required string ReferralKey { get; init; }
    public required string AdvocateId { get; init; }
    public string Beneficiary { get; init; } = "Advocate";
    public required string Kind { get; init; }
    /// <summary>At most 4 decimal places and 14 integer digits (NUMERIC(18,4)); negative for clawbacks.</summary>
    public required decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required DateOnly EffectiveOn { get; init; }
    public required string Reason { get; init; }
    public string? RuleId { get; init; }
    public string? RelatedKey { get; init; }

    // What the reward engine reads back from its own entries (migration 0002); null for entries written without it.
    public string? BeneficiaryId { get; init; }
    public int? RuleVersion { get; init; }
    public string? Stage { get; init; }
    public int? Cycle { get; init; }
    public DateOnly? WonOn { get; init; }
    /// <summary>The exact win time (migration 0003): tells a same-day re-win from the voided win.</summary>
    public DateTimeOffset? WonAt { get; init; }
    public DateOnly? RetentionEndsOn { get; init; }
    public DateOnly? MaturesOn { get; init; }
    /// <summary>JSON array of the reward choice's options; null when there is no choice.</summary>
    public string? ChoiceOptions { get; init; }
}

/// <summary>A reward entry as stored, with its payout if it has one.</summary>
public sealed record RewardEntry
{
    public long Id { get; init; }
    public required string IdempotencyKey { get; init; }
    public required string ReferralKey { get; init; }
    public required string AdvocateId { get; init; }
    public required string Beneficiary { get; init; }
    public required string Kind { get; init; }
    public decimal Amount { get; init; }
    public required string Currency { get; init; }
    public DateOnly EffectiveOn { get; init; }
    public required string Reason { get; init; }
    public string? RuleId { get; init; }
    public string? RelatedKey { get; init; }
    public required string EventKey { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
    public DateTimeOffset? PaidAt { get; init; }
    public string? PayoutReference { get; init; }

    // What the reward engine reads back from its own entries (migration 0002); null for entries written without it.
    public string? BeneficiaryId { get; init; }
    public int? RuleVersion { get; init; }
    public string? Stage { get; init; }
    public int? Cycle { get; init; }
    public DateOnly? WonOn { get; init; }
    /// <summary>The exact win time (migration 0003); null for entries written before it.</summary>
    public DateTimeOffset? WonAt { get; init; }
    public DateOnly? RetentionEndsOn { get; init; }
    public DateOnly? MaturesOn { get; init; }
    public string? ChoiceOptions { get; init; }

    public bool IsPaid => PaidAt is not null;
}

public enum PayoutOutcome
{
    Recorded,
    /// <summary>The entry already has a payout: nothing was written.</summary>
    AlreadyPaid,
    NoSuchEntry,
    /// <summary>
    /// The entry is not payable: a Scheduled, Cancelled or Clawback entry, or one already voided (cancelled or clawed
    /// back) — paying it would pay what the advocate no longer earns.
    /// </summary>
    NotPayable,
}

/// <summary>One advocate's money in one currency and calendar year.</summary>
/// <param name="Earned">Entries effective in the year (net of cancellations and clawbacks).</param>
/// <param name="Paid">Payouts made in the year, whatever year their entries are effective in (what tax reporting counts).</param>
/// <param name="Pending">Entries effective in the year and not yet paid.</param>
public sealed record AdvocateYearTotals(string AdvocateId, string Currency, int Year, decimal Earned, decimal Paid, decimal Pending);
