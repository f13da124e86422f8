using System.Globalization;
using System.Text.RegularExpressions;
using Connector.Ledger.Programs;
using Connector.Referrals;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;
using Microsoft.AspNetCore.Http;

namespace Connector.Admin.Mapping;

/// <summary>
/// Routing and reward rules as a form: amounts are written "100 USD", tiers "1-3: 100 USD; 4+: 500 USD", payout stages
/// "won: 0: 25%; retained: 90: 75%". Parsing names the form field and what is wrong; the rules' own checks
/// (<see cref="RewardRules.Validate"/>) follow.
/// </summary>
internal static partial class RulesForm
{
    public static string Money(Money? money) => money is { } m ? $"{m.Amount.ToString("0.##", CultureInfo.InvariantCulture)} {m.Currency}" : string.Empty;

    public static string Tiers(RewardFormula formula) => formula is TieredReward t
        ? string.Join("; ", t.Tiers.Select(x => $"{x.From}{(x.To is { } to ? "-" + to.ToString(CultureInfo.InvariantCulture) : "+")}: {Money(x.Amount)}"))
        : string.Empty;

    public static string Stages(IReadOnlyList<RewardStage> stages) => string.Join("; ", stages.Select(s =>
        $"{s.Key}: {s.DelayDays}: {(s.Percent is { } p ? p.ToString("0.##", CultureInfo.InvariantCulture) + "%" : Money(s.Amount))}"));

    public static (ProgramDocument? Document, List<string> Errors) Parse(IFormCollection form, ProgramDocument document)
    {
        var errors = new List<string>();
        string F(string key) => form[key].ToString().Trim();

        Money? ParseMoney(string key, string label, bool required)
        {
            var text = F(key);
            if (text.Length == 0)
            {
                if (required)
                {
                    errors.Add($"{label} is required (e.g. 100 USD).");
                }

                return null;
            }

            var match = MoneyPattern().Match(text);
            if (!match.Success || !decimal.TryParse(match.Groups[1].Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount))
            {
                errors.Add($"{label} '{text}' is not an amount with its currency (e.g. 100 USD).");
                return null;
            }

            return new Money(amount, match.Groups[2].Value.ToUpperInvariant());
        }

        decimal? ParseDecimal(string key, string label)
        {
            var text = F(key).TrimEnd('%').Trim();
            if (text.Length == 0)
            {
                return null;
            }

            if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            errors.Add($"{label} '{F(key)}' is not a number.");
            return null;
        }

        int? ParseInt(string key, string label)
        {
            var text = F(key);
            if (text.Length == 0)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }

            errors.Add($"{label} '{text}' is not a whole number.");
            return null;
        }

        RewardFormula? formula = F("advocate.type") switch
        {
            "flat" => ParseMoney("advocate.amount", "Advocate reward amount", true) is { } amount ? new FlatReward(amount) : null,
            "revenueShare" => ParseDecimal("advocate.percent", "Revenue share percent") is { } percent
                ? new RevenueShareReward(percent, ParseMoney("advocate.floor", "Floor", false), ParseMoney("advocate.cap", "Cap", false),
                    document.Fields.OpportunityRevenueField)
                : Add(errors, "Revenue share percent is required (e.g. 10)."),
            "tiered" => ParseTiers(F("advocate.tiers"), errors),
            var other => Add(errors, $"Reward structure '{other}' is not one of flat, revenueShare, tiered."),
        };
        var stages = ParseStages(F("stages"), errors);
        var referee = ParseMoney("referee.amount", "Referee reward", false);
        var threshold = ParseMoney("taxFormThreshold", "Tax form threshold", true);
        var payout = F("payoutCurrency");
        var queue = F("routing.fallbackQueueId");
        if (!Enum.TryParse<OwnerSource>(F("routing.ownerSource"), out var ownerSource))
        {
            errors.Add($"Owner source '{F("routing.ownerSource")}' is not one of {string.Join(", ", Enum.GetNames<OwnerSource>())}.");
        }

        var retention = ParseInt("retentionDays", "Retention days");
        if (errors.Count > 0 || formula is null || stages is null || threshold is null)
        {
            return (null, errors);
        }

        var rules = document.Rewards with
        {
            RuleId = F("ruleId").Length == 0 ? document.Rewards.RuleId : F("ruleId"),
            Advocate = formula,
            Stages = stages,
            RetentionDays = retention,
            Referee = referee is { } r ? new FlatReward(r) : null,
            ChoiceOptions = [.. F("choiceOptions").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)],
            UseSalesforceOverride = F("useSalesforceOverride") == "true",
            PayoutCurrency = payout.Length == 0 ? null : payout.ToUpperInvariant(),
            TaxFormThreshold = threshold.Value,
        };
        var updated = document with
        {
            Routing = new RoutingRules(F("routing.enabled") == "true", ownerSource, queue.Length == 0 ? null : queue),
            Rewards = rules,
        };
        errors.AddRange(updated.Validate());
        return errors.Count > 0 ? (null, errors) : (updated, errors);
    }

    private static RewardFormula? Add(List<string> errors, string error)
    {
        errors.Add(error);
        return null;
    }

    private static TieredReward? ParseTiers(string text, List<string> errors)
    {
        var tiers = new List<RewardTier>();
        foreach (var part in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = TierPattern().Match(part);
            if (!match.Success)
            {
                errors.Add($"Tier '{part}' is not written as 'from-to: amount' or 'from+: amount' (e.g. 1-3: 100 USD; 4+: 500 USD).");
                continue;
            }

            var from = int.Parse(match.Groups["from"].Value, CultureInfo.InvariantCulture);
            int? to = match.Groups["to"].Success ? int.Parse(match.Groups["to"].Value, CultureInfo.InvariantCulture) : null;
            tiers.Add(new RewardTier(from, to, new Money(decimal.Parse(match.Groups["amount"].Value, CultureInfo.InvariantCulture), match.Groups["currency"].Value.ToUpperInvariant())));
        }

        if (tiers.Count == 0 && errors.Count == 0)
        {
            errors.Add("Tiers are required for a tiered reward (e.g. 1-3: 100 USD; 4+: 500 USD).");
        }

        return tiers.Count == 0 ? null : new TieredReward(tiers);
    }

    private static List<RewardStage>? ParseStages(string text, List<string> errors)
    {
        if (text.Length == 0)
        {
            return [RewardStage.OnWin];
        }

        var stages = new List<RewardStage>();
        foreach (var part in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = StagePattern().Match(part);
            if (!match.Success)
            {
                errors.Add($"Payout stage '{part}' is not written as 'key: delay days: percent% or amount' (e.g. won: 0: 25%; retained: 90: 75%).");
                continue;
            }

            var delay = int.Parse(match.Groups["delay"].Value, CultureInfo.InvariantCulture);
            var value = decimal.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            stages.Add(match.Groups["percent"].Success
                ? new RewardStage(match.Groups["key"].Value, delay, Percent: value)
                : new RewardStage(match.Groups["key"].Value, delay, Amount: new Money(value, match.Groups["currency"].Value.ToUpperInvariant())));
        }

        return errors.Count > 0 ? null : stages;
    }

    [GeneratedRegex(@"^(-?[0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]{3})$")]
    private static partial Regex MoneyPattern();

    [GeneratedRegex(@"^(?<from>[0-9]+)\s*(?:-\s*(?<to>[0-9]+)|\+)\s*:\s*(?<amount>[0-9]+(?:\.[0-9]+)?)\s*(?<currency>[A-Za-z]{3})$")]
    private static partial Regex TierPattern();

    [GeneratedRegex(@"^(?<key>[A-Za-z0-9_-]+)\s*:\s*(?<delay>[0-9]+)\s*:\s*(?<value>[0-9]+(?:\.[0-9]+)?)\s*(?:(?<percent>%)|(?<currency>[A-Za-z]{3}))$")]
    private static partial Regex StagePattern();
}
