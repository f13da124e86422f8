namespace Connector.SalesforceEmulator.Auth;

/// <summary>Connected-app settings beyond the client credentials (section "Emulator:OAuth").</summary>
public sealed class OAuthOptions
{
    public const string SectionName = "Emulator:OAuth";

    /// <summary>
    /// The connected app's callback URLs. Empty accepts any absolute http(s) redirect_uri, which suits a
    /// development org whose clients pick loopback ports at random.
    /// </summary>
    public List<string> CallbackUrls { get; set; } = [];

    /// <summary>Salesforce authorization codes are valid for 15 minutes.</summary>
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(15);
}
