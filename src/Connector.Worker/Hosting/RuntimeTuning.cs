namespace Connector.Worker.Hosting;

/// <summary>
/// Runtime settings the connector is deployed with. The GC reads them from the environment before any of our code
/// runs (runtimeconfig.json does not carry this one), so the deploy files, the demo script and the backfill benchmark
/// set them; they take the value from here, and a test holds them to it.
/// </summary>
public static class RuntimeTuning
{
    /// <summary>The environment variable that sets the GC's first-generation budget.</summary>
    public const string Gen0SizeVariable = "DOTNET_GCgen0size";

    /// <summary>
    /// 24 MB (hexadecimal, as the runtime reads it). With background GC the runtime caps the budget at 6 MB: a backfill
    /// batch's objects, which live some tens of milliseconds, outlast two collections and reach the second generation,
    /// and a 1,000,000-lead backfill ran 357 full collections. With 24 MB they die young: 27–29 full collections, 20–27%
    /// more records/s, for 20–30 MB more resident memory. 16 MB was too small (still tens of full collections) and
    /// larger budgets cost memory with no further gain (measured: deploy/RUNBOOK.md).
    /// </summary>
    public const string Gen0SizeValue = "0x1800000";

    /// <summary>Whether this process was started with a first-generation budget of its own.</summary>
    public static bool Gen0SizeConfigured =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Gen0SizeVariable)) ||
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("COMPlus_GCgen0size"));
}
