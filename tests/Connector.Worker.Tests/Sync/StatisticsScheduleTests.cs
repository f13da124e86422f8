using Connector.Worker.Sync;

namespace Connector.Worker.Tests.Sync;

public sealed class StatisticsScheduleTests
{
    [Fact]
    public void Due_AsRecordsAccumulate_FirstAtTheStartThenEachTimeTheyDouble()
    {
        var sut = new StatisticsSchedule(first: 5_000);
        var applied = Enumerable.Range(1, 500).Select(batch => batch * 2_000L);

        var due = applied.Where(sut.Due).ToList();

        Assert.Equal([6_000L, 10_000L, 20_000L, 40_000L, 80_000L, 160_000L, 320_000L, 640_000L], due);
    }

    [Fact]
    public void Due_OneBatchJumpsPastSeveralDoublings_DueOnceThenNotUntilTwiceThat()
    {
        var sut = new StatisticsSchedule(first: 5_000);

        Assert.False(sut.Due(4_999));
        Assert.True(sut.Due(50_000));
        Assert.False(sut.Due(79_999));
        Assert.True(sut.Due(80_000));
    }
}
