using System.ComponentModel.DataAnnotations;
using Connector.Referrals;
using Connector.Referrals.Rewards;

namespace Connector.Worker.Programs;

public enum RewardFormulaKind
{
    Flat,
    RevenueShare,
}

/// <summary>
/// The program's reward rules from configuration (section "Worker:Rewards"): a flat amount or a revenue share with
/// floor and cap, paid in one stage on the win or split between the win and the end of a retention period, and an
/// optional referee reward (double-sided). Turned into <see cref="RewardRules"/>, whose own validation runs at start.
/// </summary>
public sealed class RewardOptions : IValidatableObject
{
    public const string SectionName = "Worker:Rewards";

    [Required(AllowEmptyStrings = false, ErrorMessage = SectionName + ":RuleId is required.")]
    public string RuleId { get; set; } = "default";

    [Range(1, int.MaxValue, ErrorMessage = SectionName + ":Version must be 1 or more.")]
    public int Version { get; set; } = 1;

    public RewardFormulaKind Formula { get; set; } = RewardFormulaKind.Flat;

    /// <summary>Flat: the amount per won referral.</summary>
    public decimal Amount { get; set; } = 100m;

    /// <summary>RevenueShare: percent of the revenue field.</summary>
    public decimal Percent { get; set; } = 10m;

    public decimal? Floor { get; set; }

    public decimal? Cap { get; set; }

    /// <summary>Currency of Amount, Floor, Cap and RefereeAmount.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>Percent of the reward earned on the win; the rest matures after RetentionDays if the deal still stands.</summary>
    [Range(0, 100, ErrorMessage = SectionName + ":WonPercent must be between {1} and {2}.")]
    public decimal WonPercent { get; set; } = 100m;

    [Range(0, 3650, ErrorMessage = SectionName + ":RetentionDays must be between {1} and {2}.")]
    public int RetentionDays { get; set; } = 90;

    /// <summary>Double-sided programs: the referee's reward on the win (0: none).</summary>
    public decimal RefereeAmount { get; set; }

    public string? PayoutCurrency { get; set; }

    public decimal TaxFormThreshold { get; set; } = 600m;

    public RewardRules ToRules(string revenueField)
    {
        var money = (decimal amount) => new Money(amount, Currency);
        RewardFormula formula = Formula switch
        {
            RewardFormulaKind.RevenueShare => new RevenueShareReward(Percent, Floor is { } f ? money(f) : null, Cap is { } c ? money(c) : null, revenueField),
            _ => new FlatReward(money(Amount)),
        };
        IReadOnlyList<RewardStage> stages = WonPercent >= 100m
            ? [RewardStage.OnWin]
            : WonPercent <= 0m
                ? [new RewardStage("retention", RetentionDays, Percent: 100m)]
                : [new RewardStage("won", 0, Percent: WonPercent), new RewardStage("retention", RetentionDays, Percent: 100m - WonPercent)];
        return new RewardRules
        {
            RuleId = RuleId,
            Version = Version,
            Advocate = formula,
            Stages = stages,
            RetentionDays = RetentionDays,
            Referee = RefereeAmount > 0 ? new FlatReward(money(RefereeAmount)) : null,
            PayoutCurrency = PayoutCurrency,
            TaxFormThreshold = new Money(TaxFormThreshold, "USD"),
        };
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Currency.Length != 3 || !Currency.All(char.IsAsciiLetterUpper))
        {
            yield return new ValidationResult($"{SectionName}:Currency '{Currency}' is not an ISO 4217 code (e.g. USD).", [nameof(Currency)]);
            yield break;
        }

        foreach (var error in ToRules("Amount").Validate())
        {
            yield return new ValidationResult($"{SectionName}: {error}");
        }
    }
}
