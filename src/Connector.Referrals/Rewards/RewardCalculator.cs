using System.Globalization;

namespace Connector.Referrals.Rewards;

/// <summary>
/// Computes what one win is worth under a program's rules: one amount per slot (each advocate stage, the referee),
/// in the payout currency, rounded, with the formula spelled out for the ledger's reason.
/// </summary>
internal static class RewardCalculator
{
    internal sealed record SlotAmount(RewardBeneficiary Beneficiary, string BeneficiaryId, string Stage, int DelayDays, Money Amount, string Reason);

    private sealed record Computed(Money Amount, string Formula);

    public static List<SlotAmount> Compute(RewardFacts facts, RewardRules rules, DateOnly wonDate, ExchangeRates rates, List<RewardIssue> issues)
    {
        var slots = new List<SlotAmount>();
        var context = new Context(facts, rules, wonDate, rates, issues);
        var baseReward = context.Evaluate(rules.Advocate, "advocate");
        var percentTotal = rules.Stages.Sum(s => s.Percent ?? 0);
        var lastPercentStage = rules.Stages.LastOrDefault(s => s.Percent is not null);
        var allocated = 0m;
        for (var i = 0; i < rules.Stages.Count; i++)
        {
            var stage = rules.Stages[i];
            var label = $"{rules.VersionId} stage '{stage.Key}' ({Days(stage.DelayDays)} after the win)";
            Computed? amount = null;
            if (stage.Percent is { } percent && baseReward is not null)
            {
                // Rounding each stage on its own could lose or invent a cent; the last stage takes the remainder so
                // the stages add up to exactly the computed reward.
                var share = percentTotal == 100m && ReferenceEquals(stage, lastPercentStage)
                    ? new Money(baseReward.Amount.Amount - allocated, baseReward.Amount.Currency)
                    : (baseReward.Amount * (percent / 100m)).Round();
                allocated += share.Amount;
                amount = percent == 100m
                    ? baseReward
                    : new Computed(share, $"{Percent(percent)} of ({baseReward.Formula}) = {Format(share)}");
            }
            else if (stage.Amount is { } fixedAmount)
            {
                amount = context.ToPayout(new Computed(fixedAmount, $"fixed {Format(fixedAmount)}"));
            }

            if (i == 0 && rules.UseSalesforceOverride && facts.RewardOverride is { } overridden)
            {
                amount = context.ApplyOverride(overridden, amount) ?? amount;
            }

            if (amount is null)
            {
                continue;
            }

            if (amount.Amount.Amount <= 0)
            {
                issues.Add(new RewardIssue(RewardIssueCode.ZeroReward, $"{label} computes to {Format(amount.Amount)} ({amount.Formula}): nothing to earn."));
                continue;
            }

            slots.Add(new SlotAmount(RewardBeneficiary.Advocate, facts.AdvocateId, stage.Key, stage.DelayDays, amount.Amount, $"{label}: {amount.Formula}"));
        }

        if (rules.Referee is { } refereeFormula)
        {
            if (string.IsNullOrWhiteSpace(facts.RefereeId))
            {
                issues.Add(new RewardIssue(RewardIssueCode.RefereeMissing, $"{rules.VersionId} rewards the referee too, but the referral names no referee: the referee's reward is not earned."));
            }
            else if (context.Evaluate(refereeFormula, "referee") is { } refereeAmount)
            {
                if (refereeAmount.Amount.Amount <= 0)
                {
                    issues.Add(new RewardIssue(RewardIssueCode.ZeroReward, $"{rules.VersionId} referee reward computes to {Format(refereeAmount.Amount)}: nothing to earn."));
                }
                else
                {
                    slots.Add(new SlotAmount(RewardBeneficiary.Referee, facts.RefereeId, "referee", 0, refereeAmount.Amount, $"{rules.VersionId} referee reward: {refereeAmount.Formula}"));
                }
            }
        }

        return slots;
    }

    internal static string Format(Money money) =>
        money.Amount.ToString("N" + Money.MinorUnits(money.Currency), CultureInfo.InvariantCulture) + " " + money.Currency;

    private static string Percent(decimal percent) => percent.ToString("0.####", CultureInfo.InvariantCulture) + "%";

    private static string Days(int days) => days == 1 ? "1 day" : string.Create(CultureInfo.InvariantCulture, $"{days} days");

    private static string Ordinal(int n) => (n % 100) switch
    {
        11 or 12 or 13 => $"{n}th",
        _ => (n % 10) switch { 1 => $"{n}st", 2 => $"{n}nd", 3 => $"{n}rd", _ => $"{n}th" },
    };

    private sealed class Context(RewardFacts facts, RewardRules rules, DateOnly wonDate, ExchangeRates rates, List<RewardIssue> issues)
    {
        public Computed? Evaluate(RewardFormula formula, string who) => formula switch
        {
            FlatReward flat => ToPayout(new Computed(flat.Amount, $"flat {Format(flat.Amount)}")),
            TieredReward tiered => ToPayout(Tier(tiered)),
            RevenueShareReward share => RevenueShare(share, who),
            _ => throw new InvalidOperationException($"Unknown reward formula {formula.GetType().Name}."),
        };

        /// <summary>Converts into the payout currency when the program pays in another one; otherwise only rounds.</summary>
        public Computed? ToPayout(Computed computed)
        {
            var target = rules.PayoutCurrency ?? computed.Amount.Currency;
            return Convert(computed.Amount, target, computed.Formula) is { } converted
                ? new Computed(converted.Money, converted.Text)
                : null;
        }

        public Computed? ApplyOverride(Money overridden, Computed? computed)
        {
            var replaced = computed is null ? "" : $" (replaces computed {computed.Formula})";
            if (overridden.Amount < 0)
            {
                issues.Add(new RewardIssue(RewardIssueCode.OverrideIgnored, $"Reward_Amount_Override__c is negative ({Format(overridden)}): ignored, the computed reward applies."));
                return null;
            }

            return Convert(overridden, rules.PayoutCurrency ?? overridden.Currency, $"Salesforce override Reward_Amount_Override__c {Format(overridden)}") is { } converted
                ? new Computed(converted.Money, converted.Text + replaced)
                : null;
        }

        private Computed Tier(TieredReward tiered)
        {
            var ordinal = facts.PriorSuccessfulReferrals + 1;
            var tier = tiered.Tiers.First(t => ordinal >= t.From && (t.To is null || ordinal <= t.To));
            var range = tier.To is null ? $"{tier.From}+" : tier.To == tier.From ? $"{tier.From}" : $"{tier.From}-{tier.To}";
            return new Computed(tier.Amount, $"tier {range} for the {Ordinal(ordinal)} successful referral: {Format(tier.Amount)}");
        }

        private Computed? RevenueShare(RevenueShareReward share, string who)
        {
            var revenue = facts.Revenue;
            var target = rules.PayoutCurrency ?? revenue?.Currency ?? share.Floor?.Currency ?? share.Cap?.Currency;
            if (target is null)
            {
                issues.Add(new RewardIssue(RewardIssueCode.RevenueMissing, $"{rules.VersionId} {who} revenue share: {share.RevenueField} is empty and there is no floor: nothing to earn."));
                return null;
            }

            Money amount;
            string formula;
            string prefix;
            if (revenue is null)
            {
                issues.Add(new RewardIssue(RewardIssueCode.RevenueMissing, $"{rules.VersionId} {who} revenue share: {share.RevenueField} is empty: the share is zero{(share.Floor is null ? "" : ", the floor applies")}."));
                amount = Money.Zero(target);
                prefix = $"{Percent(share.Percent)} of empty {share.RevenueField}";
                formula = $"{prefix} = {Format(amount)}";
            }
            else if (revenue.Value.Amount <= 0)
            {
                issues.Add(new RewardIssue(RewardIssueCode.RevenueNotPositive, $"{rules.VersionId} {who} revenue share: {share.RevenueField} is {Format(revenue.Value)}: the share is zero{(share.Floor is null ? "" : ", the floor applies")}."));
                amount = Money.Zero(target);
                prefix = $"{Percent(share.Percent)} of {Format(revenue.Value)} (not positive)";
                formula = $"{prefix} = {Format(amount)}";
            }
            else
            {
                var raw = (revenue.Value * (share.Percent / 100m)).Round();
                prefix = $"{Percent(share.Percent)} of {Format(revenue.Value)}";
                if (Convert(raw, target, $"{prefix} = {Format(raw)}") is not { } converted)
                {
                    return null;
                }

                (amount, formula) = (converted.Money, converted.Text);
            }

            (Money Money, string Text)? floorInTarget = null;
            (Money Money, string Text)? capInTarget = null;
            if (share.Floor is { } floor && (floorInTarget = Convert(floor, target, Format(floor))) is null)
            {
                return null;
            }

            if (share.Cap is { } cap && (capInTarget = Convert(cap, target, Format(cap))) is null)
            {
                return null;
            }

            var converting = revenue is { } r && r.Currency != target;
            if (capInTarget is { } capped && amount.Amount > capped.Money.Amount)
            {
                amount = capped.Money;
                formula = converting ? $"{formula}, capped at {capped.Text}" : $"{prefix} capped at {capped.Text}";
            }
            else if (floorInTarget is { } floored && amount.Amount < floored.Money.Amount)
            {
                amount = floored.Money;
                formula = converting ? $"{formula}, raised to the floor of {floored.Text}" : $"{prefix} raised to the floor of {floored.Text}";
            }

            return new Computed(amount.Round(), formula);
        }

        /// <summary>Converts with the org's rate effective on the win; a missing rate is an issue, never a guess.</summary>
        private (Money Money, string Text)? Convert(Money amount, string target, string text)
        {
            if (amount.Currency == target)
            {
                return (amount.Round(), text);
            }

            if (rates.RateOn(amount.Currency, target, wonDate) is not { } rate)
            {
                issues.Add(new RewardIssue(
                    RewardIssueCode.ExchangeRateMissing,
                    $"{rules.VersionId}: no {amount.Currency}->{target} rate effective on {wonDate:yyyy-MM-dd} to convert {Format(amount)}: nothing earned until the rate exists."));
                return null;
            }

            var converted = amount.ConvertTo(target, rate);
            return (converted, $"{text} -> {Format(converted)} at {rate.ToString("0.######", CultureInfo.InvariantCulture)} {amount.Currency}->{target} ({wonDate:yyyy-MM-dd})");
        }
    }
}
