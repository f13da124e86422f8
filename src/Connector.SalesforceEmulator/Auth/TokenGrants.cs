using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Seeding;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>The grant types of <c>POST /services/oauth2/token</c> (fact sheet §1.2–§1.5).</summary>
internal sealed class TokenGrants
{
    public const string JwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    private static readonly OAuthError InvalidClientId = new("invalid_client_id", "client identifier invalid");
    private static readonly OAuthError InvalidClient = new("invalid_client", "invalid client credentials");
    private static readonly OAuthError ExpiredRefreshToken = OAuthError.InvalidGrant("expired access/refresh token");

    private readonly TokenStore _tokens;
    private readonly OrgUsers _users;
    private readonly OrgBootstrap _org;
    private readonly ConnectedApp _app;
    private readonly JwtBearerAssertion _jwt;
    private readonly AuthorizationCodes _codes;
    private readonly EmulatorOptions _options;
    private readonly ILogger<TokenGrants> _logger;

    public TokenGrants(TokenStore tokens, OrgUsers users, OrgBootstrap org, ConnectedApp app, JwtBearerAssertion jwt,
        AuthorizationCodes codes, IOptions<EmulatorOptions> options, ILogger<TokenGrants> logger)
    {
        _tokens = tokens;
        _users = users;
        _org = org;
        _app = app;
        _jwt = jwt;
        _codes = codes;
        _options = options.Value;
        _logger = logger;
    }

    public IResult Grant(HttpContext http, IFormCollection form)
    {
        var grant = form["grant_type"].ToString();
        var (result, userId, error) = grant switch
        {
            "password" => Password(http, form),
            "client_credentials" => ClientCredentials(http, form),
            JwtBearer => Jwt(http, form),
            "refresh_token" => Refresh(http, form),
            "authorization_code" => AuthorizationCode(http, form),
            _ => (null, null, new OAuthError("unsupported_grant_type", "grant type not supported")),
        };

        var name = grant == JwtBearer ? "jwt-bearer" : grant.Length > 40 ? "(unknown)" : grant;
        if (error is not null)
        {
            _logger.TokenRejected(name, error.Error, error.Description);
            return OAuthEndpoints.Error(error.Error, error.Description);
        }

        _logger.TokenIssued(name, userId!);
        return result!;
    }

    private (IResult?, string?, OAuthError?) Password(HttpContext http, IFormCollection form)
    {
        var (clientId, secret) = ConnectedApp.ReadClient(http.Request, form);
        if (!_app.IsClientId(clientId))
        {
            return Fail(InvalidClientId);
        }

        if (!_app.IsSecret(secret))
        {
            return Fail(InvalidClient);
        }

        var user = _users.FindByUsername(form["username"]);
        if (user is null || !user.CanLogIn || !_users.CheckPassword(form["password"]))
        {
            return Fail(OAuthError.InvalidGrant("authentication failure"));
        }

        if (!user.IsActive)
        {
            return Fail(OAuthError.InvalidGrant("inactive user"));
        }

        var session = _tokens.IssueAccessToken(user.Id, user.Username, _app.ClientId);
        return (OAuthEndpoints.Success(http, session, _options, refreshToken: null), user.Id, null);
    }

    private (IResult?, string?, OAuthError?) ClientCredentials(HttpContext http, IFormCollection form)
    {
        var (clientId, secret) = ConnectedApp.ReadClient(http.Request, form);
        if (!_app.IsClientId(clientId))
        {
            return Fail(InvalidClientId);
        }

        if (!_app.IsSecret(secret))
        {
            return Fail(InvalidClient);
        }

        // The connected app's "Run As" user is the integration user; no refresh token in this flow.
        var session = _tokens.IssueAccessToken(_org.IntegrationUserId, _options.Username, _app.ClientId);
        return (OAuthEndpoints.Success(http, session, _options, refreshToken: null), session.UserId, null);
    }

    private (IResult?, string?, OAuthError?) Jwt(HttpContext http, IFormCollection form)
    {
        var (username, error) = _jwt.Verify(ConnectedApp.NullIfEmpty(form["assertion"]), OAuthEndpoints.BaseUrl(http));
        if (error is not null)
        {
            return Fail(error);
        }

        // Unknown users and users the app is not approved for get the same answer on a real org.
        var user = _users.FindByUsername(username);
        if (user is null || !user.CanLogIn)
        {
            return Fail(OAuthError.InvalidGrant("user hasn't approved this consumer"));
        }

        if (!user.IsActive)
        {
            return Fail(OAuthError.InvalidGrant("inactive user"));
        }

        var session = _tokens.IssueAccessToken(user.Id, user.Username, _app.ClientId);
        return (OAuthEndpoints.TokenResponse(http, session, _options.ClientSecret, refreshToken: null, "api", signed: false), user.Id, null);
    }

    private (IResult?, string?, OAuthError?) Refresh(HttpContext http, IFormCollection form)
    {
        var (clientId, secret) = ConnectedApp.ReadClient(http.Request, form);
        if (!_app.IsClientId(clientId))
        {
            return Fail(InvalidClientId);
        }

        // The secret is optional (public clients refresh without one) but must be right when sent.
        if (secret is not null && !_app.IsSecret(secret))
        {
            return Fail(InvalidClient);
        }

        var refreshToken = ConnectedApp.NullIfEmpty(form["refresh_token"]);
        var grant = _tokens.FindRefreshToken(refreshToken);
        if (grant is null || grant.ClientId != clientId || _users.FindById(grant.UserId) is not { IsActive: true })
        {
            return Fail(ExpiredRefreshToken);
        }

        string? rotated = null;
        if (_options.RotateRefreshTokens)
        {
            rotated = _tokens.RotateRefreshToken(refreshToken!);
            if (rotated is null)
            {
                // Lost a race with another refresh or a revoke of the same token.
                return Fail(ExpiredRefreshToken);
            }
        }

        var session = _tokens.IssueAccessToken(grant.UserId, grant.Username, grant.ClientId, fromRefreshToken: rotated ?? refreshToken);
        return (OAuthEndpoints.Success(http, session, _options, rotated, grant.Scope), grant.UserId, null);
    }

    private (IResult?, string?, OAuthError?) AuthorizationCode(HttpContext http, IFormCollection form)
    {
        var (clientId, secret) = ConnectedApp.ReadClient(http.Request, form);
        if (!_app.IsClientId(clientId))
        {
            return Fail(InvalidClientId);
        }

        if (secret is not null && !_app.IsSecret(secret))
        {
            return Fail(InvalidClient);
        }

        switch (_codes.Redeem(ConnectedApp.NullIfEmpty(form["code"]), out var grant))
        {
            case CodeRedemption.Unknown:
                return Fail(OAuthError.InvalidGrant("invalid authorization code"));
            case CodeRedemption.ExpiredOrUsed:
                return Fail(OAuthError.InvalidGrant("expired authorization code"));
        }

        if (grant!.ClientId != clientId)
        {
            return Fail(OAuthError.InvalidGrant("invalid authorization code"));
        }

        if (!string.Equals(form["redirect_uri"], grant.RedirectUri, StringComparison.Ordinal))
        {
            return Fail(new OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration"));
        }

        if (grant.CodeChallenge is not null)
        {
            if (!grant.VerifierMatches(form["code_verifier"]))
            {
                return Fail(OAuthError.InvalidGrant("invalid code verifier"));
            }
        }
        else if (secret is null)
        {
            // Without PKCE the web-server flow needs the consumer secret ("Require Secret for Web Server Flow").
            return Fail(InvalidClient);
        }

        var refreshToken = ConnectedApp.IncludesRefreshToken(grant.Scope)
            ? _tokens.IssueRefreshToken(grant.UserId, grant.Username, grant.ClientId, grant.Scope)
            : null;
        var session = _tokens.IssueAccessToken(grant.UserId, grant.Username, grant.ClientId, fromRefreshToken: refreshToken);
        return (OAuthEndpoints.Success(http, session, _options, refreshToken, grant.Scope), grant.UserId, null);
    }

    private static (IResult?, string?, OAuthError?) Fail(OAuthError error) => (null, null, error);
}
