using System.Net;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Auth;

[Collection(EmulatorCollection.Name)]
public sealed class RevokeTests
{
    private readonly EmulatorServer _server;

    public RevokeTests(EmulatorFixture fixture) => _server = fixture.Server;

    private async Task<HttpResponseMessage> RevokeAsync(string? token)
    {
        using var http = OAuthClient.NewClient(_server);
        var form = token is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["token"] = token };
        return await http.PostAsync("/services/oauth2/revoke", new FormUrlEncodedContent(form));
    }

    [Fact]
    public async Task Revoke_AccessToken_200EmptyAndTheSessionEnds()
    {
        var token = (await OAuthClient.PostTokenAsync(_server, OAuthClient.ClientCredentials(_server))).Str("access_token");
        Assert.NotEqual(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, token));

        using var response = await RevokeAsync(token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, token));
    }

    [Fact]
    public async Task Revoke_RefreshToken_AlsoEndsTheAccessTokensIssuedFromIt()
    {
        var login = await RefreshTokenTests.WebServerLoginAsync(_server);
        var refreshed = await OAuthClient.PostTokenAsync(_server, OAuthClient.RefreshForm(_server, login.Str("refresh_token")));
        var unrelated = (await OAuthClient.PostTokenAsync(_server, OAuthClient.ClientCredentials(_server))).Str("access_token");

        using var response = await RevokeAsync(login.Str("refresh_token"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, login.Str("access_token")));
        Assert.Equal(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, refreshed.Str("access_token")));
        Assert.NotEqual(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, unrelated));
    }

    [Fact]
    public async Task Revoke_GetWithTokenInTheQuery_Revokes()
    {
        var token = (await OAuthClient.PostTokenAsync(_server, OAuthClient.ClientCredentials(_server))).Str("access_token");
        using var http = OAuthClient.NewClient(_server);

        using var response = await http.GetAsync("/services/oauth2/revoke?token=" + Uri.EscapeDataString(token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, token));
    }

    [Fact]
    public async Task Revoke_UnknownOrAlreadyRevokedToken_400InvalidToken()
    {
        var reply = await TokenReply.ReadAsync(await RevokeAsync("00Dxx0000000001!AQ0AQnotAToken"));

        reply.AssertError("invalid_token", "invalid token");
    }

    [Fact]
    public async Task Revoke_NoToken_400UnsupportedTokenType()
    {
        var reply = await TokenReply.ReadAsync(await RevokeAsync(null));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("unsupported_token_type", reply.Str("error"));
    }
}
