using Connector.Referrals.Mapping;
using Connector.Referrals.Tests.Support;

namespace Connector.Referrals.Tests.Mapping;

public sealed class DefaultStateMappingTests
{
    [Theory]
    [InlineData("Open - Not Contacted", ReferralState.Submitted)]
    [InlineData("Working - Contacted", ReferralState.Working)]
    [InlineData("Closed - Converted", ReferralState.Opportunity)]
    [InlineData("Closed - Not Converted", ReferralState.Disqualified)]
    public void FromOrg_EmulatorLeadStatuses_MapByFlagsAndNames(string status, ReferralState expected) =>
        Assert.Equal(expected, Org.Mapping().MapLeadStatus(status).State);

    [Theory]
    [InlineData("Prospecting", ReferralState.Opportunity)]
    [InlineData("Negotiation/Review", ReferralState.Opportunity)]
    [InlineData("Closed Won", ReferralState.Won)]
    [InlineData("Closed Lost", ReferralState.Lost)]
    public void FromOrg_EmulatorStages_MapByIsClosedIsWon(string stage, ReferralState expected) =>
        Assert.Equal(expected, Org.Mapping().MapStage(stage).State);

    [Fact]
    public void FromOrg_RenamedStages_FlagsDecideNotNames()
    {
        var mapping = DefaultStateMapping.FromOrg("v1", [], [new("Signed", true, true), new("Walked Away", true, false), new("Closed Pending", false, false)]).Mapping;

        Assert.Equal(ReferralState.Won, mapping.MapStage("Signed").State);
        Assert.Equal(ReferralState.Lost, mapping.MapStage("Walked Away").State);
        Assert.Equal(ReferralState.Opportunity, mapping.MapStage("Closed Pending").State);
    }

    [Theory]
    [InlineData("Qualified", ReferralState.Qualified)]
    [InlineData("Sales Qualified", ReferralState.Qualified)]
    [InlineData("Unqualified", ReferralState.Disqualified)]
    [InlineData("Not Qualified", ReferralState.Disqualified)]
    [InlineData("Disqualified", ReferralState.Disqualified)]
    [InlineData("Junk", ReferralState.Disqualified)]
    [InlineData("Nurturing", ReferralState.Working)]
    [InlineData("Contacted", ReferralState.Working)]
    [InlineData("New", ReferralState.Submitted)]
    public void LeadState_NameHeuristics(string status, ReferralState expected) =>
        Assert.Equal(expected, DefaultStateMapping.LeadState(new LeadStatusRow(status, false, false)));

    [Fact]
    public void LeadState_FlagsBeatNames()
    {
        Assert.Equal(ReferralState.Submitted, DefaultStateMapping.LeadState(new LeadStatusRow("Closed - Pending", false, IsDefault: true)));
        Assert.Equal(ReferralState.Opportunity, DefaultStateMapping.LeadState(new LeadStatusRow("Disqualified", IsConverted: true, false)));
    }

    [Fact]
    public void FromOrg_UnrecognizedStatus_LeftUnmappedAndListed()
    {
        var derived = DefaultStateMapping.FromOrg("v1", [.. Org.LeadStatuses, new LeadStatusRow("Renewal Desk", false, false)], Org.Stages);

        Assert.Equal(["Renewal Desk"], derived.UnmappedLeadStatuses.ToArray());
        Assert.False(derived.Mapping.MapLeadStatus("Renewal Desk").IsMapped);
    }
}

public sealed class StateMappingTests
{
    [Fact]
    public void MapStage_Unknown_ExplainsWithVersion()
    {
        var mapped = Org.Mapping("v3").MapStage("Pilot");

        Assert.False(mapped.IsMapped);
        Assert.Equal("unmapped StageName 'Pilot' in mapping v3", mapped.Explanation);
    }

    [Fact]
    public void MapLeadStatus_Unknown_ExplainsWithVersion() =>
        Assert.Equal("unmapped Lead Status 'Parked' in mapping v1", Org.Mapping().MapLeadStatus("Parked").Explanation);

    [Fact]
    public void MapStage_CaseInsensitive() => Assert.Equal(ReferralState.Won, Org.Mapping().MapStage("closed won").State);

    [Fact]
    public void Revise_AddsValuesUnderNewVersion_OldUnchanged()
    {
        var v1 = Org.Mapping();
        var v2 = v1.Revise("v2", opportunityStages: [KeyValuePair.Create("Pilot", ReferralState.Opportunity)]);

        Assert.Equal("v2", v2.Version);
        Assert.Equal(ReferralState.Opportunity, v2.MapStage("Pilot").State);
        Assert.Contains("mapping v2", v2.MapStage("Pilot").Explanation, StringComparison.Ordinal);
        Assert.False(v1.MapStage("Pilot").IsMapped);
        Assert.Equal(ReferralState.Won, v2.MapStage("Closed Won").State);
    }
}
