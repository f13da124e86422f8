using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Seeding;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Auth;

[Collection(EmulatorCollection.Name)]
public sealed class TokenEndpointTests
{
    private readonly EmulatorServer _server;

    public TokenEndpointTests(EmulatorFixture fixture) => _server = fixture.Server;

    private EmulatorOptions O => OAuthClient.Options(_server);

    private Dictionary<string, string> PasswordForm(string? password = null, string? secret = null, string? clientId = null) => new()
    {
        ["grant_type"] = "password", ["client_id"] = clientId ?? O.ClientId, ["client_secret"] = secret ?? O.ClientSecret,
        ["username"] = O.Username, ["password"] = password ?? O.Password,
    };

    [Fact]
    public async Task Password_GoodCredentials_HasTheDocumentedKeysAndNoRefreshToken()
    {
        var reply = await OAuthClient.PostTokenAsync(_server, PasswordForm());

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Subset(reply.Keys.ToHashSet(), OAuthClient.FixtureKeys("token_password_grant_success_doc_example_restforce.json").ToHashSet());
        Assert.Equal(["access_token", "signature", "scope", "instance_url", "id", "token_type", "issued_at"], reply.Keys);
        Assert.False(reply.Has("refresh_token"));
        Assert.Matches("^[0-9]{13}$", reply.Str("issued_at"));
        Assert.Equal("Bearer", reply.Str("token_type"));
        Assert.StartsWith(EmulatorServiceCollectionExtensions.OrgId[..15] + "!", reply.Str("access_token"), StringComparison.Ordinal);
        Assert.Contains("no-store", reply.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Password_GoodCredentials_SignatureIsHmacOfIdAndIssuedAt()
    {
        var reply = await OAuthClient.PostTokenAsync(_server, PasswordForm());

        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(O.ClientSecret), Encoding.UTF8.GetBytes(reply.Str("id") + reply.Str("issued_at"))));
        Assert.Equal(expected, reply.Str("signature"));
    }

    [Fact]
    public async Task Password_WrongPassword_InvalidGrantAuthenticationFailure()
    {
        var reply = await OAuthClient.PostTokenAsync(_server, PasswordForm(password: "wrong"));

        reply.AssertError("invalid_grant", "authentication failure");
        Assert.Equal(OAuthClient.FixtureKeys("token_error_invalid_grant_invalid_password_restforce.json"), reply.Keys);
    }

    [Fact]
    public async Task Password_WrongSecret_InvalidClient()
    {
        var reply = await OAuthClient.PostTokenAsync(_server, PasswordForm(secret: "wrong"));

        reply.AssertError("invalid_client", "invalid client credentials");
    }

    [Fact]
    public async Task Password_UnknownClientId_MatchesTheRealInvalidClientIdError()
    {
        var reply = await OAuthClient.PostTokenAsync(_server, PasswordForm(clientId: "3MVG9unknown"));

        var fixture = OAuthClient.Fixture("token_error_invalid_client_id_node_salesforce_connection.json");
        reply.AssertError(fixture.Str("error"), fixture.Str("error_description"));
    }

    [Fact]
    public async Task ClientCredentials_FormCredentials_KeysInTheOrderOfTheHelpSample()
    {
        var reply = await OAuthClient.PostTokenAsync(_server, OAuthClient.ClientCredentials(_server));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(OAuthClient.FixtureKeys("token_client_credentials_help_sample.json"), reply.Keys);
        Assert.EndsWith("/" + _server.Get<OrgBootstrap>().IntegrationUserId, reply.Str("id"), StringComparison.Ordinal);
        Assert.Equal(_server.BaseUrl.ToString().TrimEnd('/'), reply.Str("instance_url"));
        Assert.NotEqual(HttpStatusCode.Unauthorized, await OAuthClient.RestStatusAsync(_server, reply.Str("access_token")));
    }

    [Fact]
    public async Task ClientCredentials_HttpBasicCredentials_Succeeds()
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(O.ClientId)}:{Uri.EscapeDataString(O.ClientSecret)}"));

        var reply = await OAuthClient.PostTokenAsync(_server, new Dictionary<string, string> { ["grant_type"] = "client_credentials" },
            new AuthenticationHeaderValue("Basic", basic));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.False(reply.Has("refresh_token"));
    }

    [Fact]
    public async Task ClientCredentials_WrongSecret_InvalidClient()
    {
        var form = OAuthClient.ClientCredentials(_server);
        form["client_secret"] = "not-the-secret";

        var reply = await OAuthClient.PostTokenAsync(_server, form);

        reply.AssertError("invalid_client", "invalid client credentials");
    }

    [Fact]
    public async Task Token_UnknownGrantType_UnsupportedGrantType()
    {
        var reply = await OAuthClient.PostTokenAsync(_server, new Dictionary<string, string> { ["grant_type"] = "urn:example:saml2-bearer" });

        reply.AssertError("unsupported_grant_type", "grant type not supported");
    }

    [Fact]
    public async Task Token_ChunkedBodyWithoutContentLength_Succeeds()
    {
        using var http = OAuthClient.NewClient(_server);
        var body = new FormUrlEncodedContent(OAuthClient.ClientCredentials(_server));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/services/oauth2/token") { Content = new UnknownLengthContent(await body.ReadAsByteArrayAsync()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");

        var reply = await TokenReply.ReadAsync(await http.SendAsync(request));

        Assert.True(request.Headers.TransferEncodingChunked is true || request.Content.Headers.ContentLength is null);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    /// <summary>Content whose length is unknown up front, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
