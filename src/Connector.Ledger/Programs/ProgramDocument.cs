using System.Collections.Immutable;
using System.Globalization;
using Connector.Ledger.Applying;
using Connector.Referrals;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;

namespace Connector.Ledger.Programs;

/// <summary>
/// Which org fields carry what the program reads. The domain reads canonical names (<see cref="LeadFields"/>); an org
/// that keeps the advocate, the referral method or the referral code in another field names it here, and the worker
/// selects that field in its reads and presents it under the canonical name (Connector.Worker's MappedFields). Revenue and
/// reward override are read by the domain directly (<see cref="ProgramConfig.RevenueField"/>).
/// </summary>
public sealed record FieldMapping
{
    public string LeadAdvocateField { get; init; } = LeadFields.Advocate;
    public string LeadReferralMethodField { get; init; } = LeadFields.ReferralMethod;
    public string LeadReferralCodeField { get; init; } = LeadFields.ReferralCode;
    public string ContactAdvocateField { get; init; } = ContactFields.Advocate;
    public string OpportunityRevenueField { get; init; } = "Amount";
    public string OpportunityRewardOverrideField { get; init; } = "Reward_Amount_Override__c";

    /// <summary>The canonical fields with <paramref name="program"/>'s revenue and override fields (a program not built from a document).</summary>
    public static FieldMapping For(LedgerProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        return new FieldMapping
        {
            OpportunityRevenueField = program.Config.RevenueField,
            OpportunityRewardOverrideField = program.Config.RewardOverrideField,
        };
    }

    /// <summary>Every mapped field as (object, role, field), the order the console lists them in.</summary>
    public IEnumerable<(string SObject, string Role, string Field)> All() =>
    [
        ("Lead", "Advocate", LeadAdvocateField),
        ("Lead", "Referral method", LeadReferralMethodField),
        ("Lead", "Referral code", LeadReferralCodeField),
        ("Contact", "Advocate", ContactAdvocateField),
        ("Opportunity", "Revenue", OpportunityRevenueField),
        ("Opportunity", "Reward override", OpportunityRewardOverrideField),
    ];
}

/// <summary>Lead routing as admins configure it.</summary>
public sealed record RoutingRules(bool Enabled = true, OwnerSource OwnerSource = OwnerSource.AdvocateOwner, string? FallbackQueueId = null);

/// <summary>
/// A program's whole configuration as one document: what admins edit, preview, save, export and roll back. A saved
/// document becomes the <see cref="LedgerProgram"/> the ledger applies with <see cref="ToProgram"/>.
/// </summary>
public sealed record ProgramDocument
{
    public required string ProgramId { get; init; }
    public FieldMapping Fields { get; init; } = new();
    public ImmutableSortedDictionary<string, ReferralState> LeadStatuses { get; init; } = Empty;
    public ImmutableSortedDictionary<string, ReferralState> OpportunityStages { get; init; } = Empty;
    public RoutingRules Routing { get; init; } = new();
    public required RewardRules Rewards { get; init; }
    public string DefaultCurrency { get; init; } = "USD";
    public bool MultiCurrency { get; init; } = true;

    /// <summary>Days a referee stays "already referred"; null: forever.</summary>
    public int? DuplicateWindowDays { get; init; }

    private static ImmutableSortedDictionary<string, ReferralState> Empty { get; } =
        ImmutableSortedDictionary.Create<string, ReferralState>(StringComparer.OrdinalIgnoreCase);

    public static ImmutableSortedDictionary<string, ReferralState> Values(IEnumerable<KeyValuePair<string, ReferralState>> values) =>
        Empty.SetItems(values);

    /// <summary>The document describing a program the host built (the starting point before anything is saved).</summary>
    public static ProgramDocument From(LedgerProgram program, FieldMapping? fields = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        var config = program.Config;
        return new ProgramDocument
        {
            ProgramId = config.ProgramId,
            Fields = (fields ?? new FieldMapping()) with
            {
                OpportunityRevenueField = config.RevenueField,
                OpportunityRewardOverrideField = config.RewardOverrideField,
            },
            LeadStatuses = Values(config.Mapping.LeadStatuses),
            OpportunityStages = Values(config.Mapping.OpportunityStages),
            Routing = new RoutingRules(config.Routing.Enabled, config.Routing.OwnerSource, config.Routing.FallbackQueueId),
            Rewards = program.Rules,
            DefaultCurrency = config.DefaultCurrency,
            MultiCurrency = config.MultiCurrency,
            DuplicateWindowDays = config.DuplicateWindow is { } window ? (int)window.TotalDays : null,
        };
    }

    /// <summary>Every problem with the document, each naming the setting; empty when it can be saved.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ProgramId) || ProgramId.Length > 100)
        {
            errors.Add("programId is required (at most 100 characters).");
        }

        foreach (var (sobject, role, field) in Fields.All())
        {
            if (string.IsNullOrWhiteSpace(field))
            {
                errors.Add($"fields: the {sobject} {role} field is required.");
            }
            else if (!field.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || !char.IsAsciiLetter(field[0]))
            {
                errors.Add($"fields: the {sobject} {role} field '{field}' is not a Salesforce field API name.");
            }
        }

        foreach (var (name, values) in new[] { ("leadStatuses", LeadStatuses), ("opportunityStages", OpportunityStages) })
        {
            foreach (var (value, state) in values)
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    errors.Add($"{name}: a blank value cannot be mapped.");
                }

                if (!Enum.IsDefined(state))
                {
                    errors.Add($"{name}: '{value}' maps to an unknown state.");
                }
            }
        }

        if (Routing.FallbackQueueId is { } queue && !IsSalesforceId(queue, "00G"))
        {
            errors.Add($"routing.fallbackQueueId '{queue}' is not a queue id (15 or 18 characters starting 00G).");
        }

        if (!Enum.IsDefined(Routing.OwnerSource))
        {
            errors.Add($"routing.ownerSource '{Routing.OwnerSource}' is not one of {string.Join(", ", Enum.GetNames<OwnerSource>())}.");
        }

        if (DefaultCurrency is not { Length: 3 } || !DefaultCurrency.All(char.IsAsciiLetterUpper))
        {
            errors.Add($"defaultCurrency '{DefaultCurrency}' is not an ISO 4217 code.");
        }

        if (DuplicateWindowDays is < 1)
        {
            errors.Add($"duplicateWindowDays must be 1 or more, or empty for forever (was {DuplicateWindowDays}).");
        }

        if (Rewards is null)
        {
            errors.Add("rewards are required.");
        }
        else
        {
            errors.AddRange(Rewards.Validate().Select(e => "rewards: " + e));
        }

        return errors;
    }

    /// <summary>The program the ledger applies, its mapping named <paramref name="mappingVersion"/> (recorded with every decision).</summary>
    /// <exception cref="ArgumentException">The document is invalid (the message lists every problem).</exception>
    public LedgerProgram ToProgram(string mappingVersion)
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Program {ProgramId} is invalid: {string.Join(" ", errors)}");
        }

        var config = new ProgramConfig
        {
            ProgramId = ProgramId,
            Mapping = new StateMapping(mappingVersion, LeadStatuses, OpportunityStages),
            Routing = new RoutingSettings(Routing.Enabled, Routing.FallbackQueueId, Routing.OwnerSource),
            RevenueField = Fields.OpportunityRevenueField,
            RewardOverrideField = Fields.OpportunityRewardOverrideField,
            DefaultCurrency = DefaultCurrency,
            MultiCurrency = MultiCurrency,
            DuplicateWindow = DuplicateWindowDays is { } days ? TimeSpan.FromDays(days) : null,
        };
        return new LedgerProgram(config, Rewards);
    }

    /// <summary>Same content, ignoring the reward rules' version number (which saving assigns).</summary>
    public bool SameContentAs(ProgramDocument other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ProgramJson.Serialize(this with { Rewards = Rewards with { Version = 1 } }) ==
            ProgramJson.Serialize(other with { Rewards = other.Rewards with { Version = 1 } });
    }

    internal static string VersionName(int version) => string.Create(CultureInfo.InvariantCulture, $"v{version}");

    private static bool IsSalesforceId(string id, string prefix) =>
        id.Length is 15 or 18 && id.StartsWith(prefix, StringComparison.Ordinal) && id.All(char.IsAsciiLetterOrDigit);
}
