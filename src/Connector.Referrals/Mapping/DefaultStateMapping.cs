using System.Collections.Immutable;

namespace Connector.Referrals.Mapping;

/// <summary>A LeadStatus row from the org (SELECT ApiName, IsConverted, IsDefault FROM LeadStatus).</summary>
public sealed record LeadStatusRow(string ApiName, bool IsConverted, bool IsDefault);

/// <summary>An OpportunityStage row from the org (SELECT ApiName, IsClosed, IsWon, IsActive FROM OpportunityStage).</summary>
public sealed record OpportunityStageRow(string ApiName, bool IsClosed, bool IsWon, bool IsActive = true);

/// <summary>Defaults derived from the org, plus the values the heuristics would not place (an admin maps them).</summary>
public sealed record DerivedMapping(StateMapping Mapping, ImmutableArray<string> UnmappedLeadStatuses);

/// <summary>
/// Derives a program's starting <see cref="StateMapping"/> from the org's describe data.
/// <para>Opportunity stages use the flags only, which are authoritative: IsClosed ∧ IsWon → Won, IsClosed ∧ ¬IsWon → Lost,
/// open → Opportunity (an opportunity exists, whatever its sales stage). Inactive stages are mapped too: old
/// opportunities still carry them.</para>
/// <para>Lead statuses: the LeadStatus table says only IsConverted and IsDefault, so the rest reads the value's name.
/// In order: IsConverted → Opportunity; IsDefault → Submitted; a name saying the lead is closed, rejected or
/// disqualified ("Closed…", "Not Converted", "Disqualified", "Unqualified", "Not Qualified", "Junk", "Rejected") →
/// Disqualified; "Qualified" → Qualified; "Working", "Contacted", "Nurturing", "In Progress" → Working; "Open", "New" →
/// Submitted. Anything else stays unmapped (listed in <see cref="DerivedMapping.UnmappedLeadStatuses"/>) so its events
/// are quarantined until someone maps it: a guess here would pay or withhold real money.</para>
/// </summary>
public static class DefaultStateMapping
{
    private static readonly string[] ClosedWords = ["closed", "not converted", "disqualified", "unqualified", "not qualified", "junk", "rejected"];
    private static readonly string[] WorkingWords = ["working", "contacted", "nurturing", "in progress"];
    private static readonly string[] NewWords = ["open", "new"];

    public static DerivedMapping FromOrg(string version, IEnumerable<LeadStatusRow> leadStatuses, IEnumerable<OpportunityStageRow> stages)
    {
        var leads = new List<KeyValuePair<string, ReferralState>>();
        var unmapped = ImmutableArray.CreateBuilder<string>();
        foreach (var row in leadStatuses)
        {
            if (LeadState(row) is { } state)
            {
                leads.Add(KeyValuePair.Create(row.ApiName, state));
            }
            else
            {
                unmapped.Add(row.ApiName);
            }
        }

        var opportunity = stages.Select(s => KeyValuePair.Create(s.ApiName, StageState(s)));
        return new DerivedMapping(new StateMapping(version, leads, opportunity), unmapped.ToImmutable());
    }

    public static ReferralState StageState(OpportunityStageRow stage) => (stage.IsClosed, stage.IsWon) switch
    {
        (true, true) => ReferralState.Won,
        (true, false) => ReferralState.Lost,
        _ => ReferralState.Opportunity,
    };

    public static ReferralState? LeadState(LeadStatusRow status)
    {
        if (status.IsConverted)
        {
            return ReferralState.Opportunity;
        }

        if (status.IsDefault)
        {
            return ReferralState.Submitted;
        }

        var name = status.ApiName.ToLowerInvariant();
        if (ClosedWords.Any(name.Contains))
        {
            return ReferralState.Disqualified;
        }

        if (name.Contains("qualified", StringComparison.Ordinal))
        {
            return ReferralState.Qualified;
        }

        if (WorkingWords.Any(name.Contains))
        {
            return ReferralState.Working;
        }

        return NewWords.Any(w => name.Split([' ', '-', '/'], StringSplitOptions.RemoveEmptyEntries).Contains(w)) ? ReferralState.Submitted : null;
    }
}
