using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Schema;
using Connector.SalesforceEmulator.Seeding;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Benchmarks;

/// <summary>
/// One CometD long-poll subscriber on /data/LeadChangeEvent while lead updates are committed in-process as fast
/// as the subscriber keeps up (the writer pauses when the backlog passes <see cref="MaxBacklog"/>).
/// </summary>
internal static class StreamingLoad
{
    private const string Channel = "/data/LeadChangeEvent";
    private const int BatchSize = 100;
    private const int MaxBacklog = 20_000;

    public static async Task<StreamingFigures?> RunAsync(EmulatorServer server, HttpClient rest, BenchOptions options, CancellationToken cancellationToken)
    {
        var token = rest.DefaultRequestHeaders.Authorization!.Parameter!;
        using var bayeux = new BayeuxClient(server.BaseUrl, token);
        if (!await bayeux.HandshakeAsync(cancellationToken))
        {
            return null;
        }

        await bayeux.SubscribeAsync(Channel, cancellationToken);
        var leads = server.Store.Read(r => r.All("Lead").Where(l => l.Get("IsConverted") is false).Take(100_000).ToArray());
        var rating = server.Store.Schema.Find("Lead")!.FindField("Rating")!;
        var dml = server.Services.GetRequiredService<Dml>();
        var user = server.Services.GetRequiredService<OrgBootstrap>().IntegrationUserId;

        long committed = 0;
        long received = 0;
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stopWriting.CancelAfter(TimeSpan.FromSeconds(options.Seconds));
        var clock = Stopwatch.StartNew();
        var writer = Task.Run(async () =>
        {
            var next = 0;
            var value = 0;
            while (!stopWriting.IsCancellationRequested)
            {
                if (committed - Interlocked.Read(ref received) > MaxBacklog)
                {
                    await Task.Delay(1, CancellationToken.None);
                    continue;
                }

                value++;
                using var tx = server.Store.BeginTransaction(new DmlContext(user, "bench") { AutoAssign = false });
                for (var i = 0; i < BatchSize; i++)
                {
                    var lead = leads[next++ % leads.Length];
                    dml.Update(tx, lead, new Dictionary<FieldSchema, object?> { [rating] = (value % 3) switch { 0 => "Hot", 1 => "Warm", _ => "Cold" } });
                }

                tx.Commit();
                Interlocked.Add(ref committed, BatchSize);
            }
        }, CancellationToken.None);

        TimeSpan lastDelivery = default;
        using var drainDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drainDeadline.CancelAfter(TimeSpan.FromSeconds(options.Seconds + 30));
        while (!drainDeadline.IsCancellationRequested && !(writer.IsCompleted && Interlocked.Read(ref received) >= Interlocked.Read(ref committed)))
        {
            var events = await bayeux.ConnectAsync(Channel, drainDeadline.Token);
            if (events > 0)
            {
                Interlocked.Add(ref received, events);
                lastDelivery = clock.Elapsed;
            }
        }

        await writer;
        await bayeux.DisconnectAsync(CancellationToken.None);
        return new StreamingFigures(committed, received, lastDelivery);
    }

    /// <summary>The smallest Bayeux long-polling client that speaks to Salesforce's CometD endpoint.</summary>
    private sealed class BayeuxClient : IDisposable
    {
        private readonly HttpClient _http;
        private readonly Uri _endpoint;
        private string _clientId = string.Empty;
        private int _messageId;

        public BayeuxClient(Uri baseUrl, string token)
        {
            // Salesforce pins a Bayeux session to its cookies (BAYEUX_BROWSER); the handler keeps them.
            _http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true })
            {
                BaseAddress = baseUrl,
                Timeout = TimeSpan.FromMinutes(3),
            };
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            _endpoint = new Uri("/cometd/62.0", UriKind.Relative);
        }

        public async Task<bool> HandshakeAsync(CancellationToken cancellationToken)
        {
            using var response = await PostAsync(new JsonObject
            {
                ["channel"] = "/meta/handshake", ["version"] = "1.0", ["minimumVersion"] = "1.0",
                ["supportedConnectionTypes"] = new JsonArray("long-polling"), ["ext"] = new JsonObject { ["replay"] = true },
            }, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }

            var reply = (await ReadAsync(response, cancellationToken)).EnumerateArray().First();
            if (!reply.GetProperty("successful").GetBoolean())
            {
                throw new InvalidOperationException($"Bayeux handshake failed: {reply}");
            }

            _clientId = reply.GetProperty("clientId").GetString()!;
            return true;
        }

        public async Task SubscribeAsync(string channel, CancellationToken cancellationToken)
        {
            using var response = await PostAsync(new JsonObject
            {
                ["channel"] = "/meta/subscribe", ["clientId"] = _clientId, ["subscription"] = channel,
                ["ext"] = new JsonObject { ["replay"] = new JsonObject { [channel] = -1 } },
            }, cancellationToken);
            var reply = (await ReadAsync(response, cancellationToken)).EnumerateArray().First(m => m.GetProperty("channel").GetString() == "/meta/subscribe");
            if (!reply.GetProperty("successful").GetBoolean())
            {
                throw new InvalidOperationException($"Bayeux subscribe failed: {reply}");
            }
        }

        /// <summary>One long poll; returns how many record changes arrived on <paramref name="channel"/>.</summary>
        public async Task<int> ConnectAsync(string channel, CancellationToken cancellationToken)
        {
            HttpResponseMessage response;
            try
            {
                response = await PostAsync(new JsonObject
                {
                    ["channel"] = "/meta/connect", ["clientId"] = _clientId, ["connectionType"] = "long-polling",
                }, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            using (response)
            {
                var changes = 0;
                foreach (var message in (await ReadAsync(response, cancellationToken)).EnumerateArray())
                {
                    if (message.GetProperty("channel").GetString() == channel)
                    {
                        // A change event may carry several record ids (changes merged by the platform).
                        var header = message.GetProperty("data").GetProperty("payload").GetProperty("ChangeEventHeader");
                        changes += header.GetProperty("recordIds").GetArrayLength();
                    }
                    else if (message.GetProperty("channel").GetString() == "/meta/connect" && !message.GetProperty("successful").GetBoolean())
                    {
                        throw new InvalidOperationException($"Bayeux connect failed: {message}");
                    }
                }

                return changes;
            }
        }

        public async Task DisconnectAsync(CancellationToken cancellationToken)
        {
            using var response = await PostAsync(new JsonObject { ["channel"] = "/meta/disconnect", ["clientId"] = _clientId }, cancellationToken);
        }

        public void Dispose() => _http.Dispose();

        private Task<HttpResponseMessage> PostAsync(JsonObject message, CancellationToken cancellationToken)
        {
            message["id"] = (++_messageId).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var content = new StringContent(new JsonArray(message).ToJsonString(), Encoding.UTF8, "application/json");
            return _http.PostAsync(_endpoint, content, cancellationToken);
        }

        private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            return document.RootElement.Clone();
        }
    }
}
