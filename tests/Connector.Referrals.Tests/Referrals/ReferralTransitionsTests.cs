using static Connector.Referrals.ReferralState;

namespace Connector.Referrals.Tests.Referrals;

public sealed class ReferralTransitionsTests
{
    // The intended table, written out independently of the implementation: from → allowed targets.
    private static readonly Dictionary<ReferralState, ReferralState[]> Expected = new()
    {
        [Submitted] = [Working, Qualified, Opportunity, Disqualified, Duplicate],
        [Working] = [Submitted, Qualified, Opportunity, Disqualified, Duplicate],
        [Qualified] = [Submitted, Working, Opportunity, Disqualified, Duplicate],
        [Opportunity] = [Won, Lost, Disqualified, Duplicate],
        [Won] = [Opportunity, Lost],
        [Lost] = [Opportunity, Working, Won],
        [Disqualified] = [Submitted, Working, Qualified, Opportunity],
        [Duplicate] = [],
    };

    public static TheoryData<ReferralState, ReferralState> AllPairs()
    {
        var data = new TheoryData<ReferralState, ReferralState>();
        foreach (var from in Enum.GetValues<ReferralState>())
        {
            foreach (var to in Enum.GetValues<ReferralState>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Check_EveryPair_MatchesTheTable(ReferralState from, ReferralState to)
    {
        var check = ReferralTransitions.Check(from, to);

        Assert.Equal(Expected[from].Contains(to), check.IsAllowed);
        if (check.IsAllowed)
        {
            Assert.Null(check.IllegalReason);
            Assert.Equal(from, check.Rule!.From);
            Assert.Equal(to, check.Rule.To);
        }
        else
        {
            Assert.Contains($"{from} → {to}", check.IllegalReason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(Won, Opportunity, TransitionKind.Reversal)]
    [InlineData(Won, Lost, TransitionKind.Reversal)]
    [InlineData(Lost, Opportunity, TransitionKind.Reopen)]
    [InlineData(Lost, Working, TransitionKind.Reopen)]
    [InlineData(Opportunity, Won, TransitionKind.Close)]
    [InlineData(Working, Submitted, TransitionKind.Correction)]
    [InlineData(Submitted, Duplicate, TransitionKind.Disqualify)]
    public void Check_ReversalAndReopen_NamedForRewards(ReferralState from, ReferralState to, TransitionKind kind) =>
        Assert.Equal(kind, ReferralTransitions.Check(from, to).Rule!.Kind);

    [Fact]
    public void Check_IllegalFromWon_ListsAllowedTargets() =>
        Assert.Equal("illegal transition Won → Submitted: allowed from Won are Opportunity, Lost", ReferralTransitions.Check(Won, Submitted).IllegalReason);

    [Fact]
    public void Check_FromDuplicate_SaysTerminal() =>
        Assert.Contains("Duplicate is terminal", ReferralTransitions.Check(Duplicate, Working).IllegalReason, StringComparison.Ordinal);

    [Fact]
    public void MoveTo_RecordsHistoryAndWinTime()
    {
        var referral = new Referral
        {
            Id = "ref-1", AdvocateId = "a", LeadId = "l", Referee = new Referee(null, null, null, null),
            State = Opportunity, SubmittedAt = DateTimeOffset.UnixEpoch,
        };
        var at = DateTimeOffset.UnixEpoch.AddDays(3);

        var won = referral.MoveTo(Won, at, "T-WIN", "deal won", "v1", "cdc:9");
        var reversed = won.MoveTo(Lost, at.AddDays(1), "T-REVERSE", "reversed", "v1", "cdc:10");

        Assert.Equal(at, won.WonAt);
        Assert.Null(reversed.WonAt);
        Assert.Equal([(Opportunity, Won), (Won, Lost)], reversed.History.Select(h => (h.From!.Value, h.To)));
        Assert.Equal(Opportunity, referral.State);
    }
}
