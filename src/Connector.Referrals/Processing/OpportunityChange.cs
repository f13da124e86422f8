namespace Connector.Referrals.Processing;

/// <summary>Opportunity changes of a linked referral: stage → state, the deal's revenue, wins and reversals for rewards.</summary>
internal static class OpportunityChange
{
    public static ProcessingResult Process(SalesforceChange change, LedgerView view, ProgramConfig config)
    {
        var referral = view.Referrals.FirstOrDefault(r => r.OpportunityId == change.RecordId);
        if (referral is null)
        {
            var advocate = change.Text(OpportunityFields.Advocate);
            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.NotAReferral, advocate is null
                ? $"opportunity {change.RecordId} is not linked to a referral"
                : $"opportunity {change.RecordId} names advocate {advocate} but no referral lead is linked to it yet; " +
                  "a lead conversion links it and re-reads it"));
        }

        if (referral.State == ReferralState.Duplicate)
        {
            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.DuplicateReferral,
                $"referral {referral.Id} is a duplicate of {referral.DuplicateOfReferralId}; its opportunity's changes are not tracked"));
        }

        if (referral.OpportunityWatermark is { } watermark && change.CommitTimestamp < watermark)
        {
            if (UnseenReversal(change, referral, watermark, config) is { } reversed)
            {
                return reversed;
            }

            return ReferralProcessor.Result(change, new Ignored(IgnoreCode.Stale,
                $"stale: Opportunity {change.RecordId} change committed {ReferralProcessor.Stamp(change.CommitTimestamp)} is older than the " +
                $"last applied {ReferralProcessor.Stamp(watermark)}; referral {referral.Id} stays {referral.State}"));
        }

        if (change.Kind == ChangeKind.Delete)
        {
            return ReferralProcessor.Quarantine(change, QuarantineCode.RecordDeleted,
                $"opportunity {change.RecordId} of referral {referral.Id} was deleted in Salesforce; the referral stays {referral.State} until reviewed");
        }

        var (deal, badValue) = MergeDeal(referral.Deal!, change, config);
        if (badValue is not null)
        {
            return ReferralProcessor.Quarantine(change, QuarantineCode.BadValue, $"{badValue} (referral {referral.Id})");
        }

        var updated = referral with { Deal = deal, OpportunityWatermark = change.CommitTimestamp };
        var decisions = new List<ReferralDecision>();
        if (change.Has(OpportunityFields.StageName))
        {
            var mapped = config.Mapping.MapStage(change.Text(OpportunityFields.StageName));
            if (!mapped.IsMapped)
            {
                return ReferralProcessor.Quarantine(change, QuarantineCode.UnmappedStage, mapped.Explanation);
            }

            var (moved, stateChanged, illegal) = ReferralProcessor.Transition(updated, mapped, change, config.Mapping.Version);
            if (illegal is not null)
            {
                return ReferralProcessor.Quarantine(change, QuarantineCode.IllegalTransition, illegal);
            }

            if (stateChanged is not null)
            {
                decisions.Add(stateChanged);
                if (stateChanged.To == ReferralState.Won)
                {
                    decisions.Add(ReferralProcessor.RewardRequest(moved, RewardTrigger.Won, change.CommitTimestamp, null,
                        $"R-WON: {stateChanged.Reason}"));
                }
                else if (stateChanged.Kind == TransitionKind.Reversal)
                {
                    decisions.Add(ReferralProcessor.RewardRequest(moved, RewardTrigger.WinReversed, referral.WonAt!.Value, stateChanged.To,
                        $"R-REVERSED: {stateChanged.Reason}"));
                }
            }

            updated = moved;
        }

        // A win decided before the deal's revenue was known (a partial stage event applied before the re-read that
        // brings the amount and its currency, as happens when re-reads are asynchronous) earned nothing: once revenue
        // or override arrives as money for the same win, the reward is evaluated again under the same key, which the
        // engine keys by win.
        if (decisions.Count == 0 && updated.State == ReferralState.Won && updated.WonAt is { } wonAt &&
            referral.Deal is { RevenueMoney: null, OverrideMoney: null } && (deal.RevenueMoney is not null || deal.OverrideMoney is not null))
        {
            decisions.Add(ReferralProcessor.RewardRequest(updated, RewardTrigger.Won, wonAt, null,
                $"R-WON-REVENUE: the deal's revenue became known after the win at {ReferralProcessor.Stamp(wonAt)}; the win is evaluated again"));
        }

        return new ProcessingResult(change.EventKey, [.. decisions], updated);
    }

    /// <summary>
    /// A stale change can still prove a reversal that the applied history skipped. A re-read answers with the record as it
    /// is now, so a late re-read can carry the watermark past a reversal and a re-win that were still on their way as
    /// change events (won at 17:41, reopened at 18:54, re-won the next morning, re-read at 16:58 that day: the referral goes
    /// Won → Won and the events in between arrive stale). A change committed after the current win that names a
    /// stage other than Won means the win we hold was reversed then, and since the deal stands Won as of the watermark it
    /// was won again in between. The reversal is recorded at its own commit time and the re-win at the watermark (the
    /// latest it can have happened, so retention starts no earlier than the truth); the reward engine voids the old
    /// win's cycle and the re-win earns on the deal as known now. The deal itself keeps its newer values; the watermark
    /// and the win's own later changes make a redelivery of this change, or of any other reversal before the new win,
    /// stale again.
    /// </summary>
    private static ProcessingResult? UnseenReversal(SalesforceChange change, Referral referral, DateTimeOffset watermark, ProgramConfig config)
    {
        if (referral.State != ReferralState.Won || referral.WonAt is not { } wonAt || change.CommitTimestamp <= wonAt ||
            change.Kind == ChangeKind.Delete || !change.Has(OpportunityFields.StageName))
        {
            return null;
        }

        var mapped = config.Mapping.MapStage(change.Text(OpportunityFields.StageName));
        if (!mapped.IsMapped || mapped.State == ReferralState.Won)
        {
            return null;
        }

        var (reversed, reversal, illegal) = ReferralProcessor.Transition(referral, mapped, change, config.Mapping.Version);
        if (illegal is not null || reversal is not { Kind: TransitionKind.Reversal })
        {
            return null;
        }

        var back = ReferralTransitions.Check(reversed.State, ReferralState.Won);
        if (back.Rule is not { } rule)
        {
            return null;
        }

        var why = $"{rule.RuleId}: {rule.Description} — Opportunity {change.RecordId} stands Won as of {ReferralProcessor.Stamp(watermark)}, " +
            $"after the reversal committed {ReferralProcessor.Stamp(change.CommitTimestamp)} that arrived late; re-won at the latest then";
        var rewon = reversed.MoveTo(ReferralState.Won, watermark, rule.RuleId, why, config.Mapping.Version, change.EventKey);
        var win = new StateChanged(referral.Id, reversed.State, ReferralState.Won, rule.Kind, rule.RuleId, config.Mapping.Version, watermark, why);
        return new ProcessingResult(change.EventKey,
        [
            reversal,
            ReferralProcessor.RewardRequest(reversed, RewardTrigger.WinReversed, wonAt, reversed.State, $"R-REVERSED-LATE: {reversal.Reason}"),
            win,
            ReferralProcessor.RewardRequest(rewon, RewardTrigger.Won, watermark, null, $"R-WON: {why}"),
        ], rewon);
    }

    /// <summary>The deal's fields from the change; a revenue or override that is not a number is a bad value, never guessed.</summary>
    private static (Deal Deal, string? BadValue) MergeDeal(Deal deal, SalesforceChange change, ProgramConfig config)
    {
        string? bad = null;
        decimal? Number(string field, decimal? known)
        {
            if (!change.Has(field))
            {
                return known;
            }

            switch (change.Value(field))
            {
                case null:
                    return null;
                case FieldValue.NumberValue n:
                    return n.Value;
                case var other:
                    bad ??= $"{field} on opportunity {change.RecordId} is not a number ({other.GetType().Name.Replace("Value", "", StringComparison.Ordinal)})";
                    return known;
            }
        }

        var currency = change.Has(OpportunityFields.CurrencyIsoCode) ? change.Text(OpportunityFields.CurrencyIsoCode) : deal.Currency;
        if (currency is not null && (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper)))
        {
            bad ??= $"CurrencyIsoCode '{currency}' on opportunity {change.RecordId} is not an ISO currency code";
        }

        var merged = deal with
        {
            StageName = change.Has(OpportunityFields.StageName) ? change.Text(OpportunityFields.StageName) : deal.StageName,
            Revenue = Number(config.RevenueField, deal.Revenue),
            RewardOverride = Number(config.RewardOverrideField, deal.RewardOverride),
            // A single-currency org has no CurrencyIsoCode: its amounts are in the corporate currency. In a
            // multi-currency org an unstated currency stays unknown until the record says it.
            Currency = currency ?? config.CurrencyWhenUnstated,
            CloseDate = change.Has(OpportunityFields.CloseDate) ? change.Date(OpportunityFields.CloseDate) : deal.CloseDate,
        };
        return (merged, bad);
    }
}
