using System.Collections.Immutable;

namespace Connector.Referrals.Mapping;

/// <summary>The result of mapping a Salesforce value: the state and the rule that chose it, or why there is none.</summary>
public readonly record struct MappedState(ReferralState? State, string RuleId, string Explanation)
{
    public bool IsMapped => State is not null;
}

/// <summary>
/// How one program reads Salesforce values as referral states: Lead Status values and Opportunity StageName values.
/// Versioned: every state change records the <see cref="Version"/> that produced it, and a change of mapping is a new
/// version (old history keeps naming the version it was decided under). A value not in the mapping is never guessed:
/// the caller quarantines the event with <see cref="MappedState.Explanation"/>.
/// Picklist values compare case-insensitively (Salesforce treats picklist API names that way).
/// </summary>
public sealed record StateMapping
{
    public StateMapping(
        string version,
        IEnumerable<KeyValuePair<string, ReferralState>> leadStatuses,
        IEnumerable<KeyValuePair<string, ReferralState>> opportunityStages)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        Version = version;
        LeadStatuses = leadStatuses.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase);
        OpportunityStages = opportunityStages.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public string Version { get; }

    public ImmutableDictionary<string, ReferralState> LeadStatuses { get; private init; }

    public ImmutableDictionary<string, ReferralState> OpportunityStages { get; private init; }

    public MappedState MapLeadStatus(string? status) =>
        status is null
            ? new MappedState(null, "M-LEAD-NULL", $"Lead Status is empty; mapping {Version} cannot place it")
            : LeadStatuses.TryGetValue(status, out var state)
                ? new MappedState(state, "M-LEAD", $"Lead Status '{status}' → {state} (mapping {Version})")
                : new MappedState(null, "M-LEAD-UNMAPPED", $"unmapped Lead Status '{status}' in mapping {Version}");

    public MappedState MapStage(string? stageName) =>
        stageName is null
            ? new MappedState(null, "M-STAGE-NULL", $"StageName is empty; mapping {Version} cannot place it")
            : OpportunityStages.TryGetValue(stageName, out var state)
                ? new MappedState(state, "M-STAGE", $"StageName '{stageName}' → {state} (mapping {Version})")
                : new MappedState(null, "M-STAGE-UNMAPPED", $"unmapped StageName '{stageName}' in mapping {Version}");

    /// <summary>A new version with some values (re)mapped, e.g. after an admin maps a stage that was quarantined.</summary>
    public StateMapping Revise(
        string newVersion,
        IEnumerable<KeyValuePair<string, ReferralState>>? leadStatuses = null,
        IEnumerable<KeyValuePair<string, ReferralState>>? opportunityStages = null) =>
        new(newVersion, LeadStatuses.SetItems(leadStatuses ?? []), OpportunityStages.SetItems(opportunityStages ?? []));
}
