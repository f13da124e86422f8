using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Connector.Salesforce.Auth;
using Connector.Salesforce.Streaming;
using Connector.Salesforce.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Tests.Streaming;

/// <summary>
/// The client against a third-party Bayeux server (faye 1.4 from npm, a plain server without Salesforce's
/// replay extension), so it is not only shaped to our own emulator. Needs Node and npm: fails loudly without.
/// </summary>
public sealed partial class FayeInteropTests
{
    [Fact]
    public async Task FayeServer_HandshakeSubscribePublish_EventsDeliveredWithoutReplayExtension()
    {
        await using var faye = await FayeServer.StartAsync();
        await using var harness = await ClientHarness.StartAsync(
            clientSettings: new Dictionary<string, string?> { ["Salesforce:Streaming:InitialBackoff"] = "00:00:00.050" },
            configure: s => s.AddSingleton<ITokenSource>(new FixedTokenSource(faye.BaseUrl)));
        var client = harness.Get<StreamingClientFactory>().Create(new InMemoryReplayCheckpointStore());
        var news = new Recorder();
        var alerts = new Recorder();
        var newsSubscription = await client.SubscribeAsync("/interop/news", news.Handler, CancellationToken.None);
        var alertSubscription = await client.SubscribeAsync("/interop/alerts", alerts.Handler, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => client.RunAsync(stop.Token));
        try
        {
            await Task.WhenAll(newsSubscription.Active, alertSubscription.Active).WaitAsync(StreamingKit.Patience);
            Assert.False(client.ReplaySupported);

            await faye.PublishAsync("/interop/news", new { text = "first", n = 1 });
            await faye.PublishAsync("/interop/alerts", new { text = "alert", n = 2 });
            await faye.PublishAsync("/interop/news", new { text = "second", n = 3 });
            await news.WaitForAsync(m => m.Count >= 2, "two news events");
            await alerts.WaitForAsync(m => m.Count >= 1, "one alert");

            Assert.Equal(["first", "second"], news.Events.Select(e => e.Payload.GetProperty("text").GetString()));
            Assert.All(news.Events, e =>
            {
                Assert.Equal("/interop/news", e.Channel);
                Assert.Null(e.ReplayId);
                Assert.Null(e.ChangeEventHeader);
            });
            Assert.Equal("alert", Assert.Single(alerts.Events).Payload.GetProperty("text").GetString());

            // Without ext.replay advertised, subscribes carry no replay map; no replay ids, no checkpoints.
            var subscribes = (await faye.ReceivedAsync()).Where(m => m.GetProperty("channel").GetString() == "/meta/subscribe").ToList();
            Assert.Equal(2, subscribes.Count);
            Assert.All(subscribes, m => Assert.False(m.TryGetProperty("ext", out var ext) && ext.TryGetProperty("replay", out _)));
            Assert.Null(newsSubscription.LastReplayId);
            Assert.Equal(1, client.Handshakes);
        }
        finally
        {
            await stop.CancelAsync();
            await run.WaitAsync(StreamingKit.Patience);
        }

        // RunAsync ended with a /meta/disconnect.
        Assert.Contains(await faye.ReceivedAsync(), m => m.GetProperty("channel").GetString() == "/meta/disconnect");
    }

    private sealed class FixedTokenSource(Uri instance) : ITokenSource
    {
        public Task<AccessToken> RequestTokenAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new AccessToken("faye-interop-token", instance, "https://login.example/id/00D000000000001AAA/005000000000001AAA", DateTimeOffset.UtcNow));
    }

    /// <summary>faye/server.js under node, installed from the committed lockfile (npm ci) when the lockfile changed.</summary>
    private sealed partial class FayeServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http;

        private FayeServer(Process process, Uri baseUrl)
        {
            _process = process;
            BaseUrl = baseUrl;
            _http = new HttpClient { BaseAddress = baseUrl };
        }

        public Uri BaseUrl { get; }

        private static readonly SemaphoreSlim InstallGate = new(1, 1);

        public static async Task<FayeServer> StartAsync()
        {
            var dir = FindHarnessDirectory();
            await EnsureInstalledAsync(dir);
            var start = new ProcessStartInfo("node", "server.js")
            {
                WorkingDirectory = dir,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                while (true)
                {
                    var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                        ?? throw new InvalidOperationException($"faye server exited: {await process.StandardError.ReadToEndAsync(timeout.Token)}");
                    if (ListeningLine().Match(line) is { Success: true } m)
                    {
                        return new FayeServer(process, new Uri(m.Groups[1].Value + "/"));
                    }
                }
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        public async Task PublishAsync(string channel, object data)
        {
            using var response = await _http.PostAsJsonAsync($"control/publish?channel={Uri.EscapeDataString(channel)}", data);
            response.EnsureSuccessStatusCode();
        }

        public async Task<List<JsonElement>> ReceivedAsync() =>
            (await _http.GetFromJsonAsync<List<JsonElement>>("control/messages"))!;

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private static string FindHarnessDirectory()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "Connector.Salesforce.Tests", "Streaming", "faye");
                if (File.Exists(Path.Combine(candidate, "package-lock.json")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("tests/Connector.Salesforce.Tests/Streaming/faye not found above " + AppContext.BaseDirectory);
        }

        /// <summary>npm ci when node_modules is missing or was installed from another lockfile (a stamp of its hash).</summary>
        private static async Task EnsureInstalledAsync(string dir)
        {
            await InstallGate.WaitAsync();
            try
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(dir, "package-lock.json"))));
                var stamp = Path.Combine(dir, "node_modules", ".lock.sha256");
                if (File.Exists(stamp) && (await File.ReadAllTextAsync(stamp)).Trim() == hash)
                {
                    return;
                }

                var npm = new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error")
                {
                    WorkingDirectory = dir,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                using var process = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start (is Node.js installed?)");
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"npm ci failed ({process.ExitCode}) in {dir}: {await output}{await error}");
                }

                await File.WriteAllTextAsync(stamp, hash);
            }
            finally
            {
                InstallGate.Release();
            }
        }

        [GeneratedRegex(@"^faye listening on (http://\S+)$")]
        private static partial Regex ListeningLine();
    }
}
