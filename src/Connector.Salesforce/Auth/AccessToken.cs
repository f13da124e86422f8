namespace Connector.Salesforce.Auth;

/// <summary>A session: the bearer token and the instance it is valid for. ToString never shows the token.</summary>
public sealed record AccessToken(string Value, Uri InstanceUrl, string IdentityUrl, DateTimeOffset IssuedAt)
{
    /// <summary>Org id (00D…) from the identity URL ".../id/{orgId}/{userId}".</summary>
    public string OrgId => IdentityUrl.TrimEnd('/').Split('/')[^2];

    public string UserId => IdentityUrl.TrimEnd('/').Split('/')[^1];

    public override string ToString() => $"AccessToken(instance {InstanceUrl}, org {OrgId}, user {UserId})";
}

/// <summary>Obtains a new session from the login host (one grant type per implementation).</summary>
public interface ITokenSource
{
    Task<AccessToken> RequestTokenAsync(CancellationToken cancellationToken);
}
