using Connector.Ledger.Programs;
using Connector.Referrals.Mapping;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Query;

namespace Connector.Admin.Mapping;

/// <summary>A mapped field checked against the org's live describe.</summary>
public sealed record FieldCheck(string SObject, string Role, string Field, bool Valid, string Explanation, IReadOnlyList<FieldDescription> Candidates);

/// <summary>The org's stage and status tables (SOQL on OpportunityStage / LeadStatus) and the picklist values the describe adds.</summary>
public sealed record OrgValues(IReadOnlyList<LeadStatusRow> LeadStatuses, IReadOnlyList<OpportunityStageRow> Stages);

/// <summary>What the org offers to map: fields from the live describe, stage and status values, queues.</summary>
public sealed class OrgCatalog
{
    private static readonly string[] NumberTypes = ["currency", "double", "int", "long"];

    private readonly DescribeCache _describe;
    private readonly SalesforceQueries _queries;

    public OrgCatalog(DescribeCache describe, SalesforceQueries queries)
    {
        _describe = describe;
        _queries = queries;
    }

    /// <summary>Which field types can carry a role: revenue and reward override only currency or number fields.</summary>
    public static bool Fits(string role, FieldDescription field) => role switch
    {
        "Revenue" or "Reward override" => NumberTypes.Contains(field.Type),
        "Advocate" => field.Type is "reference" or "string" or "id",
        "Referral method" => field.Type is "picklist" or "string",
        _ => field.Type is "string",
    };

    public static string Needs(string role) => role switch
    {
        "Revenue" or "Reward override" => "a currency or number field",
        "Advocate" => "a lookup or text field",
        "Referral method" => "a picklist or text field",
        _ => "a text field",
    };

    public async Task<IReadOnlyList<FieldCheck>> CheckFieldsAsync(FieldMapping fields, CancellationToken cancellationToken)
    {
        var describes = new Dictionary<string, SObjectDescription>(StringComparer.Ordinal);
        foreach (var sobject in fields.All().Select(f => f.SObject).Distinct())
        {
            describes[sobject] = await _describe.GetAsync(sobject, cancellationToken).ConfigureAwait(false);
        }

        return [.. fields.All().Select(f =>
        {
            var describe = describes[f.SObject];
            var candidates = describe.Fields.Where(c => Fits(f.Role, c)).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();
            var field = describe.FindField(f.Field);
            var (valid, why) = field is null
                ? (false, $"{f.SObject}.{f.Field} does not exist in the org (removed or renamed?)")
                : !Fits(f.Role, field)
                    ? (false, $"{f.SObject}.{field.Name} is a {field.Type} field; {f.Role.ToLowerInvariant()} needs {Needs(f.Role)}")
                    : (true, $"{f.SObject}.{field.Name} ({field.Type})");
            return new FieldCheck(f.SObject, f.Role, f.Field, valid, why, candidates);
        })];
    }

    /// <summary>Every Lead Status and Opportunity stage the org has: the tables, plus picklist values only the describe lists.</summary>
    public async Task<OrgValues> ValuesAsync(CancellationToken cancellationToken)
    {
        var leads = new List<LeadStatusRow>();
        await foreach (var row in _queries.QueryAsync(Soql.From("LeadStatus").Select("ApiName", "IsConverted", "IsDefault").OrderBy("SortOrder"),
            cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            leads.Add(new LeadStatusRow(row.GetProperty("ApiName").GetString()!, row.GetProperty("IsConverted").GetBoolean(), row.GetProperty("IsDefault").GetBoolean()));
        }

        var stages = new List<OpportunityStageRow>();
        await foreach (var row in _queries.QueryAsync(Soql.From("OpportunityStage").Select("ApiName", "IsClosed", "IsWon", "IsActive").OrderBy("SortOrder"),
            cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            stages.Add(new OpportunityStageRow(row.GetProperty("ApiName").GetString()!, row.GetProperty("IsClosed").GetBoolean(),
                row.GetProperty("IsWon").GetBoolean(), row.GetProperty("IsActive").GetBoolean()));
        }

        // A picklist value without a table row (an org where the table is not readable) still needs a mapping.
        foreach (var value in await PicklistAsync("Lead", "Status", cancellationToken).ConfigureAwait(false))
        {
            if (!leads.Any(l => string.Equals(l.ApiName, value, StringComparison.OrdinalIgnoreCase)))
            {
                leads.Add(new LeadStatusRow(value, false, false));
            }
        }

        foreach (var value in await PicklistAsync("Opportunity", "StageName", cancellationToken).ConfigureAwait(false))
        {
            if (!stages.Any(s => string.Equals(s.ApiName, value, StringComparison.OrdinalIgnoreCase)))
            {
                stages.Add(new OpportunityStageRow(value, false, false));
            }
        }

        return new OrgValues(leads, stages);
    }

    private async Task<IEnumerable<string>> PicklistAsync(string sobject, string field, CancellationToken cancellationToken) =>
        (await _describe.GetAsync(sobject, cancellationToken).ConfigureAwait(false)).FindField(field)?.PicklistValues.Select(p => p.Value) ?? [];
}
