using System.Collections.Concurrent;

namespace Connector.Testing;

/// <summary>
/// Real wall-clock time, but timers up to <see cref="Threshold"/> fire <see cref="Divisor"/> times sooner; every
/// timer's requested due time is recorded. Lets a test check a backoff schedule of seconds in milliseconds.
/// </summary>
public sealed class ScaledTimeProvider(int divisor, TimeSpan threshold) : TimeProvider
{
    public int Divisor { get; } = divisor;
    public TimeSpan Threshold { get; } = threshold;
    public ConcurrentQueue<TimeSpan> RequestedDelays { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        RequestedDelays.Enqueue(dueTime);
        var scaled = dueTime > TimeSpan.Zero && dueTime <= Threshold ? dueTime / Divisor : dueTime;
        return System.CreateTimer(callback, state, scaled, period);
    }
}
