using System.Globalization;

namespace Connector.Referrals.Rewards;

/// <summary>
/// A program's reward rules, versioned: every ledger entry names the <see cref="RuleId"/> and <see cref="Version"/>
/// it was computed with, so a change of rules never rewrites history (entries already made keep their version).
/// </summary>
public sealed record RewardRules
{
    public required string RuleId { get; init; }

    /// <summary>Bumped on every change of the rules; part of every idempotency key made with them.</summary>
    public required int Version { get; init; }

    /// <summary>How the advocate's reward is computed (the base that <see cref="Stages"/> split).</summary>
    public required RewardFormula Advocate { get; init; }

    /// <summary>
    /// When the advocate's reward is paid out. One stage paying 100% on the win by default; multi-stage programs pay
    /// e.g. 25% on the win and 75% after a 90-day retention period. Ordered by delay: the first stage is the
    /// "won stage" (the one a Salesforce override replaces).
    /// </summary>
    public IReadOnlyList<RewardStage> Stages { get; init; } = [RewardStage.OnWin];

    /// <summary>
    /// Days after the win during which a reversal voids the rewards (cancel unpaid, claw back paid). Null: the
    /// longest stage delay. Must cover every stage, or a stage could mature and then be clawed back.
    /// </summary>
    public int? RetentionDays { get; init; }

    /// <summary>Double-sided programs: the referee's reward, earned on the win like the advocate's won stage.</summary>
    public RewardFormula? Referee { get; init; }

    /// <summary>Reward choice: options of equal value the advocate picks from later (gift card, bill credit, check…).</summary>
    public IReadOnlyList<string> ChoiceOptions { get; init; } = [];

    /// <summary>Whether Opportunity.Reward_Amount_Override__c, when set, replaces the won stage's computed amount.</summary>
    public bool UseSalesforceOverride { get; init; } = true;

    /// <summary>Null: rewards keep the currency they are computed in (the deal's, for revenue shares).</summary>
    public string? PayoutCurrency { get; init; }

    /// <summary>Annual paid total per payee at which a tax form (W-9/W-8) must be collected.</summary>
    public Money TaxFormThreshold { get; init; } = new(600m, "USD");

    public string VersionId => string.Create(CultureInfo.InvariantCulture, $"{RuleId}@v{Version}");

    public int EffectiveRetentionDays => RetentionDays ?? (Stages.Count == 0 ? 0 : Stages.Max(s => s.DelayDays));

    /// <summary>Every problem with these rules, each naming the parameter; empty when the rules are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(RuleId))
        {
            errors.Add("RuleId is required.");
        }

        if (Version < 1)
        {
            errors.Add($"Version must be 1 or more (was {Version}).");
        }

        if (PayoutCurrency is not null && !IsCurrency(PayoutCurrency))
        {
            errors.Add($"PayoutCurrency '{PayoutCurrency}' is not an ISO 4217 code.");
        }

        if (Advocate is null)
        {
            errors.Add("Advocate formula is required.");
        }
        else
        {
            Advocate.Validate("Advocate", errors);
        }

        Referee?.Validate("Referee", errors);
        ValidateStages(errors);
        if (RetentionDays is { } retention && Stages.Count > 0 && retention < Stages.Max(s => s.DelayDays))
        {
            errors.Add($"RetentionDays ({retention}) must be at least the longest stage delay ({Stages.Max(s => s.DelayDays)}).");
        }

        if (ChoiceOptions.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("ChoiceOptions must not contain blank options.");
        }

        if (ChoiceOptions.Distinct(StringComparer.OrdinalIgnoreCase).Count() != ChoiceOptions.Count)
        {
            errors.Add("ChoiceOptions must be distinct.");
        }

        if (ChoiceOptions.Count == 1)
        {
            errors.Add("ChoiceOptions needs at least two options to offer a choice (or none).");
        }

        if (TaxFormThreshold.Amount <= 0)
        {
            errors.Add($"TaxFormThreshold must be positive (was {TaxFormThreshold}).");
        }

        return errors;
    }

    private void ValidateStages(List<string> errors)
    {
        if (Stages.Count == 0)
        {
            errors.Add("Stages must contain at least one stage.");
            return;
        }

        for (var i = 0; i < Stages.Count; i++)
        {
            var stage = Stages[i];
            var name = $"Stages[{i}]";
            if (string.IsNullOrWhiteSpace(stage.Key) || !stage.Key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                errors.Add($"{name}.Key '{stage.Key}' must be non-empty letters, digits, '-' or '_' (it is part of idempotency keys).");
            }

            if (stage.DelayDays < 0)
            {
                errors.Add($"{name}.DelayDays must not be negative (was {stage.DelayDays}).");
            }

            if (stage.Percent is null == stage.Amount is null)
            {
                errors.Add($"{name} needs exactly one of Percent or Amount.");
            }

            if (stage.Percent is { } percent && (percent <= 0 || percent > 100))
            {
                errors.Add($"{name}.Percent must be in (0, 100] (was {percent}).");
            }

            if (stage.Amount is { } amount && amount.Amount <= 0)
            {
                errors.Add($"{name}.Amount must be positive (was {amount}).");
            }

            if (i > 0 && stage.DelayDays < Stages[i - 1].DelayDays)
            {
                errors.Add($"{name}.DelayDays ({stage.DelayDays}) must not be shorter than the previous stage's ({Stages[i - 1].DelayDays}): stages are ordered by delay.");
            }
        }

        if (Stages.Select(s => s.Key).Distinct(StringComparer.OrdinalIgnoreCase).Count() != Stages.Count)
        {
            errors.Add("Stages keys must be distinct.");
        }

        var percents = Stages.Sum(s => s.Percent ?? 0);
        if (percents > 100)
        {
            errors.Add($"Stages percentages add up to {percents}%, more than 100%.");
        }
    }

    internal static bool IsCurrency(string? code) => code is { Length: 3 } && code.All(char.IsAsciiLetterUpper);
}

/// <summary>
/// One payout stage of the advocate's reward: <see cref="Percent"/> of the computed reward or a fixed
/// <see cref="Amount"/>, due <see cref="DelayDays"/> after the win (0: earned on the win; more: scheduled, then
/// matured on that day if the deal still stands).
/// </summary>
public sealed record RewardStage(string Key, int DelayDays, decimal? Percent = null, Money? Amount = null)
{
    public static RewardStage OnWin { get; } = new("won", 0, Percent: 100m);
}

/// <summary>How a reward amount is computed from the facts of a won referral.</summary>
public abstract record RewardFormula
{
    internal abstract void Validate(string name, List<string> errors);
}

public sealed record FlatReward(Money Amount) : RewardFormula
{
    internal override void Validate(string name, List<string> errors)
    {
        if (Amount.Amount <= 0)
        {
            errors.Add($"{name}.Amount must be positive (was {Amount}).");
        }
    }
}

/// <summary>
/// <see cref="Percent"/> of the deal's revenue (the mapped revenue field, Opportunity.Amount by default), kept between
/// <see cref="Floor"/> and <see cref="Cap"/>. Missing, zero or negative revenue shares nothing: the floor applies if
/// there is one, and the evaluation reports an issue either way.
/// </summary>
public sealed record RevenueShareReward(decimal Percent, Money? Floor = null, Money? Cap = null, string RevenueField = "Amount") : RewardFormula
{
    internal override void Validate(string name, List<string> errors)
    {
        if (Percent <= 0 || Percent > 100)
        {
            errors.Add($"{name}.Percent must be in (0, 100] (was {Percent}).");
        }

        if (Floor is { Amount: < 0 } floor)
        {
            errors.Add($"{name}.Floor must not be negative (was {floor}).");
        }

        if (Cap is { Amount: <= 0 } cap)
        {
            errors.Add($"{name}.Cap must be positive (was {cap}).");
        }

        if (Floor is { } f && Cap is { } c && f.Currency == c.Currency && f.Amount > c.Amount)
        {
            errors.Add($"{name}.Floor ({f}) must not exceed {name}.Cap ({c}).");
        }

        if (string.IsNullOrWhiteSpace(RevenueField))
        {
            errors.Add($"{name}.RevenueField is required.");
        }
    }
}

/// <summary>
/// Escalating rewards by the advocate's count of successful referrals, this one included: tiers are ranges of that
/// ordinal (1–3: 100 USD each, 4 and after: 500 USD). Ranges start at 1, are contiguous, and the last is open-ended.
/// </summary>
public sealed record TieredReward(IReadOnlyList<RewardTier> Tiers) : RewardFormula
{
    internal override void Validate(string name, List<string> errors)
    {
        if (Tiers.Count == 0)
        {
            errors.Add($"{name}.Tiers must contain at least one tier.");
            return;
        }

        var expectedFrom = 1;
        for (var i = 0; i < Tiers.Count; i++)
        {
            var tier = Tiers[i];
            var tierName = $"{name}.Tiers[{i}]";
            if (tier.From != expectedFrom)
            {
                errors.Add($"{tierName}.From must be {expectedFrom} (was {tier.From}): tiers start at 1 and are contiguous.");
            }

            if (tier.To is { } to && to < tier.From)
            {
                errors.Add($"{tierName}.To ({to}) must not be below From ({tier.From}).");
            }

            if (tier.To is null && i != Tiers.Count - 1)
            {
                errors.Add($"{tierName} is open-ended but is not the last tier.");
            }

            if (tier.To is not null && i == Tiers.Count - 1)
            {
                errors.Add($"{tierName}.To must be empty: the last tier is open-ended so every referral has a tier.");
            }

            if (tier.Amount.Amount <= 0)
            {
                errors.Add($"{tierName}.Amount must be positive (was {tier.Amount}).");
            }

            expectedFrom = (tier.To ?? tier.From) + 1;
        }
    }
}

/// <summary>The reward for the <see cref="From"/>-th to <see cref="To"/>-th successful referral (To null: and after).</summary>
public sealed record RewardTier(int From, int? To, Money Amount);
