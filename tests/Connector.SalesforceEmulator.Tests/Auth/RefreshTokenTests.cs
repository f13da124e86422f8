using System.Net;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Auth;

[Collection(EmulatorCollection.Name)]
public sealed class RefreshTokenTests
{
    private readonly EmulatorServer _server;

    public RefreshTokenTests(EmulatorFixture fixture) => _server = fixture.Server;

    internal static async Task<TokenReply> WebServerLoginAsync(EmulatorServer server, string scope = "api refresh_token")
    {
        var code = await OAuthClient.AuthorizeAsync(server, OAuthClient.AuthorizeParameters(server, scope: scope));
        var reply = await OAuthClient.PostTokenAsync(server, OAuthClient.CodeExchange(server, code));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply;
    }

    [Fact]
    public async Task Refresh_ValidToken_KeysInTheOrderOfTheRealCaptureAndNoNewRefreshToken()
    {
        var login = await WebServerLoginAsync(_server);

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.RefreshForm(_server, login.Str("refresh_token")));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(OAuthClient.FixtureKeys("token_refresh_flow_masked_capture_cloudsfdc_blog.json"), reply.Keys);
        Assert.Equal("api refresh_token", reply.Str("scope"));
        Assert.Equal(login.Str("id"), reply.Str("id"));
        Assert.NotEqual(login.Str("access_token"), reply.Str("access_token"));
        Assert.NotEqual(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, reply.Str("access_token")));
    }

    [Fact]
    public async Task Refresh_WithoutRotation_SameRefreshTokenWorksAgain()
    {
        var login = await WebServerLoginAsync(_server);

        var first = await OAuthClient.PostTokenAsync(_server, OAuthClient.RefreshForm(_server, login.Str("refresh_token")));
        var second = await OAuthClient.PostTokenAsync(_server, OAuthClient.RefreshForm(_server, login.Str("refresh_token")));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
    }

    [Fact]
    public async Task Refresh_WithoutSecret_Succeeds()
    {
        var login = await WebServerLoginAsync(_server);
        var form = OAuthClient.RefreshForm(_server, login.Str("refresh_token"));
        form.Remove("client_secret");

        var reply = await OAuthClient.PostTokenAsync(_server, form);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Refresh_WrongSecret_InvalidClient()
    {
        var login = await WebServerLoginAsync(_server);
        var form = OAuthClient.RefreshForm(_server, login.Str("refresh_token"));
        form["client_secret"] = "wrong";

        var reply = await OAuthClient.PostTokenAsync(_server, form);

        reply.AssertError("invalid_client", "invalid client credentials");
    }

    [Fact]
    public async Task Refresh_UnknownToken_MatchesTheRealExpiredTokenError()
    {
        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.RefreshForm(_server, "5Aep861madeUp"));

        var fixture = OAuthClient.Fixture("token_refresh_error_expired_token_restforce.json");
        reply.AssertError(fixture.Str("error"), fixture.Str("error_description"));
    }

    [Fact]
    public async Task Refresh_RevokedToken_ExpiredAccessRefreshToken()
    {
        var login = await WebServerLoginAsync(_server);
        using var http = OAuthClient.NewClient(_server);
        using var revoke = await http.PostAsync("/services/oauth2/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = login.Str("refresh_token") }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.RefreshForm(_server, login.Str("refresh_token")));

        reply.AssertError("invalid_grant", "expired access/refresh token");
    }

    [Fact]
    public async Task Refresh_RotationOn_ReturnsANewRefreshTokenAndRetiresTheOldOne()
    {
        var (server, http) = await EmulatorFixture.StartAsync(new Dictionary<string, string?> { ["Emulator:RotateRefreshTokens"] = "true" });
        await using (server)
        using (http)
        {
            var login = await WebServerLoginAsync(server);
            var original = login.Str("refresh_token");

            var rotated = await OAuthClient.PostTokenAsync(server, OAuthClient.RefreshForm(server, original));
            var reuse = await OAuthClient.PostTokenAsync(server, OAuthClient.RefreshForm(server, original));
            var next = await OAuthClient.PostTokenAsync(server, OAuthClient.RefreshForm(server, rotated.Str("refresh_token")));

            Assert.Equal(HttpStatusCode.OK, rotated.Status);
            Assert.Equal(["access_token", "refresh_token", "signature", "scope", "instance_url", "id", "token_type", "issued_at"], rotated.Keys);
            Assert.NotEqual(original, rotated.Str("refresh_token"));
            reuse.AssertError("invalid_grant", "expired access/refresh token");
            Assert.Equal(HttpStatusCode.OK, next.Status);
            Assert.NotEqual(rotated.Str("refresh_token"), next.Str("refresh_token"));
            // Access tokens from before the rotation keep working until they expire.
            Assert.NotEqual(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(server, rotated.Str("access_token")));
        }
    }
}
