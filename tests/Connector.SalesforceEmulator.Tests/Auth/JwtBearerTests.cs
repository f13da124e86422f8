using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Auth;

[Collection(EmulatorCollection.Name)]
public sealed class JwtBearerTests
{
    private readonly EmulatorServer _server;

    public JwtBearerTests(EmulatorFixture fixture) => _server = fixture.Server;

    private Dictionary<string, object> Claims(string? sub = null) => OAuthClient.Claims(_server, sub);

    [Fact]
    public async Task Jwt_ValidAssertion_HasExactlyTheKeysOfTheHelpExample()
    {
        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(Claims()));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(OAuthClient.FixtureKeys("token_jwt_bearer_doc_example.json"), reply.Keys);
        Assert.False(reply.Has("refresh_token"));
        Assert.Equal("Bearer", reply.Str("token_type"));
        Assert.NotEqual(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, reply.Str("access_token")));
    }

    [Fact]
    public async Task Jwt_SubIsASalesRep_TokenActsAsThatUser()
    {
        var rep = _server.Store.Read(r => r.All("User").First(u => u.GetString("Title") == "Account Executive"));

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(Claims(sub: rep.GetString("Username")!.ToUpperInvariant())));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.EndsWith("/" + rep.Id, reply.Str("id"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://test.salesforce.com")]
    [InlineData("https://login.salesforce.com/")]
    [InlineData("(emulator)")]
    public async Task Jwt_AudienceIsALoginHost_Succeeds(string audience)
    {
        var claims = Claims();
        claims["aud"] = audience == "(emulator)" ? _server.BaseUrl.ToString().TrimEnd('/') : audience;

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(claims));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Jwt_ExpAsNumericString_Succeeds()
    {
        var claims = Claims();
        claims["exp"] = claims["exp"].ToString()!;

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(claims));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Jwt_PrnAndSub_PrnWins()
    {
        var claims = Claims(sub: "nobody@nowhere.example");
        claims["prn"] = OAuthClient.Options(_server).Username;

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(claims));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Jwt_SignedWithAnotherKey_InvalidAssertion()
    {
        using var other = RSA.Create(2048);

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(Claims(), other));

        reply.AssertError("invalid_grant", "invalid assertion");
    }

    [Fact]
    public async Task Jwt_ClaimsTamperedAfterSigning_InvalidAssertion()
    {
        var parts = OAuthClient.SignJwt(Claims()).Split('.');
        var tampered = Claims(sub: "someone.else@emulator.local");
        parts[1] = System.Buffers.Text.Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(tampered));

        var reply = await OAuthClient.JwtAsync(_server, string.Join('.', parts));

        reply.AssertError("invalid_grant", "invalid assertion");
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    [InlineData("RS512")]
    public async Task Jwt_AlgorithmOtherThanRs256_InvalidAssertion(string alg)
    {
        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(Claims(), alg: alg));

        reply.AssertError("invalid_grant", "invalid assertion");
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    public async Task Jwt_MalformedAssertion_InvalidAssertion(string assertion)
    {
        var reply = await OAuthClient.JwtAsync(_server, assertion);

        reply.AssertError("invalid_grant", "invalid assertion");
    }

    [Fact]
    public async Task Jwt_WrongAudience_AudienceIsInvalid()
    {
        var claims = Claims();
        claims["aud"] = "https://acme.my.site.com";

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(claims));

        reply.AssertError("invalid_grant", "audience is invalid");
    }

    [Fact]
    public async Task Jwt_ExpInThePast_ExpiredAuthorizationCode()
    {
        var claims = Claims();
        claims["exp"] = (TimeProvider.System.GetUtcNow() - TimeSpan.FromSeconds(30)).ToUnixTimeSeconds();

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(claims));

        reply.AssertError("invalid_grant", "expired authorization code");
    }

    [Fact]
    public async Task Jwt_ExpHoursAhead_ExpiredAuthorizationCode()
    {
        // A client that computes exp in local time instead of UTC lands hours off; Salesforce refuses it.
        var claims = Claims();
        claims["exp"] = (TimeProvider.System.GetUtcNow() + TimeSpan.FromHours(2)).ToUnixTimeSeconds();

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(claims));

        reply.AssertError("invalid_grant", "expired authorization code");
    }

    [Fact]
    public async Task Jwt_ExpFiveMinutesAhead_Succeeds()
    {
        var claims = Claims();
        claims["exp"] = (TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds();

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(claims));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Jwt_IssuerIsNotTheConsumerKey_InvalidClientId()
    {
        var claims = Claims();
        claims["iss"] = "3MVG9someOtherApp";

        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(claims));

        reply.AssertError("invalid_client_id", "client identifier invalid");
    }

    [Fact]
    public async Task Jwt_UnknownUser_UserHasntApprovedThisConsumer()
    {
        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(Claims(sub: "nobody@emulator.local")));

        var fixture = OAuthClient.Fixture("token_error_jwt_user_not_approved_forrest278.json");
        reply.AssertError(fixture.Str("error"), fixture.Str("error_description"));
    }

    [Fact]
    public async Task Jwt_AutomatedProcessUser_UserHasntApprovedThisConsumer()
    {
        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(Claims(sub: "autoproc@emulator.local")));

        reply.AssertError("invalid_grant", "user hasn't approved this consumer");
    }

    [Fact]
    public async Task Jwt_ValidAssertion_IdentityUrlNamesTheSubject()
    {
        var reply = await OAuthClient.JwtAsync(_server, OAuthClient.SignJwt(Claims()));
        using var http = OAuthClient.NewClient(_server);
        using var request = new HttpRequestMessage(HttpMethod.Get, reply.Str("id"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", reply.Str("access_token"));

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OAuthClient.Options(_server).Username, (await response.ReadAsync()).Str("username"));
    }
}
