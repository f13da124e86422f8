using System.Collections.Immutable;
using System.Text.Json;
using Connector.Ledger.Ledger;
using Connector.Ledger.Rewards;
using Connector.Referrals;
using Connector.Referrals.Processing;
using DomainRewardEntry = Connector.Referrals.Rewards.RewardEntry;
using Connector.Referrals.Rewards;

namespace Connector.Ledger.Applying;

/// <summary>
/// The referral domain's values ⇄ the ledger's rows, and the reads that rebuild a <see cref="LedgerView"/> inside the
/// applying transaction. Round-trip is the contract: a value written and read back decides the next change exactly as
/// the value kept in memory would (the randomized test holds both stores to the in-memory ledger).
/// </summary>
internal static class DomainRows
{
    /// <summary>Columns are VARCHAR(1000); PostgreSQL rejects longer text, and a reason is for people, so it is cut.</summary>
    public static string Cut(string text, int max = 1000) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    public static ReferralRow ToRow(Referral referral, DateTimeOffset now) => new()
    {
        ReferralKey = referral.Id,
        AdvocateId = referral.AdvocateId,
        State = referral.State.ToString(),
        // The 0001 column is NOT NULL and the domain allows an unknown method: stored as empty text.
        Method = referral.Method?.ToString() ?? string.Empty,
        LeadId = referral.LeadId,
        OpportunityId = referral.Deal?.OpportunityId,
        LoggedById = referral.LoggedByUserId,
        RefereeName = referral.Referee.Name is { } name ? Cut(name, 255) : null,
        RefereeEmail = referral.Referee.Email,
        RefereeCompany = referral.Referee.Company is { } company ? Cut(company, 255) : null,
        RefereePhone = referral.Referee.Phone,
        SubmittedAt = referral.SubmittedAt,
        UpdatedAt = now,
        RefereeEmailKey = referral.Referee.NormalizedEmail,
        DuplicateOf = referral.DuplicateOfReferralId,
        WonAt = referral.WonAt,
        LeadWatermark = referral.LeadWatermark,
        OpportunityWatermark = referral.OpportunityWatermark,
        DealStage = referral.Deal?.StageName,
        DealRevenue = referral.Deal?.Revenue,
        DealCurrency = referral.Deal?.Currency,
        DealRewardOverride = referral.Deal?.RewardOverride,
        DealCloseDate = referral.Deal?.CloseDate,
    };

    public static Referral FromRow(ReferralRow row, IEnumerable<RecordedStateChange> history) => new()
    {
        Id = row.ReferralKey,
        AdvocateId = row.AdvocateId,
        Referee = new Referee(row.RefereeName, row.RefereeCompany, row.RefereeEmail, row.RefereePhone),
        Method = string.IsNullOrEmpty(row.Method) ? null : Enum.Parse<ReferralMethod>(row.Method),
        LoggedByUserId = row.LoggedById,
        LeadId = row.LeadId ?? string.Empty,
        Deal = row.OpportunityId is null ? null
            : new Deal(row.OpportunityId, row.DealStage, row.DealRevenue, row.DealCurrency, row.DealRewardOverride, row.DealCloseDate),
        State = Enum.Parse<ReferralState>(row.State),
        SubmittedAt = row.SubmittedAt,
        DuplicateOfReferralId = row.DuplicateOf,
        WonAt = row.WonAt,
        LeadWatermark = row.LeadWatermark,
        OpportunityWatermark = row.OpportunityWatermark,
        History = [.. history.Select(h => new StateChange(
            h.FromState is null ? null : Enum.Parse<ReferralState>(h.FromState), Enum.Parse<ReferralState>(h.ToState), h.OccurredAt,
            h.RuleId ?? string.Empty, h.Reason, h.MappingVersion.Length == 0 ? null : h.MappingVersion, h.EventKey))],
    };

    public static ReferralStateChangeRow ToRow(string referralKey, StateChange change) => new()
    {
        ReferralKey = referralKey,
        FromState = change.From?.ToString(),
        ToState = change.To.ToString(),
        OccurredAt = change.At,
        Reason = Cut(change.Reason),
        RuleId = change.RuleId,
        MappingVersion = change.MappingVersion ?? string.Empty,
    };

    public static AdvocateRow ToRow(Advocate advocate, DateTimeOffset now) => new()
    {
        AdvocateId = advocate.Id,
        ContactId = advocate.ContactId,
        AccountId = advocate.AccountId,
        OwnerId = advocate.OwnerUserId,
        Status = advocate.Status.ToString(),
        ReferralCode = advocate.ReferralCode,
        EnrolledOn = advocate.EnrolledDate,
        UpdatedAt = advocate.Watermark ?? now,
        Watermark = advocate.Watermark,
        ContactOwnerId = advocate.ContactOwnerUserId,
        AccountOwnerId = advocate.AccountOwnerUserId,
    };

    public static Advocate FromRow(AdvocateRow row) =>
        new(row.AdvocateId, row.ContactId, row.AccountId, row.OwnerId, Enum.Parse<AdvocateStatus>(row.Status), row.ReferralCode, row.EnrolledOn)
        {
            Watermark = row.Watermark,
            ContactOwnerUserId = row.ContactOwnerId,
            AccountOwnerUserId = row.AccountOwnerId,
        };

    public static RewardEntryRow ToRow(DomainRewardEntry entry, string advocateId) => new()
    {
        IdempotencyKey = entry.IdempotencyKey,
        ReferralKey = entry.ReferralId,
        AdvocateId = advocateId,
        Beneficiary = entry.Beneficiary.ToString(),
        BeneficiaryId = entry.BeneficiaryId,
        Kind = entry.Kind.ToString(),
        Amount = entry.Amount.Amount,
        Currency = entry.Amount.Currency,
        EffectiveOn = entry.EffectiveDate,
        Reason = Cut(entry.Reason),
        RuleId = entry.RuleId,
        RuleVersion = entry.RuleVersion,
        RelatedKey = entry.RelatedEntryKey,
        Stage = entry.Stage,
        Cycle = entry.Cycle,
        WonOn = entry.WonDate,
        WonAt = entry.WonAt,
        RetentionEndsOn = entry.RetentionEndsOn,
        MaturesOn = entry.MaturesOn,
        ChoiceOptions = entry.ChoiceOptions.Count == 0 ? null : JsonSerializer.Serialize(entry.ChoiceOptions),
    };

    /// <summary>A stored entry as the reward engine wrote it; entries without the 0002 fields cannot be rebuilt.</summary>
    public static DomainRewardEntry FromRow(Rewards.RewardEntry row) => new()
    {
        IdempotencyKey = row.IdempotencyKey,
        ReferralId = row.ReferralKey,
        Beneficiary = Enum.Parse<RewardBeneficiary>(row.Beneficiary),
        BeneficiaryId = row.BeneficiaryId ?? row.AdvocateId,
        Kind = Enum.Parse<RewardEntryKind>(row.Kind),
        Amount = new Money(row.Amount, row.Currency),
        EffectiveDate = row.EffectiveOn,
        Reason = row.Reason,
        RelatedEntryKey = row.RelatedKey,
        RuleId = row.RuleId ?? string.Empty,
        RuleVersion = row.RuleVersion ?? throw Missing(row, "rule_version"),
        Stage = row.Stage ?? throw Missing(row, "stage"),
        Cycle = row.Cycle ?? throw Missing(row, "cycle"),
        WonDate = row.WonOn ?? throw Missing(row, "won_on"),
        WonAt = row.WonAt,
        RetentionEndsOn = row.RetentionEndsOn ?? throw Missing(row, "retention_ends_on"),
        MaturesOn = row.MaturesOn,
        ChoiceOptions = row.ChoiceOptions is null ? [] : JsonSerializer.Deserialize<string[]>(row.ChoiceOptions) ?? [],
    };

    /// <summary>A written entry as a read of the table returns it: timestamps at stored precision, not paid (written in this transaction).</summary>
    public static Rewards.RewardEntry AsStored(RewardEntryRow row, string eventKey) => new()
    {
        IdempotencyKey = row.IdempotencyKey,
        ReferralKey = row.ReferralKey,
        AdvocateId = row.AdvocateId,
        Beneficiary = row.Beneficiary,
        Kind = row.Kind,
        Amount = row.Amount,
        Currency = row.Currency,
        EffectiveOn = row.EffectiveOn,
        Reason = row.Reason,
        RuleId = row.RuleId,
        RelatedKey = row.RelatedKey,
        EventKey = eventKey,
        BeneficiaryId = row.BeneficiaryId,
        RuleVersion = row.RuleVersion,
        Stage = row.Stage,
        Cycle = row.Cycle,
        WonOn = row.WonOn,
        WonAt = row.WonAt is { } wonAt ? LedgerTypeHandlers.ToStoredPrecision(wonAt) : null,
        RetentionEndsOn = row.RetentionEndsOn,
        MaturesOn = row.MaturesOn,
        ChoiceOptions = row.ChoiceOptions,
    };

    private static InvalidOperationException Missing(Rewards.RewardEntry row, string column) =>
        new($"Reward entry {row.IdempotencyKey} has no {column}: it was not written by the reward engine and cannot be re-evaluated.");

    /// <summary>The rows <see cref="ReferralProcessor.Process"/> asked for (<paramref name="lookup"/>), as of the transaction.</summary>
    public static async Task<LedgerView> LoadViewAsync(ILedgerReader reader, LedgerLookup lookup, CancellationToken cancellationToken)
    {
        var emailKey = string.IsNullOrWhiteSpace(lookup.RefereeEmail) ? null : lookup.RefereeEmail.Trim().ToUpperInvariant();
        var referrals = lookup.LeadId is null && lookup.OpportunityId is null && emailKey is null
            ? []
            : await reader.QueryAsync<ReferralRow>($"""
                SELECT {ReferralColumns} FROM referrals
                WHERE lead_id = @LeadId OR opportunity_id = @OpportunityId OR referee_email_key = @EmailKey
                """, new { lookup.LeadId, lookup.OpportunityId, EmailKey = emailKey }, cancellationToken).ConfigureAwait(false);

        var history = referrals.Count == 0
            ? []
            : await reader.QueryAsync<RecordedStateChange>($"""
                SELECT {HistoryColumns}
                FROM referral_state_changes WHERE {reader.Dialect.InList("referral_key", "@Keys")} ORDER BY id
                """, new { Keys = referrals.Select(r => r.ReferralKey).ToArray() }, cancellationToken).ConfigureAwait(false);
        var historyByKey = history.ToLookup(h => h.ReferralKey, StringComparer.Ordinal);

        var codeKey = string.IsNullOrWhiteSpace(lookup.ReferralCode) ? null : lookup.ReferralCode.Trim().ToUpperInvariant();
        var advocates = lookup.AdvocateId is null && lookup.ContactId is null && codeKey is null
            ? []
            : await reader.QueryAsync<AdvocateRow>($"""
                SELECT {AdvocateColumns} FROM advocates
                WHERE advocate_id = @AdvocateId OR contact_id = @ContactId OR UPPER(TRIM(referral_code)) = @CodeKey
                """, new { lookup.AdvocateId, lookup.ContactId, CodeKey = codeKey }, cancellationToken).ConfigureAwait(false);

        var owners = advocates.SelectMany(Owners).Distinct(StringComparer.Ordinal).ToArray();
        var reps = owners.Length == 0
            ? []
            : await reader.QueryAsync<RepRow>($"""
                SELECT user_id, CASE WHEN is_active THEN 1 ELSE 0 END AS active, name FROM sales_reps
                WHERE {reader.Dialect.InList("user_id", "@Owners")}
                """, new { Owners = owners }, cancellationToken).ConfigureAwait(false);

        return new LedgerView
        {
            Referrals = [.. referrals.Select(r => FromRow(r, historyByKey[r.ReferralKey]))],
            Advocates = [.. advocates.Select(FromRow)],
            Reps = [.. reps.Select(r => new SalesRep(r.UserId, r.Active != 0, r.Name))],
        };
    }

    /// <summary>
    /// What the reward engine needs besides the request, in one command: the referral's entries (with which are paid)
    /// and how many of the advocate's other referrals stand won (what escalating tiers count as "before this one").
    /// </summary>
    public static async Task<(List<DomainRewardEntry> Entries, HashSet<string> Paid, int OtherWins)> LoadRewardStateAsync(
        ILedgerReader reader, string referralKey, string advocateId, CancellationToken cancellationToken) =>
        await reader.ReadAsync($"""
            SELECT {RewardLedgerQueries.Columns}
            FROM reward_entries e LEFT JOIN reward_payouts p ON p.reward_entry_id = e.id
            WHERE e.referral_key = @ReferralKey ORDER BY e.id;
            SELECT COUNT(*) FROM referrals WHERE advocate_id = @AdvocateId AND state = '{nameof(ReferralState.Won)}' AND referral_key <> @ReferralKey;
            """, new { ReferralKey = referralKey, AdvocateId = advocateId }, async grid =>
        {
            var rows = (await grid.ReadAsync<Rewards.RewardEntry>().ConfigureAwait(false)).ToList();
            var otherWins = await grid.ReadSingleAsync<long>().ConfigureAwait(false);
            return (rows.Select(FromRow).ToList(), rows.Where(r => r.PaidAt is not null).Select(r => r.IdempotencyKey).ToHashSet(StringComparer.Ordinal), (int)otherWins);
        }, cancellationToken).ConfigureAwait(false);

    public static SalesRep FromRow(RepRow row) => new(row.UserId, row.Active != 0, row.Name);

    internal const string ReferralColumns = """
        referral_key, referral_id, advocate_id, state, method, lead_id, opportunity_id, logged_by_id,
        referee_name, referee_email, referee_company, referee_phone, submitted_at, updated_at,
        referee_email_key, duplicate_of, won_at, lead_watermark, opportunity_watermark,
        deal_stage, deal_revenue, deal_currency, deal_reward_override, deal_close_date
        """;

    internal const string AdvocateColumns =
        "advocate_id, contact_id, account_id, owner_id, name, status, referral_code, enrolled_on, updated_at, watermark, contact_owner_id, account_owner_id";

    /// <summary>Every rep an advocate can route to (its own owner, its contact's, its account's): the reps a view loads.</summary>
    internal static IEnumerable<string> Owners(AdvocateRow advocate) =>
        new[] { advocate.OwnerId, advocate.ContactOwnerId, advocate.AccountOwnerId }.OfType<string>();

    internal const string HistoryColumns =
        "id, referral_key, from_state, to_state, occurred_at, event_key, reason, rule_id, mapping_version, recorded_at";

    internal const string RepColumns = "user_id, CASE WHEN is_active THEN 1 ELSE 0 END AS active, name";

    public sealed record RepRow
    {
        public required string UserId { get; init; }
        public long Active { get; init; }
        public string? Name { get; init; }
    }
}
