namespace Connector.SalesforceEmulator.Streaming;

/// <summary>
/// Streaming knobs that Salesforce does not expose (section "Emulator:Streaming"). Retention periods and the
/// long-poll timings live in <see cref="Hosting.EmulatorOptions"/> because they are documented Salesforce values.
/// </summary>
public sealed class StreamingOptions
{
    public const string SectionName = "Emulator:Streaming";

    /// <summary>
    /// Events kept per stream (the CDC stream, each platform event, each PushTopic) before the oldest are
    /// dropped early, whatever their age: bounds memory when millions of records change inside the window.
    /// </summary>
    public int MaxRetainedEventsPerStream { get; set; } = 1_000_000;

    /// <summary>Events put into one /meta/connect reply; the rest wait for the next connect (Salesforce batches too).</summary>
    public int MaxEventsPerConnect { get; set; } = 1_000;
}
