using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Outbox;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Rewards;

namespace Connector.Ledger.Tests.Support;

/// <summary>Plausible rows: ids shaped like Salesforce's, one referral won by one advocate.</summary>
internal static class Sample
{
    public static readonly DateTimeOffset At = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    public static AdvocateRow Advocate(string id = "a00000000000001AAA") => new()
    {
        AdvocateId = id,
        ContactId = "003000000000001AAA",
        OwnerId = "005000000000001AAA",
        Name = "Ada Advocate",
        Status = "Active",
        ReferralCode = "ADA-" + id[^6..],
        EnrolledOn = new DateOnly(2024, 11, 2),
        UpdatedAt = At,
    };

    public static ReferralRow Referral(string key = "R-1", string advocateId = "a00000000000001AAA", string? leadId = "00Q000000000001AAA", string state = "Submitted") => new()
    {
        ReferralKey = key,
        AdvocateId = advocateId,
        State = state,
        Method = "Email",
        LeadId = leadId,
        RefereeName = "Rita Referee",
        RefereeEmail = "rita@example.com",
        RefereeCompany = "Referee Ltd",
        SubmittedAt = At,
        UpdatedAt = At,
    };

    public static ReferralStateChangeRow StateChange(string referralKey = "R-1", string? from = null, string to = "Submitted") => new()
    {
        ReferralKey = referralKey,
        FromState = from,
        ToState = to,
        OccurredAt = At,
        Reason = $"Lead status mapped to {to}",
        RuleId = "lead-status",
        MappingVersion = "m1",
    };

    public static RewardEntryRow Reward(string key = "reward:R-1:won", string referralKey = "R-1", decimal amount = 100m, string advocateId = "a00000000000001AAA") => new()
    {
        IdempotencyKey = key,
        ReferralKey = referralKey,
        AdvocateId = advocateId,
        Kind = "Earned",
        Amount = amount,
        Currency = "USD",
        EffectiveOn = new DateOnly(2025, 3, 14),
        Reason = "Flat reward on win",
        RuleId = "flat-100",
    };

    public static AuditRow Audit(string subject = "Referral:R-1") => new()
    {
        DecisionKind = "StateChange",
        Subject = subject,
        Reason = "Lead status 'Open - Not Contacted' maps to Submitted",
        RuleId = "lead-status",
        MappingVersion = "m1",
        At = At,
    };

    public static OutboxMessageRow Outbox(string key = "owner:00Q000000000001AAA") => new()
    {
        Kind = OutboxKinds.OwnerChange,
        TargetSObject = "Lead",
        TargetId = "00Q000000000001AAA",
        Payload = """{"OwnerId":"005000000000001AAA"}""",
        IdempotencyKey = key,
    };

    public static QuarantineRow Quarantined(string reasonCode = "UnknownStage") => new()
    {
        Entity = "Opportunity",
        RecordId = "006000000000001AAA",
        ReasonCode = reasonCode,
        Reason = "StageName 'Handshake' is not in mapping m1",
        Payload = """{"StageName":"Handshake","Amount":1200.5}""",
    };

    /// <summary>A new referral from a lead: advocate, referral, its first state, audit, an owner change, at replay id 100.</summary>
    public static AppliedChange NewReferral(string eventKey = "cdc:tx1:1", long replayId = 100) => new()
    {
        EventKey = eventKey,
        Checkpoint = StreamPosition.AtReplayId("/data/LeadChangeEvent", replayId),
        Advocates = [Advocate()],
        Referrals = [Referral()],
        StateChanges = [StateChange()],
        Audit = [Audit()],
        Outbox = [Outbox()],
    };

    /// <summary>The same referral won, with a reward.</summary>
    public static AppliedChange Won(string eventKey = "cdc:tx2:1", long replayId = 101, decimal amount = 100m) => new()
    {
        EventKey = eventKey,
        Checkpoint = StreamPosition.AtReplayId("/data/LeadChangeEvent", replayId),
        Referrals = [Referral(state: "Won")],
        StateChanges = [StateChange(from: "Submitted", to: "Won")],
        RewardEntries = [Reward(amount: amount)],
        Audit = [Audit() with { DecisionKind = "Reward", Reason = "Won: flat 100 USD" }],
    };
}
