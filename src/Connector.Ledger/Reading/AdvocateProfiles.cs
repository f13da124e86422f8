using System.Globalization;
using Connector.Ledger.Applying;
using Connector.Ledger.Ledger;
using Connector.Referrals;
using Connector.Referrals.Rewards;
using Dapper;

namespace Connector.Ledger.Reading;

/// <summary>
/// An advocate's profile as reps see it on Advocate__c: referrals by state, conversion, rewards earned / pending / paid
/// (advocate-side entries, in the advocate's main currency), last referral, tax form needed. Computed from the ledger.
/// </summary>
public sealed record AdvocateProfile(
    string AdvocateId,
    int TotalReferrals,
    int OpenReferrals,
    int WonReferrals,
    int LostReferrals,
    decimal ConversionRate,
    string Currency,
    decimal RewardsEarned,
    decimal RewardsPending,
    decimal RewardsPaid,
    DateOnly? LastReferralDate)
{
    /// <summary>The Advocate__c fields this profile sets (API names as in salesforce-metadata/).</summary>
    public IReadOnlyDictionary<string, object?> ToFields() => new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["Total_Referrals__c"] = TotalReferrals,
        ["Open_Referrals__c"] = OpenReferrals,
        ["Won_Referrals__c"] = WonReferrals,
        ["Lost_Referrals__c"] = LostReferrals,
        ["Conversion_Rate__c"] = ConversionRate,
        ["Rewards_Earned__c"] = RewardsEarned,
        ["Rewards_Pending__c"] = RewardsPending,
        ["Rewards_Paid__c"] = RewardsPaid,
        ["Reward_Currency__c"] = Currency,
        ["Last_Referral_Date__c"] = LastReferralDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };
}

/// <summary>Reads advocate profiles from the ledger: for the profile write-back, the console and the demo.</summary>
public sealed class AdvocateProfiles(LedgerDatabase database)
{
    private static readonly string[] Open = [nameof(ReferralState.Submitted), nameof(ReferralState.Working), nameof(ReferralState.Qualified), nameof(ReferralState.Opportunity)];
    private static readonly string[] Closed = [nameof(ReferralState.Lost), nameof(ReferralState.Disqualified)];

    /// <summary>Advocates whose referrals or rewards changed at or after <paramref name="since"/> (all advocates with referrals when null).</summary>
    public async Task<IReadOnlyList<string>> ChangedSinceAsync(DateTimeOffset? since, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Two texts rather than "@Since IS NULL OR …": PostgreSQL cannot type a parameter that is only compared with
        // NULL (42P08), and the condition-free text is a plain scan.
        var sql = since is null
            ? "SELECT advocate_id FROM referrals UNION SELECT advocate_id FROM reward_entries"
            : """
                SELECT advocate_id FROM referrals WHERE updated_at >= @Since
                UNION SELECT advocate_id FROM reward_entries WHERE recorded_at >= @Since
                """;
        var rows = await connection.QueryAsync<string>(new CommandDefinition(sql, new { Since = since }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<AdvocateProfile>> ForAsync(IReadOnlyCollection<string> advocateIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(advocateIds);
        if (advocateIds.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var inList = database.Dialect.InList("advocate_id", "@Ids");
        var referrals = (await connection.QueryAsync<(string AdvocateId, string State, DateTimeOffset SubmittedAt)>(new CommandDefinition(
            $"SELECT advocate_id, state, submitted_at FROM referrals WHERE {inList} AND state <> 'Duplicate'",
            new { Ids = advocateIds.ToArray() }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToLookup(r => r.AdvocateId, StringComparer.Ordinal);
        var entries = (await connection.QueryAsync<Rewards.RewardEntry>(new CommandDefinition($"""
            SELECT {Rewards.RewardLedgerQueries.Columns}
            FROM reward_entries e LEFT JOIN reward_payouts p ON p.reward_entry_id = e.id
            WHERE {database.Dialect.InList("e.advocate_id", "@Ids")} AND e.beneficiary = 'Advocate' ORDER BY e.id
            """, new { Ids = advocateIds.ToArray() }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToLookup(e => e.AdvocateId, StringComparer.Ordinal);

        var profiles = new List<AdvocateProfile>(advocateIds.Count);
        foreach (var id in advocateIds)
        {
            var mine = referrals[id].ToList();
            var won = mine.Count(r => r.State == nameof(ReferralState.Won));
            var decided = won + mine.Count(r => Closed.Contains(r.State));
            var rows = entries[id].ToList();
            var paid = rows.Where(r => r.PaidAt is not null).Select(r => r.IdempotencyKey).ToHashSet(StringComparer.Ordinal);
            var balances = RewardBalances.Summarize(rows.Select(DomainRows.FromRow), paid);
            var main = balances.OrderByDescending(b => Math.Abs(b.NetEarned) + b.Scheduled).FirstOrDefault();
            profiles.Add(new AdvocateProfile(
                id,
                mine.Count,
                mine.Count(r => Open.Contains(r.State)),
                won,
                mine.Count(r => Closed.Contains(r.State)),
                decided == 0 ? 0m : Math.Round(100m * won / decided, 2, MidpointRounding.AwayFromZero),
                main?.Currency ?? "USD",
                main?.NetEarned ?? 0m,
                main?.Scheduled ?? 0m,
                main?.Paid ?? 0m,
                mine.Count == 0 ? null : DateOnly.FromDateTime(mine.Max(r => r.SubmittedAt).UtcDateTime)));
        }

        return profiles;
    }
}
