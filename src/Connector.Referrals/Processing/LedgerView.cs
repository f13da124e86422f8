using System.Collections.Immutable;

namespace Connector.Referrals.Processing;

/// <summary>
/// Which ledger rows the processor needs to decide on a change (<see cref="ReferralProcessor.LookupFor"/>): the store
/// loads them — inside the transaction that will record the result — and passes them as a <see cref="LedgerView"/>.
/// </summary>
public sealed record LedgerLookup(
    string EventKey,
    string? LeadId,
    string? OpportunityId,
    string? AdvocateId,
    string? ReferralCode,
    string? RefereeEmail,
    string? ContactId);

/// <summary>
/// The current ledger rows relevant to one change: the referral with the lookup's lead or opportunity id, referrals with
/// the same referee email (for duplicates), the advocates with the lookup's id, referral code or contact id, their owning reps, and
/// whether the event key was already applied. Extra rows are harmless: the processor matches by id itself.
/// </summary>
public sealed record LedgerView
{
    public static readonly LedgerView Empty = new();

    public ImmutableArray<Referral> Referrals { get; init; } = [];
    public ImmutableArray<Advocate> Advocates { get; init; } = [];
    public ImmutableArray<SalesRep> Reps { get; init; } = [];
    public bool EventAlreadyApplied { get; init; }
}
