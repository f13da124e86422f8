using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Seeding;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Auth;

[Collection(EmulatorCollection.Name)]
public sealed class IdentityTests
{
    private readonly EmulatorFixture _fixture;

    public IdentityTests(EmulatorFixture fixture) => _fixture = fixture;

    private EmulatorServer Server => _fixture.Server;

    private string IdentityPath(string? userId = null, string? orgId = null) =>
        $"/id/{orgId ?? EmulatorServiceCollectionExtensions.OrgId}/{userId ?? Server.Get<OrgBootstrap>().IntegrationUserId}";

    private async Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        using var http = OAuthClient.NewClient(Server);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Identity_TokenResponseId_DescribesTheUserWithVersionPlaceholders()
    {
        var token = await OAuthClient.PostTokenAsync(Server, OAuthClient.ClientCredentials(Server));

        using var response = await GetAsync(token.Str("id"), token.Str("access_token"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsync();
        var userId = Server.Get<OrgBootstrap>().IntegrationUserId;
        Assert.Equal(token.Str("id"), body.Str("id"));
        Assert.Equal(userId, body.Str("user_id"));
        Assert.Equal(EmulatorServiceCollectionExtensions.OrgId, body.Str("organization_id"));
        Assert.Equal(OAuthClient.Options(Server).Username, body.Str("username"));
        Assert.Equal("Integration User", body.Str("display_name"));
        Assert.Equal(OAuthClient.Options(Server).Username, body.Str("email"));
        Assert.True(body.GetProperty("active").GetBoolean());
        Assert.Equal("STANDARD", body.Str("user_type"));
        var urls = body.GetProperty("urls");
        var baseUrl = Server.BaseUrl.ToString().TrimEnd('/');
        Assert.Equal(baseUrl + "/services/data/v{version}/", urls.Str("rest"));
        Assert.Equal(baseUrl + "/services/data/v{version}/sobjects/", urls.Str("sobjects"));
        Assert.Equal(baseUrl + "/services/data/v{version}/query/", urls.Str("query"));
        Assert.Equal($"{baseUrl}/services/Soap/u/{{version}}/{EmulatorServiceCollectionExtensions.OrgId}", urls.Str("partner"));
    }

    [Fact]
    public async Task Identity_VersionParameter_FillsTheUrls()
    {
        using var response = await GetAsync(IdentityPath() + "?version=62.0", _fixture.AccessToken);

        var urls = (await response.ReadAsync()).GetProperty("urls");
        Assert.EndsWith("/services/data/v62.0/query/", urls.Str("query"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identity_OauthTokenQueryParameter_Accepted()
    {
        using var response = await GetAsync(IdentityPath() + "?oauth_token=" + Uri.EscapeDataString(_fixture.AccessToken), token: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Identity_AnotherUserOfTheOrg_DescribesThatUser()
    {
        var rep = Server.Store.Read(r => r.All("User").First(u => u.GetString("Title") == "Account Executive"));

        using var response = await GetAsync(IdentityPath(rep.Id[..15]), _fixture.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(rep.GetString("Username"), (await response.ReadAsync()).Str("username"));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Forbidden, "Missing_OAuth_Token")]
    [InlineData("00Dxx0000000001!AQ0AQbogus", HttpStatusCode.Forbidden, "Bad_OAuth_Token")]
    public async Task Identity_NoOrBadToken_403WithTheDocumentedCode(string? token, HttpStatusCode status, string code)
    {
        using var response = await GetAsync(IdentityPath(), token);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Identity_UnknownUser_404BadId()
    {
        using var response = await GetAsync(IdentityPath(userId: "005000000000999AAA"), _fixture.AccessToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Bad_Id", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Identity_OtherOrg_403WrongOrg()
    {
        using var response = await GetAsync(IdentityPath(orgId: "00Dxx0000000001EAA"), _fixture.AccessToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Wrong_Org", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UserInfo_WithToken_OpenIdClaimsOfTheTokensUser()
    {
        using var response = await GetAsync("/services/oauth2/userinfo", _fixture.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.EndsWith("/" + Server.Get<OrgBootstrap>().IntegrationUserId, body.Str("sub"), StringComparison.Ordinal);
        Assert.Equal(OAuthClient.Options(Server).Username, body.Str("preferred_username"));
        Assert.Equal(EmulatorServiceCollectionExtensions.OrgId, body.Str("organization_id"));
        Assert.Equal(JsonValueKind.Object, body.GetProperty("urls").ValueKind);
    }

    [Fact]
    public async Task UserInfo_WithoutToken_403()
    {
        using var response = await GetAsync("/services/oauth2/userinfo", token: null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
