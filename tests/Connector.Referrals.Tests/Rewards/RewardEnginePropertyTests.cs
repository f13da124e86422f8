using Connector.Referrals.Rewards;
using static Connector.Referrals.Tests.Rewards.RewardTestData;

namespace Connector.Referrals.Tests.Rewards;

/// <summary>
/// Seeded random lives of one referral (won → reversed → re-won, payouts, maturity dates crossed) checked against
/// the invariants and against an oracle that follows the rules in a few lines.
/// </summary>
public sealed class RewardEnginePropertyTests
{
    private const int Retention = 90;
    private const decimal AdvocateTotal = 100m;
    private const decimal WonStage = 25m;
    private const decimal RefereeTotal = 50m;

    private static readonly RewardRules Rules = MultiStageRules() with { Referee = new FlatReward(Usd(RefereeTotal)), ChoiceOptions = ["Gift card", "Check"] };

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 400; seed += 1)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Evaluate_EveryTransitionEvaluated_MatchesOracleAndKeepsInvariants(int seed) => Simulate(seed, evaluateProbability: 1.0);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Evaluate_SomeTransitionsNeverSeen_KeepsInvariants(int seed) => Simulate(seed, evaluateProbability: 0.4);

    private static void Simulate(int seed, double evaluateProbability)
    {
        var random = new Random(seed);
        var ledger = new TestLedger();
        var day = WonOn;
        var facts = NotWon();
        var firstWin = (DateOnly?)null;
        var winDates = new HashSet<DateOnly>();
        DateOnly? oracleLiveWon = null; // the won date of the cycle whose rewards stand, per the rules
        var trace = new List<string>();

        for (var step = 0; step < 40; step++)
        {
            switch (random.Next(4))
            {
                case 0 when !facts.Stands:
                    day = day.AddDays(1 + random.Next(60));
                    facts = Facts(day);
                    firstWin ??= day;
                    winDates.Add(day);
                    oracleLiveWon ??= day;
                    trace.Add($"won {day:yyyy-MM-dd}");
                    break;
                case 1 when facts.Stands:
                    day = day.AddDays(random.Next(130));
                    facts = facts with { Reversed = true, ReversalDate = day };
                    if (oracleLiveWon is { } live && day < live.AddDays(Retention))
                    {
                        oracleLiveWon = null;
                    }

                    trace.Add($"reversed {day:yyyy-MM-dd}");
                    break;
                case 2:
                    foreach (var entry in ledger.Outstanding().Where(_ => random.Next(2) == 0))
                    {
                        ledger.Paid.Add(entry.IdempotencyKey);
                    }

                    trace.Add("paid some");
                    break;
                default:
                    day = day.AddDays(random.Next(100));
                    trace.Add($"tick {day:yyyy-MM-dd}");
                    break;
            }

            if (random.NextDouble() >= evaluateProbability)
            {
                continue;
            }

            var context = $"seed {seed}: {string.Join(", ", trace)}";
            var paidBefore = ledger.Paid.ToHashSet();
            var result = ledger.Evaluate(facts, Rules, day);
            CheckNewEntries(result.NewEntries, paidBefore, day, firstWin, winDates, context);
            Assert.True(ledger.Evaluate(facts, Rules, day).NewEntries.Count == 0, $"second evaluation added entries; {context}");
            CheckLedger(ledger, context);
            if (evaluateProbability >= 1.0)
            {
                CheckOracle(ledger, oracleLiveWon, day, context);
            }
        }
    }

    private static void CheckNewEntries(IReadOnlyList<RewardEntry> entries, HashSet<string> paidBefore, DateOnly today, DateOnly? firstWin, HashSet<DateOnly> winDates, string context)
    {
        foreach (var entry in entries)
        {
            Assert.True(firstWin is not null && entry.EffectiveDate >= firstWin, $"{entry.IdempotencyKey} before any win; {context}");
            Assert.True(winDates.Contains(entry.WonDate), $"{entry.IdempotencyKey} names a win that never happened; {context}");
            Assert.True(entry.EffectiveDate >= entry.WonDate, $"{entry.IdempotencyKey} dated before its win; {context}");
            switch (entry.Kind)
            {
                case RewardEntryKind.Matured:
                    Assert.True(entry.EffectiveDate <= today, $"{entry.IdempotencyKey} matured early; {context}");
                    Assert.Equal(entry.WonDate.AddDays(Retention), entry.EffectiveDate);
                    break;
                case RewardEntryKind.Clawback:
                    Assert.True(paidBefore.Contains(entry.RelatedEntryKey!), $"{entry.IdempotencyKey} claws back an unpaid entry; {context}");
                    break;
                case RewardEntryKind.Cancelled:
                    Assert.False(paidBefore.Contains(entry.RelatedEntryKey!), $"{entry.IdempotencyKey} cancels a paid entry; {context}");
                    break;
            }
        }
    }

    private static void CheckLedger(TestLedger ledger, string context)
    {
        Assert.Equal(ledger.Entries.Count, ledger.Entries.Select(e => e.IdempotencyKey).Distinct().Count());
        Assert.All(ledger.Entries.Where(e => e.IsVoid), v => Assert.Single(ledger.Entries, e => e.IdempotencyKey == v.RelatedEntryKey));
        Assert.All(ledger.Entries.Where(e => e.Kind == RewardEntryKind.Clawback), c => Assert.Contains(c.RelatedEntryKey!, ledger.Paid));
        foreach (var (beneficiary, max) in new[] { (RewardBeneficiary.Advocate, AdvocateTotal), (RewardBeneficiary.Referee, RefereeTotal) })
        {
            var balance = ledger.BalanceOf(beneficiary);
            Assert.True(balance.NetEarned >= 0 && balance.NetEarned + balance.Scheduled <= max, $"{beneficiary} net {balance}; {context}");
            Assert.True(balance.Paid + balance.ClawedBack <= max, $"{beneficiary} paid twice {balance}; {context}");
        }
    }

    private static void CheckOracle(TestLedger ledger, DateOnly? liveWon, DateOnly today, string context)
    {
        var advocate = ledger.BalanceOf(RewardBeneficiary.Advocate);
        var referee = ledger.BalanceOf(RewardBeneficiary.Referee);
        var matured = liveWon is { } won && today >= won.AddDays(Retention);
        var expectedAdvocate = liveWon is null ? 0m : matured ? AdvocateTotal : WonStage;
        var expectedScheduled = liveWon is null || matured ? 0m : AdvocateTotal - WonStage;

        Assert.True(advocate.NetEarned == expectedAdvocate, $"advocate net {advocate.NetEarned}, oracle {expectedAdvocate}; {context}");
        Assert.True(advocate.Scheduled == expectedScheduled, $"advocate scheduled {advocate.Scheduled}, oracle {expectedScheduled}; {context}");
        Assert.True(referee.NetEarned == (liveWon is null ? 0m : RefereeTotal), $"referee net {referee.NetEarned}; {context}");
    }
}
