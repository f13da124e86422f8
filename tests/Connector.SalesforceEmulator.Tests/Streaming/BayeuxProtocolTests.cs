using System.Net;
using System.Text.Json;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Streaming;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Streaming;

public sealed class BayeuxProtocolTests
{
    [Fact]
    public async Task Handshake_ValidToken_ReturnsSalesforceShapeAndBrowserCookie()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();

        var reply = await client.HandshakeAsync();

        Assert.True(reply.GetProperty("successful").GetBoolean());
        Assert.Equal("/meta/handshake", reply.Str("channel"));
        Assert.Equal("1", reply.Str("id"));
        Assert.Equal("1.0", reply.Str("version"));
        Assert.Equal("1.0", reply.Str("minimumVersion"));
        Assert.Equal(["long-polling"], reply.GetProperty("supportedConnectionTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.Matches("^[a-z0-9]{20,40}$", reply.Str("clientId"));
        Assert.True(reply.GetProperty("ext").GetProperty("replay").GetBoolean());
        Assert.True(reply.GetProperty("ext").GetProperty("payload.format").GetBoolean());
        var advice = reply.GetProperty("advice");
        Assert.Equal(0, advice.GetProperty("interval").GetInt32());
        Assert.Equal(1000, advice.GetProperty("timeout").GetInt32());
        Assert.Equal("retry", advice.Str("reconnect"));
        Assert.Single(client.Cookies.GetCookies(host.Server.BaseUrl), c => c.Name == "BAYEUX_BROWSER");
    }

    [Fact]
    public async Task Handshake_OAuthScheme_IsAccepted()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = new BayeuxTestClient(host.Server.BaseUrl, host.Token, scheme: "OAuth");

        Assert.True((await client.HandshakeAsync()).GetProperty("successful").GetBoolean());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("00D000000000001!AQ0AQnot-a-token")]
    public async Task Handshake_MissingOrInvalidToken_IsDenied(string? token)
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = new BayeuxTestClient(host.Server.BaseUrl, token);

        var reply = await client.HandshakeAsync();

        Assert.False(reply.GetProperty("successful").GetBoolean());
        Assert.Equal("403::Handshake denied", reply.Str("error"));
        Assert.Equal("401::Authentication invalid", reply.GetProperty("ext").GetProperty("sfdc").Str("failureReason"));
        Assert.Equal("none", reply.GetProperty("advice").Str("reconnect"));
    }

    [Fact]
    public async Task Connect_FirstWithZeroTimeout_AnswersAtOnceWithAdvice_LaterOnesAreBare()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();

        var first = Assert.Single(await client.ConnectAsync(immediate: true));
        var second = Assert.Single(await client.ConnectAsync());

        Assert.True(first.GetProperty("successful").GetBoolean());
        Assert.Equal(client.ClientId, first.Str("clientId"));
        Assert.Equal("retry", first.GetProperty("advice").Str("reconnect"));
        Assert.Equal(1000, first.GetProperty("advice").GetProperty("timeout").GetInt32());
        Assert.True(second.GetProperty("successful").GetBoolean());
        Assert.False(second.TryGetProperty("advice", out _));
    }

    [Fact]
    public async Task Post_BatchedConnectAndSubscribe_LikeFaye_AnswersBoth()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();

        var replies = await client.SendAsync(
            new Dictionary<string, object?> { ["channel"] = "/meta/connect", ["clientId"] = client.ClientId, ["connectionType"] = "long-polling", ["id"] = "2", ["advice"] = new { timeout = 0 } },
            new Dictionary<string, object?> { ["channel"] = "/meta/subscribe", ["clientId"] = client.ClientId, ["subscription"] = "/data/LeadChangeEvent", ["id"] = "3", ["ext"] = new { replay = new Dictionary<string, int> { ["/data/LeadChangeEvent"] = -1 } } });

        Assert.Equal(2, replies.Length);
        Assert.Contains(replies, r => r.Str("channel") == "/meta/subscribe" && r.GetProperty("successful").GetBoolean() && r.Str("subscription") == "/data/LeadChangeEvent");
        Assert.Contains(replies, r => r.Str("channel") == "/meta/connect" && r.GetProperty("successful").GetBoolean());
    }

    [Fact]
    public async Task Post_SingleObjectBody_IsAnsweredWithArray()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();

        using var response = await client.PostRawAsync("""{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"],"id":"1"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsync();
        Assert.Equal(JsonValueKind.Array, body.ValueKind);
        Assert.True(body[0].GetProperty("successful").GetBoolean());
    }

    [Fact]
    public async Task Get_WebSocketUpgrade_IsRefusedNotUpgraded()
    {
        await using var host = await StreamingHost.StartAsync();
        using var http = new HttpClient { BaseAddress = host.Server.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/cometd/62.0");
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Add("Connection", "Upgrade");
        request.Headers.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Authorization = new("OAuth", host.Token);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/cometd", "API version in the URI is mandatory. URI format: '/cometd/67.0'")]
    [InlineData("/cometd/36.0", "Unsupported API version. Only API versions '37.0' and later are supported.")]
    public async Task Post_BadVersion_Returns400WithSalesforceText(string path, string expected)
    {
        await using var host = await StreamingHost.StartAsync();
        using var http = new HttpClient { BaseAddress = host.Server.BaseUrl };

        using var response = await http.PostAsync(path, Json.Body(new[] { new { channel = "/meta/handshake", id = "1" } }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, (await response.ReadAsync())[0].Str("error"));
    }

    [Fact]
    public async Task Post_BodyOver32KB_Returns413()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();

        using var response = await client.PostRawAsync($$"""[{"channel":"/meta/handshake","id":"1","pad":"{{new string('x', 33_000)}}"}]""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Connect_WithoutBrowserCookie_Returns400NamingTheClient()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient(useCookies: false);
        await client.HandshakeAsync();

        using var response = await client.PostRawAsync($$"""[{"channel":"/meta/connect","clientId":"{{client.ClientId}}","connectionType":"long-polling","id":"2"}]""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"Client {client.ClientId} has established a session, but no BAYEUX_BROWSER cookie present", (await response.ReadAsync())[0].Str("error"));
    }

    [Fact]
    public async Task Connect_UnknownClient_Returns403UnknownClientWithHandshakeAdvice()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();

        var reply = Assert.Single(await client.SendAsync(new Dictionary<string, object?> { ["channel"] = "/meta/connect", ["clientId"] = "nosuchclient", ["connectionType"] = "long-polling", ["id"] = "9" }));

        AssertUnknownClient(reply);
    }

    [Fact]
    public async Task Connect_AfterForgetClients_Returns403UnknownClient()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();
        await client.ConnectAsync(immediate: true);
        using var control = new HttpClient { BaseAddress = host.Server.BaseUrl };

        (await control.PostAsync("/emulator/streaming/forget-clients", null)).EnsureSuccessStatusCode();
        var reply = Assert.Single(await client.ConnectAsync());

        AssertUnknownClient(reply);
        Assert.True((await client.HandshakeAsync()).GetProperty("successful").GetBoolean());
    }

    [Fact]
    public async Task Connect_HeldWhenClientsAreForgotten_AnswersUnknownClient()
    {
        await using var host = await StreamingHost.StartAsync(new Dictionary<string, string?> { ["Emulator:StreamingPollTimeout"] = "00:00:20" });
        using var client = host.NewClient();
        await client.HandshakeAsync();
        await client.ConnectAsync(immediate: true);
        var held = client.ConnectAsync();
        await WaitUntilAsync(() => host.Server.Get<StreamingHub>().HeldConnects == 1);

        host.Server.Get<StreamingHub>().ForgetAllClients();

        var reply = Assert.Single(await held.WaitAsync(TimeSpan.FromSeconds(10)));
        AssertUnknownClient(reply);
    }

    [Fact]
    public async Task Connect_AfterReconnectWindowOfFakeTime_ClientIsExpired()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();
        await client.ConnectAsync(immediate: true);

        host.Time.Advance(TimeSpan.FromSeconds(39));
        Assert.True(Assert.Single(await client.ConnectAsync(immediate: true)).GetProperty("successful").GetBoolean());
        host.Time.Advance(TimeSpan.FromSeconds(41));
        var reply = Assert.Single(await client.ConnectAsync());

        AssertUnknownClient(reply);
    }

    [Fact]
    public async Task Connect_TokenRevoked_Returns401AuthenticationInvalidWithReconnectNone()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();
        await client.ConnectAsync(immediate: true);

        Assert.True(host.Server.Get<TokenStore>().Revoke(host.Token));
        var reply = Assert.Single(await client.ConnectAsync());

        Assert.False(reply.GetProperty("successful").GetBoolean());
        Assert.Equal("401::Authentication invalid", reply.Str("error"));
        Assert.Equal("none", reply.GetProperty("advice").Str("reconnect"));
        Assert.Equal(0, reply.GetProperty("advice").GetProperty("interval").GetInt32());
        Assert.Equal(client.ClientId, reply.Str("clientId"));
    }

    [Fact]
    public async Task Subscribe_UnknownChannel_FailsWithSalesforceText()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();

        var reply = await client.SubscribeAsync("/topic/NoSuchTopic");

        Assert.False(reply.GetProperty("successful").GetBoolean());
        Assert.Equal("400::The channel you requested to subscribe to doesn't exist {/topic/NoSuchTopic}", reply.Str("error"));
        Assert.Equal("/topic/NoSuchTopic", reply.Str("subscription"));
    }

    [Fact]
    public async Task Disconnect_ThenConnect_IsUnknownClient()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();

        var bye = Assert.Single(await client.SendAsync(new Dictionary<string, object?> { ["channel"] = "/meta/disconnect", ["clientId"] = client.ClientId, ["id"] = "5" }));

        Assert.True(bye.GetProperty("successful").GetBoolean());
        AssertUnknownClient(Assert.Single(await client.ConnectAsync()));
    }

    internal static void AssertUnknownClient(JsonElement reply)
    {
        Assert.False(reply.GetProperty("successful").GetBoolean());
        Assert.Equal("403::Unknown client", reply.Str("error"));
        Assert.Equal("/meta/connect", reply.Str("channel"));
        Assert.Equal("handshake", reply.GetProperty("advice").Str("reconnect"));
        Assert.Equal(0, reply.GetProperty("advice").GetProperty("interval").GetInt32());
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Condition not met within 10 s.");
            await Task.Delay(20);
        }
    }
}
