using Connector.Ledger.Applying;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Query;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Programs;

/// <summary>
/// Builds the program the ledger applies changes for from the org: the lead statuses and opportunity stages (SOQL on
/// LeadStatus and OpportunityStage: IsConverted, IsClosed, IsWon) give the default state mapping, the Opportunity
/// describe says whether the org is multi-currency and that the revenue field exists, configuration gives routing and
/// reward rules. Statuses the defaults cannot place stay unmapped: their changes are quarantined, never guessed.
/// </summary>
public sealed partial class ProgramLoader(
    SalesforceQueries queries,
    DescribeCache describes,
    IOptions<ProgramOptions> program,
    IOptions<RewardOptions> rewards,
    ILogger<ProgramLoader> logger)
{
    public async Task<LedgerProgram> LoadAsync(CancellationToken cancellationToken)
    {
        var options = program.Value;
        var statuses = new List<LeadStatusRow>();
        await foreach (var row in queries.QueryAsync(Soql.From("LeadStatus").Select("ApiName", "IsConverted", "IsDefault"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            statuses.Add(new LeadStatusRow(row.GetProperty("ApiName").GetString()!, row.GetProperty("IsConverted").GetBoolean(), row.GetProperty("IsDefault").GetBoolean()));
        }

        var stages = new List<OpportunityStageRow>();
        await foreach (var row in queries.QueryAsync(Soql.From("OpportunityStage").Select("ApiName", "IsClosed", "IsWon", "IsActive"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            stages.Add(new OpportunityStageRow(row.GetProperty("ApiName").GetString()!, row.GetProperty("IsClosed").GetBoolean(),
                row.GetProperty("IsWon").GetBoolean(), row.GetProperty("IsActive").GetBoolean()));
        }

        if (statuses.Count == 0 || stages.Count == 0)
        {
            throw new InvalidOperationException($"The org returned {statuses.Count} lead statuses and {stages.Count} opportunity stages: the integration user cannot read LeadStatus/OpportunityStage.");
        }

        var opportunity = await describes.GetAsync("Opportunity", cancellationToken).ConfigureAwait(false);
        var revenue = opportunity.FindField(options.RevenueField)
            ?? throw new InvalidOperationException($"{ProgramOptions.SectionName}:RevenueField '{options.RevenueField}' is not a field of Opportunity in this org.");
        if (revenue.Type is not ("currency" or "double" or "int" or "percent"))
        {
            throw new InvalidOperationException($"{ProgramOptions.SectionName}:RevenueField '{options.RevenueField}' is a {revenue.Type} field; a currency or number field is needed.");
        }

        var version = $"org-{statuses.Count}s{stages.Count}t-{StableHash(statuses, stages)}";
        var derived = DefaultStateMapping.FromOrg(version, statuses, stages);
        if (derived.UnmappedLeadStatuses.Length > 0)
        {
            Log.UnmappedStatuses(logger, string.Join(", ", derived.UnmappedLeadStatuses));
        }

        var config = new ProgramConfig
        {
            ProgramId = options.ProgramId,
            Mapping = derived.Mapping,
            Routing = new RoutingSettings(options.RoutingEnabled, string.IsNullOrEmpty(options.FallbackOwnerId) ? null : options.FallbackOwnerId, options.OwnerSource),
            RevenueField = revenue.Name,
            DefaultCurrency = options.DefaultCurrency,
            MultiCurrency = opportunity.FindField("CurrencyIsoCode") is not null,
        };
        var rules = rewards.Value.ToRules(revenue.Name);
        Log.Loaded(logger, config.ProgramId, version, statuses.Count, stages.Count, rules.VersionId, config.MultiCurrency);
        return new LedgerProgram(config, rules);
    }

    private static string StableHash(IEnumerable<LeadStatusRow> statuses, IEnumerable<OpportunityStageRow> stages)
    {
        var text = string.Join('|', statuses.Select(s => $"{s.ApiName}:{s.IsConverted}")) + "#" + string.Join('|', stages.Select(s => $"{s.ApiName}:{s.IsClosed}:{s.IsWon}"));
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
        return Convert.ToHexStringLower(hash)[..8];
    }

    private static partial class Log
    {
        [LoggerMessage(9110, LogLevel.Information, "Program {ProgramId} loaded: mapping {MappingVersion} from {Statuses} lead statuses and {Stages} stages, rewards {Rules}, multi-currency {MultiCurrency}")]
        public static partial void Loaded(ILogger logger, string programId, string mappingVersion, int statuses, int stages, string rules, bool multiCurrency);

        [LoggerMessage(9111, LogLevel.Warning, "Lead statuses without a referral state (their changes are quarantined until mapped): {Statuses}")]
        public static partial void UnmappedStatuses(ILogger logger, string statuses);
    }
}

/// <summary>The program the running worker applies; loaded from the org once at start, before any change is applied.</summary>
public sealed class ProgramHolder
{
    private LedgerProgram? _current;

    public LedgerProgram Current => Volatile.Read(ref _current)
        ?? throw new InvalidOperationException("The program is not loaded yet: it is read from the org when the worker starts.");

    public bool IsLoaded => Volatile.Read(ref _current) is not null;

    public void Set(LedgerProgram program) => Volatile.Write(ref _current, program);
}
