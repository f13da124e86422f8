using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Schema;
using Connector.SalesforceEmulator.Seeding;
using Connector.SalesforceEmulator.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.SalesforceEmulator.Tests.Streaming;

/// <summary>A private emulator with a hand-moved clock and short long-polls, plus helpers to change records directly.</summary>
internal sealed class StreamingHost : IAsyncDisposable
{
    private StreamingHost(EmulatorServer server, FakeTimeProvider time, string token)
    {
        Server = server;
        Time = time;
        Token = token;
    }

    public EmulatorServer Server { get; }
    public FakeTimeProvider Time { get; }
    public string Token { get; }
    public OrgStore Store => Server.Store;
    public string UserId => Server.Get<OrgBootstrap>().IntegrationUserId;

    public static async Task<StreamingHost> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var time = new FakeTimeProvider();
        var all = new Dictionary<string, string?>
        {
            ["Emulator:StreamingPollTimeout"] = "00:00:01",
            // The clock moves by days in retention tests; the session must outlive that.
            ["Emulator:TokenLifetime"] = "30.00:00:00",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }

        var (server, http) = await EmulatorFixture.StartAsync(all, s =>
        {
            s.AddSingleton<TimeProvider>(time);
            services?.Invoke(s);
        });
        var token = http.DefaultRequestHeaders.Authorization!.Parameter!;
        http.Dispose();
        return new StreamingHost(server, time, token);
    }

    public BayeuxTestClient NewClient(bool useCookies = true) => new(Server.BaseUrl, Token, useCookies: useCookies);

    public async Task<BayeuxTestClient> SubscribedClientAsync(string channel, long? replayId = null)
    {
        var client = NewClient();
        Assert.True((await client.HandshakeAsync()).GetProperty("successful").GetBoolean());
        var reply = await client.SubscribeAsync(channel, replayId);
        Assert.True(reply.GetProperty("successful").GetBoolean(), reply.ToString());
        return client;
    }

    public T Write<T>(Func<OrgTransaction, Dml, T> write, string changeOrigin = "com/salesforce/api/rest/62.0;client=streaming-tests")
    {
        var dml = Server.Get<Dml>();
        using var tx = Store.BeginTransaction(new DmlContext(UserId, changeOrigin) { AutoAssign = false });
        var result = write(tx, dml);
        tx.Commit();
        return result;
    }

    public SObjectRecord InsertLead(params (string Field, object? Value)[] values)
    {
        var schema = Store.Schema.Find("Lead")!;
        return Write((tx, dml) => dml.Insert(tx, schema, Dml.ReadValues(schema, values.Select(v => KeyValuePair.Create(v.Field, v.Value)))));
    }

    public void UpdateLead(SObjectRecord lead, params (string Field, object? Value)[] values) =>
        Write((tx, dml) => dml.Update(tx, lead, Dml.ReadValues(lead.Schema, values.Select(v => KeyValuePair.Create(v.Field, v.Value)))));

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
