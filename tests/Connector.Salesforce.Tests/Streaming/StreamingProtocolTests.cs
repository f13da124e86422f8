using System.Net;
using System.Text;
using System.Text.Json;
using Connector.Salesforce.Auth;
using Connector.Salesforce.Streaming;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connector.Salesforce.Tests.Streaming;

/// <summary>
/// The client against a scripted server, for Salesforce answers the emulator does not produce on demand
/// (advice "none", 5xx storms, real captured replies) and to see exactly what goes on the wire.
/// </summary>
public sealed class StreamingProtocolTests
{
    private const string Channel = "/data/LeadChangeEvent";

    private const string HandshakeOk = """
        [{"ext":{"replay":true,"payload.format":true},"minimumVersion":"1.0","clientId":"CLIENT","supportedConnectionTypes":["long-polling"],"channel":"/meta/handshake","id":"ID","version":"1.0","successful":true}]
        """;

    private const string Stop = """
        [{"channel":"/meta/connect","id":"ID","successful":false,"error":"403::Organization total events daily limit exceeded","advice":{"reconnect":"none"}}]
        """;

    [Fact]
    public async Task RunAsync_ConnectAdviceNone_ThrowsWithTheErrorAfterEchoingTheSessionCookie()
    {
        var server = new ScriptedServer((m, _) => m.Channel switch
        {
            "/meta/handshake" => Reply(HandshakeOk, m, setCookie: "BAYEUX_BROWSER=browser-1; Path=/; HttpOnly"),
            "/meta/subscribe" => Reply($$"""[{"channel":"/meta/subscribe","clientId":"CLIENT","subscription":"{{Channel}}","id":"ID","successful":true}]""", m),
            "/meta/connect" => Reply(Stop, m),
            _ => Reply("""[{"channel":"/meta/disconnect","id":"ID","successful":true}]""", m),
        });
        await using var client = server.Client();
        await client.SubscribeAsync(Channel, (_, _) => Task.CompletedTask, CancellationToken.None);

        var error = await Assert.ThrowsAsync<StreamingException>(() => client.RunAsync(CancellationToken.None).WaitAsync(StreamingKit.Patience));

        Assert.Equal("403::Organization total events daily limit exceeded", error.BayeuxError);
        Assert.Equal(["/meta/handshake", "/meta/subscribe", "/meta/connect", "/meta/disconnect"], server.Requests.Select(r => r.Channel));
        Assert.Null(server.Requests[0].Cookie);
        Assert.All(server.Requests.Skip(1), r => Assert.Equal("BAYEUX_BROWSER=browser-1", r.Cookie));
        var handshake = server.Requests[0].Message;
        Assert.True(handshake.GetProperty("ext").GetProperty("replay").GetBoolean());
        Assert.Equal(["long-polling"], handshake.GetProperty("supportedConnectionTypes").EnumerateArray().Select(e => e.GetString()));
        var subscribe = server.Requests[1].Message;
        Assert.Equal("CLIENT", subscribe.GetProperty("clientId").GetString());
        Assert.Equal(-1, subscribe.GetProperty("ext").GetProperty("replay").GetProperty(Channel).GetInt64());
        var connect = server.Requests[2].Message;
        Assert.Equal("long-polling", connect.GetProperty("connectionType").GetString());
    }

    [Fact]
    public async Task RunAsync_UnknownClientWithAdviceNone_RealCapture_RehandshakesAndResubscribesFromTheCheckpoint()
    {
        var unknownClient = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "streaming", "bayeux_connect_403_unknown_client_reconnect_none_cityofboston175.json"));
        var connects = 0;
        var server = new ScriptedServer((m, _) => m.Channel switch
        {
            "/meta/handshake" => Reply(HandshakeOk, m),
            "/meta/subscribe" => Reply($$"""[{"channel":"/meta/subscribe","subscription":"{{Channel}}","id":"ID","successful":true}]""", m),
            "/meta/connect" => ++connects switch
            {
                1 => Reply("""
                    [{"channel":"/data/LeadChangeEvent","data":{"payload":{"ChangeEventHeader":{"entityName":"Lead","recordIds":["00Q000000000001AAA"],"changeType":"CREATE"}},"event":{"replayId":41}}},
                     {"channel":"/meta/connect","id":"ID","successful":true,"advice":{"reconnect":"retry","interval":0,"timeout":110000}}]
                    """, m),
                2 => Reply("[" + unknownClient + "]", m),
                _ => Reply(Stop, m),
            },
            _ => Reply("[]", m),
        });
        var checkpoints = new InMemoryReplayCheckpointStore();
        await using var client = server.Client(checkpoints);
        var received = new List<long?>();
        await client.SubscribeAsync(Channel, (e, _) =>
        {
            received.Add(((StreamingEvent)e).ReplayId);
            return Task.CompletedTask;
        }, CancellationToken.None);

        await Assert.ThrowsAsync<StreamingException>(() => client.RunAsync(CancellationToken.None).WaitAsync(StreamingKit.Patience));

        Assert.Equal([41L], received);
        Assert.Equal(41, await checkpoints.GetAsync(Channel, CancellationToken.None));
        Assert.Equal(2, client.Handshakes);
        var subscribes = server.Requests.Where(r => r.Channel == "/meta/subscribe").ToList();
        Assert.Equal(2, subscribes.Count);
        Assert.Equal(41, subscribes[1].Message.GetProperty("ext").GetProperty("replay").GetProperty(Channel).GetInt64());
    }

    [Fact]
    public async Task RunAsync_ServerErrors_BacksOffWithGrowingJitteredDelays()
    {
        var handshakes = 0;
        var server = new ScriptedServer((m, _) => m.Channel switch
        {
            "/meta/handshake" when ++handshakes <= 3 => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("busy") },
            "/meta/handshake" => Reply(HandshakeOk, m),
            "/meta/connect" => Reply(Stop, m),
            _ => Reply("[]", m),
        });
        await using var client = server.Client(options: new StreamingClientOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromSeconds(1) });

        await Assert.ThrowsAsync<StreamingException>(() => client.RunAsync(CancellationToken.None).WaitAsync(StreamingKit.Patience));

        var failures = new List<ConnectionFailed>();
        while (client.Signals.TryRead(out var signal))
        {
            if (signal is ConnectionFailed f)
            {
                failures.Add(f);
            }
        }

        Assert.Equal([1, 2, 3], failures.Select(f => f.Attempt));
        Assert.All(failures, f =>
        {
            var ceiling = 20 * Math.Pow(2, f.Attempt - 1);
            Assert.InRange(f.RetryIn.TotalMilliseconds, ceiling / 2, ceiling);
            Assert.Equal("HTTP 503", f.Reason);
        });
        Assert.Equal(4, handshakes);
    }

    [Fact]
    public async Task RunAsync_HandshakeDeniedForAuthentication_RenewsTheTokenThenHandshakes()
    {
        var handshakes = 0;
        var server = new ScriptedServer((m, request) => m.Channel switch
        {
            "/meta/handshake" when ++handshakes == 1 => Reply("""
                [{"ext":{"sfdc":{"failureReason":"401::Authentication invalid"}},"advice":{"reconnect":"none"},"channel":"/meta/handshake","id":"ID","error":"403::Handshake denied","successful":false}]
                """, m),
            "/meta/handshake" => Reply(HandshakeOk, m),
            "/meta/connect" => Reply(Stop, m),
            _ => Reply("[]", m),
        });
        await using var client = server.Client();

        await Assert.ThrowsAsync<StreamingException>(() => client.RunAsync(CancellationToken.None).WaitAsync(StreamingKit.Patience));

        Assert.Equal(2, server.Tokens.Renewals);
        Assert.Equal(1, client.Handshakes);
        Assert.Equal(["token-1", "token-2"], server.Requests.Where(r => r.Channel == "/meta/handshake").Select(r => r.Token));
    }

    private static HttpResponseMessage Reply(string body, Received m, string? setCookie = null)
    {
        var text = body.Replace("\"ID\"", JsonSerializer.Serialize(m.Message.TryGetProperty("id", out var id) ? id.GetString() : "0"), StringComparison.Ordinal);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(text, Encoding.UTF8, "application/json") };
        if (setCookie is not null)
        {
            response.Headers.Add("Set-Cookie", setCookie);
        }

        return response;
    }

    private sealed record Received(string Channel, JsonElement Message, string? Cookie, string? Token);

    /// <summary>Answers each POSTed message (one per request here) with the script; records what arrived.</summary>
    private sealed class ScriptedServer(Func<Received, HttpRequestMessage, HttpResponseMessage> script) : HttpMessageHandler
    {
        private readonly Lock _lock = new();
        private readonly List<Received> _requests = [];

        public TokenCache Tokens { get; } = new(new CountingTokenSource());

        public IReadOnlyList<Received> Requests
        {
            get
            {
                lock (_lock)
                {
                    return _requests.ToList();
                }
            }
        }

        public StreamingClient Client(IReplayCheckpointStore? checkpoints = null, StreamingClientOptions? options = null)
        {
            var http = new HttpClient(new TokenHeader(Tokens) { InnerHandler = new BayeuxCookieHandler { InnerHandler = this } });
            var transport = new BayeuxTransport(http, new Uri("https://example.my.salesforce.com/cometd/62.0"), Tokens, TimeProvider.System);
            return new StreamingClient(transport, checkpoints ?? new InMemoryReplayCheckpointStore(), Tokens,
                options ?? new StreamingClientOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(50) },
                TimeProvider.System, NullLogger.Instance);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            using var document = JsonDocument.Parse(body);
            var message = Assert.Single(document.RootElement.EnumerateArray().ToList()).Clone();
            var received = new Received(
                message.GetProperty("channel").GetString()!,
                message,
                request.Headers.TryGetValues("Cookie", out var cookies) ? string.Join("; ", cookies) : null,
                request.Headers.Authorization?.Parameter);
            lock (_lock)
            {
                _requests.Add(received);
            }

            return script(received, request);
        }
    }

    /// <summary>Stands in for the auth handler: the current token as bearer.</summary>
    private sealed class TokenHeader(TokenCache tokens) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", (await tokens.GetAsync(cancellationToken)).Value);
            return await base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class CountingTokenSource : ITokenSource
    {
        private int _issued;

        public Task<AccessToken> RequestTokenAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new AccessToken($"token-{Interlocked.Increment(ref _issued)}", new Uri("https://example.my.salesforce.com/"),
                "https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA", DateTimeOffset.UtcNow));
    }
}
