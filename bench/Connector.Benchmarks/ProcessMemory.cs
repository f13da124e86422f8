using System.Diagnostics;

namespace Connector.Benchmarks;

/// <summary>How much memory the benchmark process holds: the managed heap after a full compacting collection, and the working set.</summary>
internal static class ProcessMemory
{
    public static long ManagedHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
