using Connector.Referrals.Benchmarks;

namespace Connector.Referrals.Tests.Benchmarks;

public sealed class ProgramBenchmarksTests
{
    private static readonly Period Year = new(new DateOnly(2025, 1, 1), new DateOnly(2025, 12, 31));
    private static int _next;

    private static Advocate Advocate(string id, DateOnly? enrolled, AdvocateStatus status = AdvocateStatus.Active) =>
        new(id, null, null, null, status, null, enrolled);

    private static Referral Referral(string advocate, ReferralMethod? method, ReferralState state, DateTimeOffset? at = null)
    {
        var n = Interlocked.Increment(ref _next);
        return new Referral
        {
            Id = $"ref-{n}", AdvocateId = advocate, LeadId = $"lead-{n}", Referee = new Referee(null, null, null, null),
            Method = method, State = state, SubmittedAt = at ?? new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero),
        };
    }

    // Hand-computed dataset: A1 a social blaster (11 referrals, 1 won), A2 verbal and good (2 of 2 won), A3 one lost email
    // referral (plus a duplicate that does not count), A4/A5 enrolled and silent, A6 only invited, A7 enrolled after the
    // period, one A2 referral before the period.
    private static ProgramBenchmarks Compute()
    {
        Advocate[] advocates =
        [
            Advocate("A1", new DateOnly(2024, 5, 1)), Advocate("A2", new DateOnly(2024, 5, 1)), Advocate("A3", new DateOnly(2025, 2, 1)),
            Advocate("A4", new DateOnly(2024, 1, 1), AdvocateStatus.Inactive), Advocate("A5", new DateOnly(2025, 12, 31)),
            Advocate("A6", null, AdvocateStatus.Invited), Advocate("A7", new DateOnly(2026, 1, 2)),
        ];
        var referrals = Enumerable.Range(0, 10).Select(_ => Referral("A1", ReferralMethod.Social, ReferralState.Lost))
            .Append(Referral("A1", ReferralMethod.Social, ReferralState.Won))
            .Append(Referral("A2", ReferralMethod.Verbal, ReferralState.Won))
            .Append(Referral("A2", ReferralMethod.Verbal, ReferralState.Won, new DateTimeOffset(2025, 12, 31, 23, 59, 0, TimeSpan.Zero)))
            .Append(Referral("A2", ReferralMethod.Verbal, ReferralState.Won, new DateTimeOffset(2024, 12, 31, 23, 59, 0, TimeSpan.Zero)))
            .Append(Referral("A3", ReferralMethod.Email, ReferralState.Lost))
            .Append(Referral("A3", ReferralMethod.Email, ReferralState.Duplicate))
            .ToList();
        RewardTotal[] rewards =
        [
            new("A1", "r1", new Money(100m, "USD")), new("A2", "r2", new Money(100m, "USD")), new("A2", "r3", new Money(133.33m, "USD")),
            new("A2", "r4", new Money(50m, "EUR")),
        ];
        return ProgramBenchmarks.Compute(Year, advocates, referrals, rewards);
    }

    [Fact]
    public void Compute_Activity_EnrolledActiveAndRate()
    {
        var b = Compute();

        Assert.Equal((5, 3, 0.6m), (b.EnrolledAdvocates, b.ActiveAdvocates, b.ActiveAdvocateRate));
        Assert.Equal(14, b.Referrals);
        Assert.Equal(14m / 3, b.ReferralsPerActiveAdvocate);
        Assert.Equal(2.8m, b.ReferralsPerEnrolledAdvocate);
    }

    [Fact]
    public void Compute_Distribution_OneTwoToTenElevenPlus()
    {
        var d = Compute().Distribution;

        Assert.Equal((1, 1, 1), (d.OneReferral, d.TwoToTen, d.ElevenPlus));
        Assert.Equal(1m / 3, d.OneShare);
    }

    [Fact]
    public void Compute_Conversion_OverallAndByMethod()
    {
        var b = Compute();

        Assert.Equal(new ConversionRate(14, 3, 3m / 14), b.Conversion);
        Assert.Equal(new ConversionRate(11, 1, 1m / 11), b.ConversionByMethod[ReferralMethod.Social]);
        Assert.Equal(new ConversionRate(2, 2, 1m), b.ConversionByMethod[ReferralMethod.Verbal]);
        Assert.Equal(new ConversionRate(1, 0, 0m), b.ConversionByMethod[ReferralMethod.Email]);
        Assert.False(b.ConversionByMethod.ContainsKey(ReferralMethod.PrintCard));
    }

    [Fact]
    public void Compute_TopAdvocates_ShareOfReferralsAndWins()
    {
        var b = Compute();

        Assert.Equal(new TopAdvocates(0.01m, 1, 11, 1, 11m / 14, 1m / 3), b.Top1Percent);
        Assert.Equal(1, b.Top10Percent.Advocates);
    }

    [Fact]
    public void Compute_TopTenPercentOfTwenty_IsTwoAdvocatesTiesById()
    {
        var referrals = Enumerable.Range(0, 20).SelectMany(i =>
            Enumerable.Range(0, i < 3 ? 5 : 1).Select(_ => Referral($"B{i:00}", ReferralMethod.Email, i == 0 ? ReferralState.Won : ReferralState.Submitted)))
            .ToList();

        var top = ProgramBenchmarks.Compute(Year, [], referrals, []).Top10Percent;

        Assert.Equal((2, 10, 5), (top.Advocates, top.Referrals, top.Won));
        Assert.Equal(10m / 32, top.ReferralShare);
        Assert.Equal(1m, top.WonShare);
    }

    [Fact]
    public void Compute_AverageReward_PerCurrencyRounded()
    {
        var averages = Compute().AverageRewardByCurrency;

        Assert.Equal(new Money(111.11m, "USD"), averages["USD"]);
        Assert.Equal(new Money(50m, "EUR"), averages["EUR"]);
    }

    [Fact]
    public void Compute_EmptyProgram_ZeroRatesNoDivision()
    {
        var b = ProgramBenchmarks.Compute(Year, [], [], []);

        Assert.Equal((0, 0m, 0m, 0), (b.ActiveAdvocates, b.ActiveAdvocateRate, b.Conversion.Rate, b.Top1Percent.Advocates));
        Assert.Empty(b.AverageRewardByCurrency);
    }
}
