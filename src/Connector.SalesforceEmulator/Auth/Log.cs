namespace Connector.SalesforceEmulator.Auth;

/// <summary>Login-host events. Parameters are grant types, user ids and OAuth error codes, never tokens, secrets or assertions.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Issued an access token ({Grant} grant) for user {UserId}")]
    public static partial void TokenIssued(this ILogger logger, string grant, string userId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Token request ({Grant} grant) rejected: {Error} ({Description})")]
    public static partial void TokenRejected(this ILogger logger, string grant, string error, string description);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Revoked a {Kind} token")]
    public static partial void TokenRevoked(this ILogger logger, string kind);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Issued an authorization code for user {UserId}")]
    public static partial void CodeIssued(this ILogger logger, string userId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Login form rejected for the authorization request of client {ClientId}")]
    public static partial void LoginRejected(this ILogger logger, string clientId);
}
