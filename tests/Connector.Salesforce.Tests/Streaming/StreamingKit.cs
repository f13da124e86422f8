using System.Net.Http.Json;
using Connector.Salesforce.Streaming;
using Connector.Salesforce.Tests.Support;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Seeding;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Tests.Streaming;

/// <summary>
/// An emulated org with short long-polls plus the streaming client wired by AddSalesforceClient, fast backoff,
/// a shared in-memory checkpoint store, and helpers to change records directly in the org.
/// </summary>
internal sealed class StreamingKit : IAsyncDisposable
{
    public const string LeadChannel = "/data/LeadChangeEvent";
    public const string AccountChannel = "/data/AccountChangeEvent";
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly List<(StreamingClient Client, CancellationTokenSource Stop, Task Run)> _running = [];

    private StreamingKit(ClientHarness harness) => Harness = harness;

    public ClientHarness Harness { get; }
    public InMemoryReplayCheckpointStore Checkpoints { get; } = new();

    public static async Task<StreamingKit> StartAsync(
        IDictionary<string, string?>? emulatorSettings = null, IDictionary<string, string?>? clientSettings = null, TimeProvider? time = null)
    {
        var emulator = new Dictionary<string, string?> { ["Emulator:StreamingPollTimeout"] = "00:00:02" };
        foreach (var (k, v) in emulatorSettings ?? new Dictionary<string, string?>())
        {
            emulator[k] = v;
        }

        var client = new Dictionary<string, string?>
        {
            ["Salesforce:Streaming:InitialBackoff"] = "00:00:00.050",
            ["Salesforce:Streaming:MaxBackoff"] = "00:00:00.500",
            ["Salesforce:Streaming:RequestTimeout"] = "00:00:10",
        };
        foreach (var (k, v) in clientSettings ?? new Dictionary<string, string?>())
        {
            client[k] = v;
        }

        var harness = await ClientHarness.StartAsync(
            emulator,
            client,
            configure: s =>
            {
                if (time is not null)
                {
                    s.AddSingleton(time);
                }
            },
            configureEmulator: s =>
            {
                if (time is not null)
                {
                    s.AddSingleton(time);
                }
            });
        return new StreamingKit(harness);
    }

    public StreamingClient NewClient() => Harness.Get<StreamingClientFactory>().Create(Checkpoints);

    /// <summary>A running client with a recorder subscribed to Lead changes, once the subscription is active.</summary>
    public async Task<(StreamingClient Client, Recorder Recorder, StreamingSubscription Subscription)> RecordLeadsAsync()
    {
        var client = NewClient();
        var recorder = new Recorder();
        var subscription = await client.SubscribeAsync(LeadChannel, recorder.Handler, CancellationToken.None);
        Run(client);
        await subscription.Active.WaitAsync(Patience);
        return (client, recorder, subscription);
    }

    /// <summary>Starts RunAsync in the background; stopped (and awaited) by <see cref="StopAsync"/> or disposal.</summary>
    public void Run(StreamingClient client)
    {
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => client.RunAsync(stop.Token));
        _running.Add((client, stop, run));
    }

    public async Task StopAsync(StreamingClient client)
    {
        foreach (var entry in _running.Where(r => r.Client == client).ToList())
        {
            await entry.Stop.CancelAsync();
            await entry.Run.WaitAsync(Patience);
            entry.Stop.Dispose();
            _running.Remove(entry);
        }

        await client.DisposeAsync();
    }

    /// <summary>
    /// Waits until the channel's checkpoint is <paramref name="expected"/>: the client saves it just after the
    /// handler returned, so a test that saw the handler run may look a moment too early.
    /// </summary>
    public async Task AssertCheckpointAsync(string channel, long? expected)
    {
        var deadline = DateTime.UtcNow + Patience;
        long? actual;
        while ((actual = await Checkpoints.GetAsync(channel, CancellationToken.None)) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(expected, actual);
    }

    public SObjectRecord InsertLead(string lastName) => Insert("Lead", ("LastName", lastName), ("Company", "Streaming Tests"));

    public SObjectRecord InsertAccount(string name) => Insert("Account", ("Name", name));

    public async Task PostAsync(string path, object body)
    {
        using var http = new HttpClient { BaseAddress = Harness.Emulator.BaseUrl };
        using var response = await http.PostAsJsonAsync(path.TrimStart('/'), body);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (client, _, _) in _running.ToList())
        {
            await StopAsync(client);
        }

        await Harness.DisposeAsync();
    }

    private SObjectRecord Insert(string sobject, params (string Field, object? Value)[] values)
    {
        var store = Harness.Emulator.Store;
        var schema = store.Schema.Find(sobject)!;
        var user = Harness.Emulator.Get<OrgBootstrap>().IntegrationUserId;
        var dml = Harness.Emulator.Get<Dml>();
        using var tx = store.BeginTransaction(new DmlContext(user, "com/salesforce/api/rest/62.0;client=streaming-tests") { AutoAssign = false });
        var record = dml.Insert(tx, schema, Dml.ReadValues(schema, values.Select(v => KeyValuePair.Create(v.Field, v.Value))));
        tx.Commit();
        return record;
    }
}

/// <summary>A subscription handler that records what it gets and lets a test wait for a condition (no sleeping).</summary>
internal sealed class Recorder
{
    private readonly Lock _lock = new();
    private readonly List<StreamingMessage> _messages = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When it returns true for a message, the handler throws instead of recording it.</summary>
    public Func<StreamingMessage, bool>? FailWhen { get; set; }

    public Func<StreamingMessage, CancellationToken, Task> Handler => (message, _) =>
    {
        if (FailWhen?.Invoke(message) == true)
        {
            throw new InvalidOperationException("handler failure injected by the test");
        }

        lock (_lock)
        {
            _messages.Add(message);
            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return Task.CompletedTask;
    };

    public IReadOnlyList<StreamingMessage> Messages
    {
        get
        {
            lock (_lock)
            {
                return _messages.ToList();
            }
        }
    }

    public IReadOnlyList<StreamingEvent> Events => Messages.OfType<StreamingEvent>().ToList();

    /// <summary>Record ids of the CREATE events received, in order.</summary>
    public IReadOnlyList<string> CreatedIds => Events
        .Where(e => e.ChangeEventHeader?.ChangeType == "CREATE")
        .SelectMany(e => e.ChangeEventHeader!.RecordIds)
        .ToList();

    public async Task WaitForAsync(Func<IReadOnlyList<StreamingMessage>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? StreamingKit.Patience);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (condition(_messages))
                {
                    return;
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Timed out waiting for {what}; got {Messages.Count} message(s): {string.Join(", ", Messages.Select(Describe))}");
            }

            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    public Task WaitForCreatedAsync(params string[] recordIds) =>
        WaitForAsync(_ => recordIds.All(CreatedIds.Contains), $"CREATE events for {string.Join(", ", recordIds)}");

    private static string Describe(StreamingMessage m) => m switch
    {
        StreamingEvent e => $"{e.ChangeEventHeader?.ChangeType} {string.Join("/", e.ChangeEventHeader?.RecordIds ?? [])} #{e.ReplayId}",
        _ => m.GetType().Name,
    };
}

internal static class SignalWaiting
{
    /// <summary>Reads the client's signals until one of type <typeparamref name="T"/> matching <paramref name="match"/> comes.</summary>
    public static async Task<T> WaitForSignalAsync<T>(this StreamingClient client, Func<T, bool>? match = null, TimeSpan? timeout = null)
        where T : StreamingSignal
    {
        using var cts = new CancellationTokenSource(timeout ?? StreamingKit.Patience);
        try
        {
            while (true)
            {
                var signal = await client.Signals.ReadAsync(cts.Token);
                if (signal is T t && (match is null || match(t)))
                {
                    return t;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No {typeof(T).Name} signal within {(timeout ?? StreamingKit.Patience).TotalSeconds} s.");
        }
    }
}
