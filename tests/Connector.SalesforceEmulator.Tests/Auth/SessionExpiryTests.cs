using System.Net;
using System.Net.Http.Headers;
using Connector.SalesforceEmulator.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.SalesforceEmulator.Tests.Auth;

public sealed class SessionExpiryTests
{
    [Fact]
    public async Task RestCall_AfterTheTokenLifetime_401InvalidSessionIdAsSalesforceSendsIt()
    {
        var clock = new FakeTimeProvider();
        var (server, http) = await EmulatorFixture.StartAsync(
            new Dictionary<string, string?> { ["Emulator:TokenLifetime"] = "00:30:00" },
            s => s.AddSingleton<TimeProvider>(clock));
        await using (server)
        using (http)
        {
            using (var live = await http.GetAsync(EmulatorFixture.V + "/limits"))
            {
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            }

            clock.Advance(TimeSpan.FromMinutes(29));
            using (var stillLive = await http.GetAsync(EmulatorFixture.V + "/limits"))
            {
                Assert.Equal(HttpStatusCode.OK, stillLive.StatusCode);
            }

            clock.Advance(TimeSpan.FromMinutes(1));
            using var expired = await http.GetAsync(EmulatorFixture.V + "/limits");

            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
            Assert.Equal("Token", Assert.Single(expired.Headers.WwwAuthenticate).ToString());
            Assert.Equal(new MediaTypeHeaderValue("application/json") { CharSet = "UTF-8" }, expired.Content.Headers.ContentType);
            Assert.Equal("""[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]""", await expired.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Token_AfterExpiry_ANewLoginWorksAgain()
    {
        var clock = new FakeTimeProvider();
        var (server, http) = await EmulatorFixture.StartAsync(
            new Dictionary<string, string?> { ["Emulator:TokenLifetime"] = "00:05:00" },
            s => s.AddSingleton<TimeProvider>(clock));
        await using (server)
        using (http)
        {
            clock.Advance(TimeSpan.FromMinutes(6));
            var token = (await OAuthClient.PostTokenAsync(server, OAuthClient.ClientCredentials(server))).Str("access_token");

            Assert.Equal(HttpStatusCode.OK, await OAuthClient.RestStatusAsync(server, token));
        }
    }
}
