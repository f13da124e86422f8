using System.Net.Http.Json;
using System.Text.Json;
using Connector.Salesforce;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Query;
using Connector.Salesforce.Streaming;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

using Connector.Worker.Tests.Support;

namespace Connector.Worker.Tests.Sync;

/// <summary>
/// An emulated org on a loopback port, the Salesforce client wired to it as the worker wires it, and a streaming
/// client subscribed to the Lead and Opportunity change events, recording everything it receives.
/// </summary>
public sealed class EmulatedOrg : IAsyncLifetime
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly string[] Channels = ["/data/LeadChangeEvent", "/data/OpportunityChangeEvent"];

    private readonly Lock _lock = new();
    private readonly List<StreamingEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StreamingClient? _streaming;
    private Task? _run;

    public EmulatorServer Emulator { get; private set; } = null!;
    public ServiceProvider Client { get; private set; } = null!;
    public HttpClient Simulation { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorServer.StartAsync(new Dictionary<string, string?> { ["Emulator:StreamingPollTimeout"] = "00:00:02" });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(EmulatorConnection.Settings(Emulator.BaseUrl))
        {
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSalesforceClient(configuration);
        Client = services.BuildServiceProvider();
        Simulation = new HttpClient { BaseAddress = Emulator.BaseUrl };

        _streaming = Client.GetRequiredService<StreamingClientFactory>().Create(new InMemoryReplayCheckpointStore());
        var subscriptions = new List<StreamingSubscription>();
        foreach (var channel in Channels)
        {
            subscriptions.Add(await _streaming.SubscribeAsync(channel, Record, CancellationToken.None));
        }

        _run = Task.Run(() => _streaming.RunAsync(_stop.Token));
        await Task.WhenAll(subscriptions.Select(s => s.Active)).WaitAsync(Patience);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Patience);
        }

        if (_streaming is not null)
        {
            await _streaming.DisposeAsync();
        }

        Simulation.Dispose();
        await Client.DisposeAsync();
        await Emulator.DisposeAsync();
        _stop.Dispose();
    }

    public Task<SObjectDescription> DescribeAsync(string sobject) =>
        Client.GetRequiredService<DescribeCache>().GetAsync(sobject, CancellationToken.None);

    /// <summary>The record as a catch-up query reads it: every field the describe lists (compound values aside).</summary>
    public async Task<JsonElement> QueryRowAsync(string sobject, string id, bool includeDeleted = false)
    {
        var describe = await DescribeAsync(sobject);
        var query = Soql.From(sobject)
            .Select(describe.Fields.Where(f => f.Type is not ("address" or "location")).Select(f => f.Name))
            .Where(Soql.Field("Id").Equal(SoqlValue.Id(id)));
        var queries = Client.GetRequiredService<SalesforceQueries>();
        var rows = includeDeleted ? queries.QueryAllAsync(query) : queries.QueryAsync(query);
        JsonElement? found = null;
        await foreach (var row in rows)
        {
            found = row;
        }

        return found ?? throw new InvalidOperationException($"{sobject} {id} not found by query");
    }

    public async Task<string> CreateAsync(string sobject, object fields)
    {
        using var response = await Simulation.PostAsJsonAsync($"emulator/records/{sobject}", fields);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    public Task UpdateAsync(string id, object fields) => SendAsync(HttpMethod.Patch, $"emulator/records/{id}", fields);

    public Task DeleteAsync(string id) => SendAsync(HttpMethod.Delete, $"emulator/records/{id}", null);

    public Task MoveStageAsync(string opportunityId, string stage, decimal? amount) =>
        SendAsync(HttpMethod.Post, $"emulator/opportunities/{opportunityId}/stage", new { stage, amount });

    public Task GapAsync(string entity, string[] recordIds, string changeType) =>
        SendAsync(HttpMethod.Post, "emulator/streaming/gap", new { entity, recordIds, changeType });

    public Task OverflowAsync(string entity) => SendAsync(HttpMethod.Post, "emulator/streaming/overflow", new { entity });

    public Task MassUpdateAsync(string sobject, string[] ids, object fields) =>
        SendAsync(HttpMethod.Post, $"emulator/mass-update/{sobject}", new { fields, ids });

    public async Task<JsonElement> ConvertAsync(string leadId)
    {
        using var response = await Simulation.PostAsJsonAsync($"emulator/leads/{leadId}/convert", new { });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body;
    }

    /// <summary>The first received event that matches, waiting for it (no sleeping: woken by each arrival).</summary>
    public async Task<StreamingEvent> WaitForAsync(Func<StreamingEvent, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                if (_events.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                lock (_lock)
                {
                    Assert.Fail($"No {what} within {Patience}; received: " +
                        string.Join(" | ", _events.Select(e => $"{e.ChangeEventHeader?.ChangeType} {string.Join(",", e.ChangeEventHeader?.RecordIds ?? [])}")));
                }
            }
        }
    }

    public Task<StreamingEvent> WaitForAsync(string changeType, string recordId) =>
        WaitForAsync(e => e.ChangeEventHeader is { } h && h.ChangeType == changeType && h.RecordIds.Contains(recordId), $"{changeType} event for {recordId}");

    private Task Record(StreamingMessage message, CancellationToken cancellationToken)
    {
        var e = message switch
        {
            StreamingEvent plain => plain,
            GapDetected gap => gap.Event,
            Overflow overflow => overflow.Event,
            _ => null,
        };
        if (e is not null)
        {
            lock (_lock)
            {
                _events.Add(e);
                _arrived.TrySetResult();
                _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        return Task.CompletedTask;
    }

    private async Task SendAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await Simulation.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
