namespace Connector.Worker.Tests.Support;

/// <summary>
/// How the connector reaches an emulated org in tests: the emulator's development connected app and integration user,
/// JWT bearer with its public development key, and streaming retries fast enough for tests.
/// </summary>
internal static class EmulatorConnection
{
    public static readonly string DevKey = Path.Combine(AppContext.BaseDirectory, "Dev", "jwt-signing-key.DEVELOPMENT-ONLY.pem");

    /// <summary>The "Salesforce" settings for the org at <paramref name="org"/>; callers add their own keys to the copy.</summary>
    public static Dictionary<string, string?> Settings(Uri org) => new()
    {
        ["Salesforce:LoginUrl"] = org.ToString(),
        ["Salesforce:ClientId"] = "emulator-client",
        ["Salesforce:Username"] = "integration@emulator.local",
        ["Salesforce:PrivateKeyFile"] = DevKey,
        ["Salesforce:ApiVersion"] = "62.0",
        ["Salesforce:Streaming:InitialBackoff"] = "00:00:00.050",
        ["Salesforce:Streaming:MaxBackoff"] = "00:00:00.500",
    };

    /// <summary>
    /// The connector as the end-to-end tests run it: the org's connection, a fast outbox and re-read cadence, the reward
    /// program the assertions expect (10% revenue share, 25% on the win, the rest after 90 days), quiet logs, a free port.
    /// </summary>
    public static Dictionary<string, string?> ConnectorSettings(Uri org) => new(Settings(org))
    {
        ["Worker:Outbox:Linger"] = "00:00:00.050",
        ["Worker:Outbox:PollInterval"] = "00:00:00.050",
        ["Worker:Sync:ResyncInterval"] = "00:00:00.300",
        ["Worker:Rewards:Formula"] = "RevenueShare",
        ["Worker:Rewards:Percent"] = "10",
        ["Worker:Rewards:WonPercent"] = "25",
        ["Worker:Rewards:RetentionDays"] = "90",
        ["urls"] = "http://127.0.0.1:0",
        ["Logging:LogLevel:Default"] = "Warning",
    };
}
