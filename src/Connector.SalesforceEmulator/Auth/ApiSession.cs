namespace Connector.SalesforceEmulator.Auth;

/// <summary>An authenticated API caller: who, through which connected app, and since when.</summary>
public sealed record ApiSession(string AccessToken, string UserId, string Username, string ClientId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
{
    public const string HttpContextKey = "sf.session";
}
