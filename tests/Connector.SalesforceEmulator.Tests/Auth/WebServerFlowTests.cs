using System.Net;
using System.Security.Cryptography;
using System.Text;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Tests.Support;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.SalesforceEmulator.Tests.Auth;

[Collection(EmulatorCollection.Name)]
public sealed class WebServerFlowTests
{
    private const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-extra-entropy-0123456789";

    private readonly EmulatorServer _server;

    public WebServerFlowTests(EmulatorFixture fixture) => _server = fixture.Server;

    private static string S256(string verifier) => System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    [Fact]
    public async Task Authorize_Get_ShowsAPlainLoginFormWithLabelledInputs()
    {
        using var http = OAuthClient.NewClient(_server);

        using var response = await http.GetAsync(OAuthClient.AuthorizeUrl(OAuthClient.AuthorizeParameters(_server)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<label for=\"username\">", html, StringComparison.Ordinal);
        Assert.Contains("id=\"username\"", html, StringComparison.Ordinal);
        Assert.Contains("<label for=\"password\">", html, StringComparison.Ordinal);
        Assert.Contains("type=\"password\" id=\"password\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"Login\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"xyz-state\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_UnknownClientId_ShowsTheErrorWithoutRedirecting()
    {
        var parameters = OAuthClient.AuthorizeParameters(_server);
        parameters["client_id"] = "3MVG9unknown";
        using var http = OAuthClient.NewClient(_server);

        using var response = await http.GetAsync(OAuthClient.AuthorizeUrl(parameters));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("error=invalid_client_id&error_description=client%20identifier%20invalid", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Authorize_RelativeRedirectUri_RedirectUriMismatchPage()
    {
        var parameters = OAuthClient.AuthorizeParameters(_server);
        parameters["redirect_uri"] = "/callback";
        using var http = OAuthClient.NewClient(_server);

        using var response = await http.GetAsync(OAuthClient.AuthorizeUrl(parameters));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("error=redirect_uri_mismatch", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_UnsupportedResponseType_RedirectsBackWithErrorAndState()
    {
        var parameters = OAuthClient.AuthorizeParameters(_server);
        parameters["response_type"] = "id_token";
        using var http = OAuthClient.NewClient(_server);

        using var response = await http.GetAsync(OAuthClient.AuthorizeUrl(parameters));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var query = QueryHelpers.ParseQuery(response.Headers.Location!.Query);
        Assert.Equal("unsupported_response_type", query["error"].ToString());
        Assert.Equal("xyz-state", query["state"].ToString());
    }

    [Fact]
    public async Task Authorize_UnknownScope_RedirectsBackWithInvalidScope()
    {
        using var http = OAuthClient.NewClient(_server);

        using var response = await http.GetAsync(OAuthClient.AuthorizeUrl(OAuthClient.AuthorizeParameters(_server, scope: "api launch_missiles")));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("invalid_scope", QueryHelpers.ParseQuery(response.Headers.Location!.Query)["error"].ToString());
    }

    [Fact]
    public async Task Authorize_GoodLogin_RedirectsToTheCallbackWithCodeAndState()
    {
        using var http = OAuthClient.NewClient(_server);
        var o = OAuthClient.Options(_server);

        using var response = await OAuthClient.SubmitLoginAsync(http, OAuthClient.AuthorizeParameters(_server), o.Username, o.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(OAuthClient.Callback + "?", location.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.StartsWith("aPrx", query["code"].ToString(), StringComparison.Ordinal);
        Assert.Equal("xyz-state", query["state"].ToString());
    }

    [Fact]
    public async Task Authorize_WrongPassword_ShowsTheLoginPageAgainWithAnError()
    {
        using var http = OAuthClient.NewClient(_server);

        using var response = await OAuthClient.SubmitLoginAsync(http, OAuthClient.AuthorizeParameters(_server), OAuthClient.Options(_server).Username, "wrong");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Please check your username and password.", html, StringComparison.Ordinal);
        Assert.Contains("id=\"Login\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_ExchangedWithSecret_ReturnsRefreshTokenInTheDocumentedKeyOrder()
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server, scope: "api refresh_token"));

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        // The doc example has an id_token (openid scope, which this emulator does not issue) and no refresh token.
        var expected = OAuthClient.FixtureKeys("token_web_server_flow_doc_example.json").Where(k => k != "id_token").ToList();
        expected.Insert(1, "refresh_token");
        Assert.Equal(expected, reply.Keys);
        Assert.Equal("api refresh_token", reply.Str("scope"));
        Assert.NotEqual(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, reply.Str("access_token")));
    }

    [Fact]
    public async Task Code_ScopeWithoutRefreshToken_NoRefreshToken()
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server, scope: "api web"));

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.False(reply.Has("refresh_token"));
        Assert.Equal("api web", reply.Str("scope"));
    }

    [Fact]
    public async Task Code_OfflineAccessScope_ReturnsRefreshToken()
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server, scope: "api offline_access"));

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code));

        Assert.True(reply.Has("refresh_token"));
    }

    [Fact]
    public async Task Code_UsedTwice_SecondExchangeExpiredAuthorizationCode()
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server));
        var first = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code));

        var second = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        second.AssertError("invalid_grant", "expired authorization code");
    }

    [Fact]
    public async Task Code_NeverIssued_InvalidAuthorizationCode()
    {
        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, "aPrxmadeUpCode=="));

        reply.AssertError("invalid_grant", "invalid authorization code");
    }

    [Fact]
    public async Task Code_WrongSecret_InvalidClient()
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server));
        var form = OAuthClient.CodeExchange(_server, code);
        form["client_secret"] = "wrong";

        var reply = await OAuthClient.PostTokenAsync(_server, form);

        reply.AssertError("invalid_client", "invalid client credentials");
    }

    [Fact]
    public async Task Code_NoSecretAndNoPkce_InvalidClient()
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server));

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code, withSecret: false));

        reply.AssertError("invalid_client", "invalid client credentials");
    }

    [Fact]
    public async Task Code_DifferentRedirectUri_RedirectUriMismatch()
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server));

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code, redirectUri: "http://localhost:1717/other"));

        reply.AssertError("redirect_uri_mismatch", "redirect_uri must match configuration");
    }

    [Theory]
    [InlineData("S256")]
    [InlineData(null)]
    public async Task Code_PkceS256WithoutSecret_Succeeds(string? method)
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server, challenge: S256(Verifier), method: method));

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code, withSecret: false, verifier: Verifier));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.True(reply.Has("refresh_token"));
    }

    [Fact]
    public async Task Code_PkcePlainWithoutSecret_Succeeds()
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server, challenge: Verifier, method: "plain"));

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code, withSecret: false, verifier: Verifier));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Theory]
    [InlineData("a-different-verifier-that-is-long-enough-to-be-plausible-000000")]
    [InlineData(null)]
    public async Task Code_PkceWrongOrMissingVerifier_InvalidCodeVerifier(string? verifier)
    {
        var code = await OAuthClient.AuthorizeAsync(_server, OAuthClient.AuthorizeParameters(_server, challenge: S256(Verifier), method: "S256"));

        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.CodeExchange(_server, code, withSecret: false, verifier: verifier));

        reply.AssertError("invalid_grant", "invalid code verifier");
    }

    [Fact]
    public async Task Code_OlderThanFifteenMinutes_ExpiredAuthorizationCode()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var (server, http) = await EmulatorFixture.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        await using (server)
        using (http)
        {
            var code = await OAuthClient.AuthorizeAsync(server, OAuthClient.AuthorizeParameters(server));
            clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

            var reply = await OAuthClient.PostTokenAsync(server, OAuthClient.CodeExchange(server, code));

            reply.AssertError("invalid_grant", "expired authorization code");
        }
    }
}
