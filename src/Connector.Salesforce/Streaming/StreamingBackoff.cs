namespace Connector.Salesforce.Streaming;

/// <summary>
/// Jittered exponential backoff: attempt n waits between half and all of min(max, initial·2^(n-1)), so a fleet
/// of clients cut off together does not come back in lockstep, yet a single client never waits less than half.
/// </summary>
public static class StreamingBackoff
{
    /// <param name="attempt">1 for the first retry.</param>
    /// <param name="jitter">A value in [0, 1) (Random.Shared.NextDouble() in production).</param>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, double jitter)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling / 2 + ceiling / 2 * Math.Clamp(jitter, 0, 1));
    }
}
