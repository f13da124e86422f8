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
}
