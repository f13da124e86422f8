namespace Connector.Testing;

/// <summary>Waits on a condition with a deadline instead of sleeping and hoping.</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Waits for an asynchronous condition (a ledger read, an HTTP probe), polling every 20 ms until the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!await condition().ConfigureAwait(false))
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }
}
