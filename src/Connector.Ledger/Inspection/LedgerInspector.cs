using Connector.Ledger.Applying;
using Connector.Ledger.Ledger;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Rewards;
using Connector.Referrals;
using Connector.Referrals.Benchmarks;
using Connector.Referrals.Processing;
using Dapper;

namespace Connector.Ledger.Inspection;

/// <summary>A referral found by a search, with its advocate's name and code.</summary>
public sealed record ReferralMatch(
    string ReferralKey, string AdvocateId, string? AdvocateName, string? ReferralCode, string State, string Method, string? LeadId,
    string? OpportunityId, string? RefereeName, string? RefereeEmail, string? RefereeCompany, DateTimeOffset SubmittedAt);

/// <summary>An audited decision (routing, reward evaluation, quarantine…) with the rule and mapping version behind it.</summary>
public sealed record AuditedDecision(long Id, string DecisionKind, string Subject, string Reason, string? RuleId, string? MappingVersion, DateTimeOffset At);

/// <summary>Everything the ledger knows about one referral, for "where is my referral?".</summary>
public sealed record ReferralTimeline(
    Referral Referral,
    ReferralMatch Summary,
    Advocate? Advocate,
    string? AdvocateName,
    IReadOnlyList<RecordedStateChange> StateChanges,
    IReadOnlyList<AuditedDecision> Decisions,
    IReadOnlyList<RewardEntry> Rewards,
    IReadOnlyList<QuarantineEntry> Quarantine)
{
    /// <summary>The events that reached the ledger for this referral, in the order it recorded them.</summary>
    public IReadOnlyList<string> EventKeys =>
        [.. StateChanges.Select(s => s.EventKey).Concat(Rewards.Select(r => r.EventKey)).Concat(Quarantine.Select(q => q.SourceEventKey)).Distinct(StringComparer.Ordinal)];
}

/// <summary>A referral as the ledger holds it, with the advocate and reps needed to decide on it again (preview).</summary>
/// <summary><see cref="PriorWins"/>: the advocate's other referrals that stand won (what escalating tiers count).</summary>
public sealed record ReferralSnapshot(Referral Referral, Advocate Advocate, IReadOnlyList<SalesRep> Reps, IReadOnlyList<RewardEntry> Rewards, int PriorWins);

/// <summary>A stream's stored position.</summary>
public sealed record StreamCheckpointRow
{
    public required string Stream { get; init; }
    public long? ReplayId { get; init; }
    public string? CursorValue { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>What the program dashboard computes benchmarks from.</summary>
public sealed record BenchmarkInputs(IReadOnlyList<Advocate> Advocates, IReadOnlyList<Referral> Referrals, IReadOnlyList<RewardTotal> Rewards);

/// <summary>
/// Read-only questions support staff and admins ask the ledger: find a referral or advocate, show its timeline, take
/// the recent referrals for a preview, gather a period's benchmark inputs, count what is quarantined.
/// </summary>
public sealed class LedgerInspector
{
    private const string ReferralColumns = """
        r.referral_key, r.referral_id, r.advocate_id, r.state, r.method, r.lead_id, r.opportunity_id, r.logged_by_id,
        r.referee_name, r.referee_email, r.referee_company, r.referee_phone, r.submitted_at, r.updated_at,
        r.referee_email_key, r.duplicate_of, r.won_at, r.lead_watermark, r.opportunity_watermark,
        r.deal_stage, r.deal_revenue, r.deal_currency, r.deal_reward_override, r.deal_close_date
        """;

    private const string AdvocateColumns =
        "advocate_id, contact_id, account_id, owner_id, name, status, referral_code, enrolled_on, updated_at, watermark";

    private const string QuarantineColumns =
        "id, source_event_key, entity, record_id, reason_code, reason, payload, received_at, resolved_at, reapplied_event_key";

    private readonly LedgerDatabase _database;

    public LedgerInspector(LedgerDatabase database) => _database = database;

    /// <summary>
    /// Referrals matching <paramref name="text"/>: a Salesforce id (lead, opportunity, Referral__c, advocate, contact), a
    /// referral code, an email, or part of the referee's or advocate's name (case-insensitive). Newest first.
    /// </summary>
    public async Task<IReadOnlyList<ReferralMatch>> SearchAsync(string text, int max, CancellationToken cancellationToken)
    {
        var term = text?.Trim() ?? string.Empty;
        if (term.Length == 0)
        {
            return [];
        }

        var like = "%" + term.ToUpperInvariant().Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<MatchRow>(new CommandDefinition($"""
            SELECT r.referral_key, r.advocate_id, a.name AS advocate_name, a.referral_code, r.state, r.method, r.lead_id, r.opportunity_id,
                   r.referee_name, r.referee_email, r.referee_company, r.submitted_at
            FROM referrals r JOIN advocates a ON a.advocate_id = r.advocate_id
            WHERE r.referral_key = @Term OR r.lead_id = @Term OR r.opportunity_id = @Term OR r.referral_id = @Term
               OR r.advocate_id = @Term OR a.contact_id = @Term OR a.account_id = @Term
               OR UPPER(a.referral_code) = @Upper OR r.referee_email_key = @Upper
               OR UPPER(r.referee_name) LIKE @Like ESCAPE '\' OR UPPER(a.name) LIKE @Like ESCAPE '\'
               OR UPPER(r.referee_company) LIKE @Like ESCAPE '\'
            ORDER BY r.submitted_at DESC, r.referral_key {_database.Dialect.Limit("@Max")}
            """, new { Term = term, Upper = term.ToUpperInvariant(), Like = like, Max = max }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToMatch())];
    }

    /// <summary>The referral's whole story, or null when the ledger has no referral with that key.</summary>
    public async Task<ReferralTimeline?> TimelineAsync(string referralKey, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<ReferralRow>(new CommandDefinition(
            $"SELECT {ReferralColumns} FROM referrals r WHERE r.referral_key = @Key", new { Key = referralKey }, cancellationToken: cancellationToken))
            .ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var history = (await connection.QueryAsync<RecordedStateChange>(new CommandDefinition("""
            SELECT id, referral_key, from_state, to_state, occurred_at, event_key, reason, rule_id, mapping_version, recorded_at
            FROM referral_state_changes WHERE referral_key = @Key ORDER BY id
            """, new { Key = referralKey }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var advocate = await connection.QuerySingleOrDefaultAsync<AdvocateRow>(new CommandDefinition(
            $"SELECT {AdvocateColumns} FROM advocates WHERE advocate_id = @Id", new { Id = row.AdvocateId }, cancellationToken: cancellationToken))
            .ConfigureAwait(false);
        var decisions = await connection.QueryAsync<AuditedDecision>(new CommandDefinition("""
            SELECT id, decision_kind, subject, reason, rule_id, mapping_version, at FROM audit_entries WHERE subject = @Subject ORDER BY id
            """, new { Subject = $"Referral:{referralKey}" }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rewards = await connection.QueryAsync<RewardEntry>(new CommandDefinition($"""
            SELECT {RewardLedgerQueries.Columns}
            FROM reward_entries e LEFT JOIN reward_payouts p ON p.reward_entry_id = e.id
            WHERE e.referral_key = @Key ORDER BY e.id
            """, new { Key = referralKey }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var records = new[] { row.LeadId, row.OpportunityId }.OfType<string>().ToArray();
        var quarantine = records.Length == 0
            ? []
            : await connection.QueryAsync<QuarantineEntry>(new CommandDefinition(
                $"SELECT {QuarantineColumns} FROM quarantine WHERE {_database.Dialect.InList("record_id", "@Records")} ORDER BY id",
                new { Records = records }, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var referral = DomainRows.FromRow(row, history);
        var summary = new ReferralMatch(row.ReferralKey, row.AdvocateId, advocate?.Name, advocate?.ReferralCode, row.State, row.Method, row.LeadId,
            row.OpportunityId, row.RefereeName, row.RefereeEmail, row.RefereeCompany, row.SubmittedAt);
        return new ReferralTimeline(referral, summary, advocate is null ? null : DomainRows.FromRow(advocate), advocate?.Name, history,
            [.. decisions], [.. rewards], [.. quarantine]);
    }

    /// <summary>The <paramref name="count"/> most recently submitted referrals (duplicates left out), with what deciding on them needs.</summary>
    public async Task<IReadOnlyList<ReferralSnapshot>> RecentAsync(int count, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = (await connection.QueryAsync<ReferralRow>(new CommandDefinition($"""
            SELECT {ReferralColumns} FROM referrals r WHERE r.state <> 'Duplicate'
            ORDER BY r.submitted_at DESC, r.referral_key {_database.Dialect.Limit("@Count")}
            """, new { Count = count }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (rows.Count == 0)
        {
            return [];
        }

        var keys = rows.Select(r => r.ReferralKey).ToArray();
        var history = (await connection.QueryAsync<RecordedStateChange>(new CommandDefinition($"""
            SELECT id, referral_key, from_state, to_state, occurred_at, event_key, reason, rule_id, mapping_version, recorded_at
            FROM referral_state_changes WHERE {_database.Dialect.InList("referral_key", "@Keys")} ORDER BY id
            """, new { Keys = keys }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToLookup(h => h.ReferralKey, StringComparer.Ordinal);
        var rewards = (await connection.QueryAsync<RewardEntry>(new CommandDefinition($"""
            SELECT {RewardLedgerQueries.Columns}
            FROM reward_entries e LEFT JOIN reward_payouts p ON p.reward_entry_id = e.id
            WHERE {_database.Dialect.InList("e.referral_key", "@Keys")} ORDER BY e.id
            """, new { Keys = keys }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToLookup(e => e.ReferralKey, StringComparer.Ordinal);
        var advocates = (await connection.QueryAsync<AdvocateRow>(new CommandDefinition(
            $"SELECT {AdvocateColumns} FROM advocates WHERE {_database.Dialect.InList("advocate_id", "@Ids")}",
            new { Ids = rows.Select(r => r.AdvocateId).Distinct(StringComparer.Ordinal).ToArray() }, cancellationToken: cancellationToken))
            .ConfigureAwait(false)).ToDictionary(a => a.AdvocateId, DomainRows.FromRow, StringComparer.Ordinal);
        var reps = (await connection.QueryAsync<RepRow>(new CommandDefinition(
            "SELECT user_id, CASE WHEN is_active THEN 1 ELSE 0 END AS active, name FROM sales_reps", cancellationToken: cancellationToken))
            .ConfigureAwait(false)).Select(r => new SalesRep(r.UserId, r.Active != 0, r.Name)).ToList();

        var wins = (await connection.QueryAsync<(string AdvocateId, long Won)>(new CommandDefinition(
            $"SELECT advocate_id, COUNT(*) FROM referrals WHERE state = 'Won' AND {_database.Dialect.InList("advocate_id", "@Ids")} GROUP BY advocate_id",
            new { Ids = advocates.Keys.ToArray() }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(w => w.AdvocateId, w => (int)w.Won, StringComparer.Ordinal);
        return [.. rows.Where(r => advocates.ContainsKey(r.AdvocateId)).Select(r => new ReferralSnapshot(
            DomainRows.FromRow(r, history[r.ReferralKey]), advocates[r.AdvocateId], reps, [.. rewards[r.ReferralKey]],
            wins.GetValueOrDefault(r.AdvocateId) - (r.State == nameof(ReferralState.Won) ? 1 : 0)))];
    }

    /// <summary>Every advocate and referral, and the rewards given (earned or matured) in <paramref name="period"/>.</summary>
    public async Task<BenchmarkInputs> BenchmarkInputsAsync(Period period, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var advocates = await connection.QueryAsync<AdvocateRow>(new CommandDefinition(
            $"SELECT {AdvocateColumns} FROM advocates", cancellationToken: cancellationToken)).ConfigureAwait(false);
        var referrals = await connection.QueryAsync<ReferralRow>(new CommandDefinition(
            $"SELECT {ReferralColumns} FROM referrals r", cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rewards = await connection.QueryAsync<RewardRow>(new CommandDefinition("""
            SELECT advocate_id, referral_key, amount, currency FROM reward_entries
            WHERE beneficiary = 'Advocate' AND kind IN ('Earned', 'Matured') AND effective_on >= @From AND effective_on <= @To
            """, new { period.From, period.To }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new BenchmarkInputs(
            [.. advocates.Select(DomainRows.FromRow)],
            [.. referrals.Select(r => DomainRows.FromRow(r, []))],
            [.. rewards.Select(r => new RewardTotal(r.AdvocateId, r.ReferralKey, new Money(r.Amount, r.Currency)))]);
    }

    /// <summary>Every stream's checkpoint (replay id or cursor) and when it last moved.</summary>
    public async Task<IReadOnlyList<StreamCheckpointRow>> StreamsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<StreamCheckpointRow>(new CommandDefinition(
            "SELECT stream, replay_id, cursor_value, updated_at FROM stream_checkpoints ORDER BY stream", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    /// <summary>Open quarantine entries (count and the newest <paramref name="max"/>).</summary>
    public async Task<(int Open, IReadOnlyList<QuarantineEntry> Newest)> QuarantineAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var open = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM quarantine WHERE resolved_at IS NULL", cancellationToken: cancellationToken)).ConfigureAwait(false);
        var newest = await connection.QueryAsync<QuarantineEntry>(new CommandDefinition(
            $"SELECT {QuarantineColumns} FROM quarantine WHERE resolved_at IS NULL ORDER BY id DESC {_database.Dialect.Limit("@Max")}",
            new { Max = max }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return ((int)open, [.. newest]);
    }

    private sealed record MatchRow
    {
        public required string ReferralKey { get; init; }
        public required string AdvocateId { get; init; }
        public string? AdvocateName { get; init; }
        public string? ReferralCode { get; init; }
        public required string State { get; init; }
        public required string Method { get; init; }
        public string? LeadId { get; init; }
        public string? OpportunityId { get; init; }
        public string? RefereeName { get; init; }
        public string? RefereeEmail { get; init; }
        public string? RefereeCompany { get; init; }
        public DateTimeOffset SubmittedAt { get; init; }

        public ReferralMatch ToMatch() => new(ReferralKey, AdvocateId, AdvocateName, ReferralCode, State, Method, LeadId, OpportunityId,
            RefereeName, RefereeEmail, RefereeCompany, SubmittedAt);
    }

    private sealed record RepRow
    {
        public required string UserId { get; init; }
        public long Active { get; init; }
        public string? Name { get; init; }
    }

    private sealed record RewardRow
    {
        public required string AdvocateId { get; init; }
        public required string ReferralKey { get; init; }
        public decimal Amount { get; init; }
        public required string Currency { get; init; }
    }
}
