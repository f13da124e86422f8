using Connector.Referrals.Processing;
using static Connector.Referrals.Tests.Support.Org;

namespace Connector.Referrals.Tests.Processing;

public sealed class DuplicateTests
{
    private static readonly ProgramConfig Config = Support.Org.Config();

    private static Referral First() => ReferralProcessor.Process(LeadCreated(), View(), Config).Referral!;

    [Fact]
    public void Process_SameRefereeEmailAgain_RegisteredAsDuplicateNamingTheOriginal()
    {
        var original = First();

        var result = ReferralProcessor.Process(LeadCreated(Lead2, T0.AddDays(3), email: " PAT@Example.com"), View(original), Config);

        var duplicate = result.Referral!;
        Assert.Equal(ReferralState.Duplicate, duplicate.State);
        Assert.Equal(original.Id, duplicate.DuplicateOfReferralId);
        var detected = result.OfType<DuplicateDetected>().Single();
        Assert.Equal((original.Id, duplicate.Id, DuplicateMatch.RefereeEmail), (detected.OriginalReferralId, detected.DuplicateReferralId, detected.MatchedOn));
        Assert.Contains($"already referred in {original.Id}", detected.Reason, StringComparison.Ordinal);
        Assert.Equal(RoutingAction.LeaveToOrgRules, result.OfType<RoutingDecision>().Single().Action);
    }

    [Fact]
    public void Process_SameEmailOutsideTheWindow_NotADuplicate()
    {
        var config = Config with { DuplicateWindow = TimeSpan.FromDays(365) };

        var result = ReferralProcessor.Process(LeadCreated(Lead2, T0.AddDays(400)), View(First()), config);

        Assert.Equal(ReferralState.Submitted, result.Referral!.State);
        Assert.Empty(result.OfType<DuplicateDetected>());
    }

    [Fact]
    public void Process_OriginalItselfADuplicate_NotUsedAsOriginal()
    {
        var dup = First() with { State = ReferralState.Duplicate, DuplicateOfReferralId = "ref-x" };

        Assert.Equal(ReferralState.Submitted, ReferralProcessor.Process(LeadCreated(Lead2, T0.AddDays(1)), View(dup), Config).Referral!.State);
    }

    [Fact]
    public void Process_SecondAdvocateSetOnReferredLead_DuplicateClaimOriginalKept()
    {
        var result = ReferralProcessor.Process(
            Updated(ChangeEntity.Lead, Lead1, T0.AddDays(1), "cdc:2", ("Advocate__c", "a00000000000002AAA")), View(First()), Config);

        var detected = result.OfType<DuplicateDetected>().Single();
        Assert.Equal((DuplicateMatch.LeadId, "a00000000000002AAA", (string?)null), (detected.MatchedOn, detected.ClaimingAdvocateId, detected.DuplicateReferralId));
        Assert.Equal(AdvocateId, result.Referral!.AdvocateId);
    }

    [Fact]
    public void Process_ChangeToADuplicateReferral_IgnoredNotQuarantined()
    {
        var dup = ReferralProcessor.Process(LeadCreated(Lead2, T0.AddDays(3)), View(First()), Config).Referral!;

        var result = ReferralProcessor.Process(Converted(T0.AddDays(4), "cdc:9", Lead2), View(dup), Config);

        Assert.Equal(IgnoreCode.DuplicateReferral, result.OfType<Ignored>().Single().Code);
    }
}

public sealed class RoutingTests
{
    private static RoutingDecision Route(ProgramConfig config, Advocate advocate, string leadOwner = Queue, params SalesRep[] reps)
    {
        var view = new LedgerView { Advocates = [advocate], Reps = reps.Length == 0 ? [new SalesRep(Rep, true), new SalesRep(InactiveRep, false)] : [.. reps] };
        return ReferralProcessor.Process(LeadCreated(owner: leadOwner), view, config).OfType<RoutingDecision>().Single();
    }

    [Fact]
    public void Route_ActiveOwner_AssignedToRep() =>
        Assert.Equal((RoutingAction.AssignToRep, Rep, "RT-OWNER"), Route(Support.Org.Config(), Advocate()) is var r ? (r.Action, r.OwnerId, r.RuleId) : default);

    [Fact]
    public void Route_LeadAlreadyWithTheRep_NothingToWrite()
    {
        var routing = Route(Support.Org.Config(), Advocate(), leadOwner: Rep);

        Assert.Equal(RoutingAction.AlreadyOwned, routing.Action);
        Assert.False(routing.ChangesOwner);
    }

    [Fact]
    public void Route_InactiveOwnerWithQueue_AssignedToQueue()
    {
        var config = Support.Org.Config() with { Routing = new RoutingSettings(FallbackQueueId: Queue) };

        var routing = Route(config, Advocate(owner: InactiveRep));

        Assert.Equal((RoutingAction.AssignToQueue, Queue), (routing.Action, routing.OwnerId));
        Assert.Contains("is inactive", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_InactiveOwnerWithoutQueue_LeftToOrgRules()
    {
        var routing = Route(Support.Org.Config(), Advocate(owner: InactiveRep));

        Assert.Equal((RoutingAction.LeaveToOrgRules, "RT-FALLBACK-ORG"), (routing.Action, routing.RuleId));
        Assert.Contains("the org's assignment rule stands", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_OwnerNotAKnownUser_FallsBack() =>
        Assert.Contains("is not a known user", Route(Support.Org.Config(), Advocate(owner: "005000000000009AAA")).Reason, StringComparison.Ordinal);

    [Fact]
    public void Route_AdvocateWithoutOwner_FallsBack() =>
        Assert.Contains("has no owning rep", Route(Support.Org.Config(), Advocate(owner: null)).Reason, StringComparison.Ordinal);

    [Fact]
    public void Route_LeadSubmittedBeforeRoutingStarted_KeepsItsOwner()
    {
        var config = Support.Org.Config() with { Routing = new RoutingSettings { OnlySubmittedFrom = Support.Org.T0.AddSeconds(1) } };

        var routing = Route(config, Advocate());

        Assert.Equal((RoutingAction.LeaveToOrgRules, "RT-HISTORY"), (routing.Action, routing.RuleId));
        Assert.Contains("before routing started", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Route_LeadSubmittedWhenRoutingStarted_IsRouted()
    {
        var config = Support.Org.Config() with { Routing = new RoutingSettings { OnlySubmittedFrom = Support.Org.T0 } };

        Assert.Equal(RoutingAction.AssignToRep, Route(config, Advocate()).Action);
    }

    [Fact]
    public void Route_RoutingOffForProgram_LeftToOrgRulesWithReason()
    {
        var routing = Route(Support.Org.Config() with { Routing = new RoutingSettings(Enabled: false) }, Advocate());

        Assert.Equal((RoutingAction.LeaveToOrgRules, "RT-OFF"), (routing.Action, routing.RuleId));
        Assert.Contains("switched off for program P1", routing.Reason, StringComparison.Ordinal);
    }
}
