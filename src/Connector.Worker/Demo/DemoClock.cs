namespace Connector.Worker.Demo;

/// <summary>
/// The demo's clock: real time plus an offset the demo moves forward ("90 days pass"), shared by the emulated org and
/// the connector so both agree on what day it is. Durations (timers, timeouts, backoff) stay real: only the calendar jumps.
/// </summary>
public sealed class DemoClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
