using System.Text.Json;
using System.Text.Json.Serialization;
using Connector.Referrals;
using Connector.Referrals.Rewards;

namespace Connector.Ledger.Programs;

/// <summary>A program document that cannot be read: the message names the place in the JSON and what is wrong.</summary>
public sealed class ProgramFormatException : Exception
{
    public ProgramFormatException(string message)
        : base(message)
    {
    }

    public ProgramFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ProgramFormatException()
    {
    }
}

/// <summary>
/// The program document as JSON: how versions are stored, exported to a file and imported from one. The shape is the
/// file format admins edit, so it is explicit (camelCase, enums by name, reward formulas tagged by <c>type</c>) and
/// strict: an unknown property is an error (a typo must not silently fall back to a default that pays money).
/// </summary>
public static class ProgramJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    public static string Serialize(ProgramDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return JsonSerializer.Serialize(Dto.From(document), Options);
    }

    /// <exception cref="ProgramFormatException">Not JSON, or not a program document.</exception>
    public static ProgramDocument Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Dto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<Dto>(json, Options);
        }
        catch (JsonException e)
        {
            throw new ProgramFormatException($"Program document is not valid at {e.Path ?? "$"}: {FirstSentence(e.Message)}", e);
        }

        if (dto is null)
        {
            throw new ProgramFormatException("Program document is empty (null).");
        }

        return dto.ToDocument();
    }

    private static string FirstSentence(string message) => message.Split(". Path:", 2)[0];

    private static ProgramFormatException Missing(string path) => new($"Program document: {path} is required.");

    private static Money ToMoney(MoneyDto? dto, string path)
    {
        if (dto is null)
        {
            throw Missing(path);
        }

        try
        {
            return new Money(dto.Amount, dto.Currency ?? throw Missing(path + ".currency"));
        }
        catch (ArgumentException e)
        {
            throw new ProgramFormatException($"Program document: {path}: {e.Message.Split(" (Parameter", 2)[0]}", e);
        }
    }

    private static Money? ToOptionalMoney(MoneyDto? dto, string path) => dto is null ? null : ToMoney(dto, path);

    private sealed class Dto
    {
        public string? ProgramId { get; set; }
        public FieldMapping? Fields { get; set; }
        public Dictionary<string, ReferralState>? LeadStatuses { get; set; }
        public Dictionary<string, ReferralState>? OpportunityStages { get; set; }
        public RoutingRules? Routing { get; set; }
        public RulesDto? Rewards { get; set; }
        public string? DefaultCurrency { get; set; }
        public bool? MultiCurrency { get; set; }
        public int? DuplicateWindowDays { get; set; }

        public static Dto From(ProgramDocument d) => new()
        {
            ProgramId = d.ProgramId,
            Fields = d.Fields,
            LeadStatuses = d.LeadStatuses.ToDictionary(StringComparer.Ordinal),
            OpportunityStages = d.OpportunityStages.ToDictionary(StringComparer.Ordinal),
            Routing = d.Routing,
            Rewards = RulesDto.From(d.Rewards),
            DefaultCurrency = d.DefaultCurrency,
            MultiCurrency = d.MultiCurrency,
            DuplicateWindowDays = d.DuplicateWindowDays,
        };

        public ProgramDocument ToDocument()
        {
            return new ProgramDocument
            {
                ProgramId = ProgramId ?? throw Missing("programId"),
                Fields = Fields ?? new FieldMapping(),
                LeadStatuses = ProgramDocument.Values(LeadStatuses ?? []),
                OpportunityStages = ProgramDocument.Values(OpportunityStages ?? []),
                Routing = Routing ?? new RoutingRules(),
                Rewards = (Rewards ?? throw Missing("rewards")).ToRules(),
                DefaultCurrency = DefaultCurrency ?? "USD",
                MultiCurrency = MultiCurrency ?? true,
                DuplicateWindowDays = DuplicateWindowDays,
            };
        }
    }

    private sealed class MoneyDto
    {
        public decimal Amount { get; set; }
        public string? Currency { get; set; }

        public static MoneyDto? From(Money? money) => money is { } m ? new MoneyDto { Amount = m.Amount, Currency = m.Currency } : null;
    }

    private sealed class RulesDto
    {
        public string? RuleId { get; set; }
        public int? Version { get; set; }
        public FormulaDto? Advocate { get; set; }
        public List<StageDto>? Stages { get; set; }
        public int? RetentionDays { get; set; }
        public FormulaDto? Referee { get; set; }
        public List<string>? ChoiceOptions { get; set; }
        public bool? UseSalesforceOverride { get; set; }
        public string? PayoutCurrency { get; set; }
        public MoneyDto? TaxFormThreshold { get; set; }

        public static RulesDto From(RewardRules r) => new()
        {
            RuleId = r.RuleId,
            Version = r.Version,
            Advocate = FormulaDto.From(r.Advocate),
            Stages = [.. r.Stages.Select(s => new StageDto { Key = s.Key, DelayDays = s.DelayDays, Percent = s.Percent, Amount = MoneyDto.From(s.Amount) })],
            RetentionDays = r.RetentionDays,
            Referee = r.Referee is null ? null : FormulaDto.From(r.Referee),
            ChoiceOptions = [.. r.ChoiceOptions],
            UseSalesforceOverride = r.UseSalesforceOverride,
            PayoutCurrency = r.PayoutCurrency,
            TaxFormThreshold = MoneyDto.From(r.TaxFormThreshold),
        };

        public RewardRules ToRules()
        {
            var stages = Stages?.Select((s, i) => new RewardStage(
                s.Key ?? throw Missing($"rewards.stages[{i}].key"), s.DelayDays, s.Percent, ToOptionalMoney(s.Amount, $"rewards.stages[{i}].amount"))).ToList();
            var rules = new RewardRules
            {
                RuleId = RuleId ?? throw Missing("rewards.ruleId"),
                Version = Version ?? 1,
                Advocate = (Advocate ?? throw Missing("rewards.advocate")).ToFormula("rewards.advocate"),
                RetentionDays = RetentionDays,
                Referee = Referee?.ToFormula("rewards.referee"),
                ChoiceOptions = ChoiceOptions ?? [],
                PayoutCurrency = PayoutCurrency,
            };
            rules = stages is null ? rules : rules with { Stages = stages };
            rules = UseSalesforceOverride is { } use ? rules with { UseSalesforceOverride = use } : rules;
            return TaxFormThreshold is null ? rules : rules with { TaxFormThreshold = ToMoney(TaxFormThreshold, "rewards.taxFormThreshold") };
        }
    }

    private sealed class StageDto
    {
        public string? Key { get; set; }
        public int DelayDays { get; set; }
        public decimal? Percent { get; set; }
        public MoneyDto? Amount { get; set; }
    }

    private sealed class TierDto
    {
        public int From { get; set; }
        public int? To { get; set; }
        public MoneyDto? Amount { get; set; }
    }

    /// <summary>One shape for every formula, tagged by <see cref="Type"/>: flat, revenueShare or tiered.</summary>
    private sealed class FormulaDto
    {
        public const string Flat = "flat";
        public const string RevenueShare = "revenueShare";
        public const string Tiered = "tiered";

        public string? Type { get; set; }
        public MoneyDto? Amount { get; set; }
        public decimal? Percent { get; set; }
        public MoneyDto? Floor { get; set; }
        public MoneyDto? Cap { get; set; }
        public string? RevenueField { get; set; }
        public List<TierDto>? Tiers { get; set; }

        public static FormulaDto From(RewardFormula formula) => formula switch
        {
            FlatReward f => new FormulaDto { Type = Flat, Amount = MoneyDto.From(f.Amount) },
            RevenueShareReward r => new FormulaDto
            {
                Type = RevenueShare, Percent = r.Percent, Floor = MoneyDto.From(r.Floor), Cap = MoneyDto.From(r.Cap), RevenueField = r.RevenueField,
            },
            TieredReward t => new FormulaDto
            {
                Type = Tiered, Tiers = [.. t.Tiers.Select(x => new TierDto { From = x.From, To = x.To, Amount = MoneyDto.From(x.Amount) })],
            },
            _ => throw new ArgumentException($"Reward formula {formula.GetType().Name} has no JSON form.", nameof(formula)),
        };

        public RewardFormula ToFormula(string path) => Type switch
        {
            Flat => new FlatReward(ToMoney(Amount, path + ".amount")),
            RevenueShare => new RevenueShareReward(
                Percent ?? throw Missing(path + ".percent"), ToOptionalMoney(Floor, path + ".floor"), ToOptionalMoney(Cap, path + ".cap"),
                RevenueField ?? "Amount"),
            Tiered => new TieredReward([.. (Tiers ?? throw Missing(path + ".tiers")).Select((t, i) =>
                new RewardTier(t.From, t.To, ToMoney(t.Amount, $"{path}.tiers[{i}].amount")))]),
            null => throw Missing(path + ".type"),
            var other => throw new ProgramFormatException(
                $"Program document: {path}.type '{other}' is not one of {Flat}, {RevenueShare}, {Tiered}."),
        };
    }
}
