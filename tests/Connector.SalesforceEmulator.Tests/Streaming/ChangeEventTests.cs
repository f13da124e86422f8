using System.Net.Http.Json;
using System.Text.Json;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Streaming;

public sealed class ChangeEventTests
{
    private const string LeadChannel = "/data/LeadChangeEvent";

    [Fact]
    public async Task LeadInsert_SubscribedToLeadChangeEvent_DeliversCreateEventShapedAsSalesforce()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = await host.SubscribedClientAsync(LeadChannel);

        var lead = host.InsertLead(("FirstName", "Grace"), ("LastName", "Hopper"), ("Company", "Navy"), ("City", "Arlington"), ("Email", "grace@navy.example"));
        var message = Assert.Single(await client.ReceiveAsync(1));

        Assert.Equal(LeadChannel, message.Str("channel"));
        Assert.Equal(client.ClientId, message.Str("clientId"));
        var data = message.GetProperty("data");
        Assert.Matches("^[A-Za-z0-9_-]{22}$", data.Str("schema"));
        Assert.True(data.GetProperty("event").GetProperty("replayId").GetInt64() > 0);
        var payload = data.GetProperty("payload");
        var header = payload.GetProperty("ChangeEventHeader");
        Assert.Equal(
            ["entityName", "recordIds", "changeType", "changeOrigin", "transactionKey", "sequenceNumber", "commitTimestamp", "commitNumber", "commitUser", "changedFields"],
            header.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Lead", header.Str("entityName"));
        Assert.Equal([lead.Id], header.GetProperty("recordIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("CREATE", header.Str("changeType"));
        Assert.Equal("com/salesforce/api/rest/62.0;client=streaming-tests", header.Str("changeOrigin"));
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", header.Str("transactionKey"));
        Assert.Equal(1, header.GetProperty("sequenceNumber").GetInt32());
        Assert.Equal(host.Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000 * 1000, header.GetProperty("commitTimestamp").GetInt64());
        Assert.True(header.GetProperty("commitNumber").GetInt64() > 0);
        Assert.Equal(host.UserId, header.Str("commitUser"));
        Assert.Empty(header.GetProperty("changedFields").EnumerateArray());

        // Values: non-null fields, compound Name and Address nested, datetimes with Z, no Id/IsDeleted/SystemModstamp.
        Assert.Equal("Grace", payload.GetProperty("Name").Str("FirstName"));
        Assert.Equal("Hopper", payload.GetProperty("Name").Str("LastName"));
        Assert.Equal("Arlington", payload.GetProperty("Address").Str("City"));
        Assert.Equal("Navy", payload.Str("Company"));
        Assert.Equal("grace@navy.example", payload.Str("Email"));
        Assert.Equal("Open - Not Contacted", payload.Str("Status"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$", payload.Str("CreatedDate"));
        Assert.Equal(host.UserId, payload.Str("CreatedById"));
        foreach (var absent in new[] { "Id", "IsDeleted", "SystemModstamp", "FirstName", "LastName", "City", "Title" })
        {
            Assert.False(payload.TryGetProperty(absent, out _), absent);
        }

        Assert.All(payload.EnumerateObject(), p => Assert.NotEqual(JsonValueKind.Null, p.Value.ValueKind));
    }

    [Fact]
    public async Task LeadUpdate_DeliversOnlyChangedFields_NulledOnesListedButAbsent()
    {
        await using var host = await StreamingHost.StartAsync();
        var lead = host.InsertLead(("LastName", "Lovelace"), ("Company", "Analytical"), ("Title", "Countess"));
        using var client = await host.SubscribedClientAsync(LeadChannel);

        host.Time.Advance(TimeSpan.FromSeconds(5));
        host.UpdateLead(lead, ("Status", "Working - Contacted"), ("Title", null), ("LastName", "King"));
        var payload = Assert.Single(await client.ReceiveAsync(1)).GetProperty("data").GetProperty("payload");

        var header = payload.GetProperty("ChangeEventHeader");
        Assert.Equal("UPDATE", header.Str("changeType"));
        var changed = header.GetProperty("changedFields").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["LastModifiedDate", "Name.LastName", "Status", "Title"], changed.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["ChangeEventHeader", "LastModifiedDate", "Name", "Status"],
            payload.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("King", payload.GetProperty("Name").Str("LastName"));
        Assert.False(payload.GetProperty("Name").TryGetProperty("FirstName", out _));
        Assert.Equal("Working - Contacted", payload.Str("Status"));
        Assert.Equal(host.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'.000Z'", System.Globalization.CultureInfo.InvariantCulture), payload.Str("LastModifiedDate"));
    }

    [Fact]
    public async Task LeadDelete_DeliversHeaderOnly()
    {
        await using var host = await StreamingHost.StartAsync();
        var lead = host.InsertLead(("LastName", "Turing"), ("Company", "Bletchley"));
        using var client = await host.SubscribedClientAsync("/data/ChangeEvents");

        host.Write((tx, dml) =>
        {
            dml.Delete(tx, lead);
            return 0;
        });
        var message = Assert.Single(await client.ReceiveAsync(1));

        Assert.Equal("/data/ChangeEvents", message.Str("channel"));
        var payload = message.GetProperty("data").GetProperty("payload");
        Assert.Equal(["ChangeEventHeader"], payload.EnumerateObject().Select(p => p.Name));
        Assert.Equal("DELETE", payload.GetProperty("ChangeEventHeader").Str("changeType"));
        Assert.Equal([lead.Id], payload.GetProperty("ChangeEventHeader").GetProperty("recordIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Subscribe_ReplayMinus2_ReturnsRetainedHistory_MinusOneOnlyNew()
    {
        await using var host = await StreamingHost.StartAsync();
        host.InsertLead(("LastName", "A"), ("Company", "X"));
        host.InsertLead(("LastName", "B"), ("Company", "X"));
        using var all = await host.SubscribedClientAsync(LeadChannel, -2);
        using var fresh = await host.SubscribedClientAsync(LeadChannel, -1);

        host.InsertLead(("LastName", "C"), ("Company", "X"));
        var history = await all.ReceiveAsync(3);
        var onlyNew = await fresh.ReceiveAsync(1);

        Assert.Equal(["A", "B", "C"], history.Select(LastName));
        var ids = history.Select(ReplayId).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(["C"], onlyNew.Select(LastName));
    }

    [Fact]
    public async Task Subscribe_ReplayN_ReturnsEventsAfterN()
    {
        await using var host = await StreamingHost.StartAsync();
        using (var first = await host.SubscribedClientAsync(LeadChannel, -2))
        {
            host.InsertLead(("LastName", "A"), ("Company", "X"));
            host.InsertLead(("LastName", "B"), ("Company", "X"));
            host.InsertLead(("LastName", "C"), ("Company", "X"));
            var events = await first.ReceiveAsync(3);
            using var resumed = await host.SubscribedClientAsync(LeadChannel, ReplayId(events[0]));

            var after = await resumed.ReceiveAsync(2);

            Assert.Equal(["B", "C"], after.Select(LastName));
        }
    }

    [Theory]
    [InlineData(999)]
    [InlineData(-3)]
    public async Task Subscribe_NeverIssuedReplayId_FailsWithSalesforceText(long replayId)
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();

        var reply = await client.SubscribeAsync(LeadChannel, replayId);

        Assert.False(reply.GetProperty("successful").GetBoolean());
        Assert.Equal(
            $"400::The replayId {{{replayId}}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.",
            reply.Str("error"));
    }

    [Fact]
    public async Task Retention_EventsOlderThan72Hours_AreGoneAndTheirReplayIdsInvalid()
    {
        await using var host = await StreamingHost.StartAsync();
        using var probe = await host.SubscribedClientAsync(LeadChannel, -2);
        host.InsertLead(("LastName", "Old1"), ("Company", "X"));
        host.InsertLead(("LastName", "Old2"), ("Company", "X"));
        var old = await probe.ReceiveAsync(2);
        host.Time.Advance(TimeSpan.FromHours(71));
        host.InsertLead(("LastName", "Recent"), ("Company", "X"));
        host.Time.Advance(TimeSpan.FromHours(2));

        using var replayAll = await host.SubscribedClientAsync(LeadChannel, -2);
        var retained = await replayAll.ReceiveAsync(1);
        using var stale = host.NewClient();
        await stale.HandshakeAsync();
        var staleReply = await stale.SubscribeAsync(LeadChannel, ReplayId(old[0]));

        Assert.Equal(["Recent"], retained.Select(LastName));
        Assert.DoesNotContain(await replayAll.ConnectAsync(), m => m.Str("channel") == LeadChannel);
        Assert.False(staleReply.GetProperty("successful").GetBoolean());
        Assert.StartsWith($"400::The replayId {{{ReplayId(old[0])}}} you provided was invalid.", staleReply.Str("error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GapEndpoint_PublishesHeaderOnlyGapEvent()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = await host.SubscribedClientAsync(LeadChannel);
        using var control = new HttpClient { BaseAddress = host.Server.BaseUrl };

        (await control.PostAsync("/emulator/streaming/gap", Json.Body(new { entity = "Lead", recordIds = new[] { "00Q000000000001AAA", "00Q000000000002AAA" }, changeType = "GAP_UPDATE" }))).EnsureSuccessStatusCode();
        var payload = Assert.Single(await client.ReceiveAsync(1)).GetProperty("data").GetProperty("payload");

        Assert.Equal(["ChangeEventHeader"], payload.EnumerateObject().Select(p => p.Name));
        var header = payload.GetProperty("ChangeEventHeader");
        Assert.Equal("GAP_UPDATE", header.Str("changeType"));
        Assert.Equal(["00Q000000000001AAA", "00Q000000000002AAA"], header.GetProperty("recordIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, header.GetProperty("sequenceNumber").GetInt32());
    }

    [Fact]
    public async Task OverflowEndpoint_PublishesOverflowEventWithoutRecordIds()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = await host.SubscribedClientAsync("/data/OpportunityChangeEvent");
        using var control = new HttpClient { BaseAddress = host.Server.BaseUrl };

        (await control.PostAsync("/emulator/streaming/overflow", Json.Body(new { entity = "Opportunity" }))).EnsureSuccessStatusCode();
        var header = Assert.Single(await client.ReceiveAsync(1)).GetProperty("data").GetProperty("payload").GetProperty("ChangeEventHeader");

        Assert.Equal("GAP_OVERFLOW", header.Str("changeType"));
        Assert.Equal("Opportunity", header.Str("entityName"));
        Assert.Empty(header.GetProperty("recordIds").EnumerateArray());
    }

    [Fact]
    public async Task Transaction_OverOverflowThreshold_DeliversEventsThenOneOverflowEvent()
    {
        await using var host = await StreamingHost.StartAsync();
        host.Store.OverflowThreshold = 2;
        using var client = await host.SubscribedClientAsync(LeadChannel);
        var schema = host.Store.Schema.Find("Lead")!;

        host.Write((tx, dml) =>
        {
            for (var i = 0; i < 3; i++)
            {
                dml.Insert(tx, schema, Dml.ReadValues(schema, [KeyValuePair.Create<string, object?>("LastName", "O" + i), KeyValuePair.Create<string, object?>("Company", "X")]));
            }

            return 0;
        });
        var events = await client.ReceiveAsync(3);

        Assert.Equal(["CREATE", "CREATE", "GAP_OVERFLOW"], events.Select(e => e.GetProperty("data").GetProperty("payload").GetProperty("ChangeEventHeader").Str("changeType")));
        Assert.Equal([1, 2, 3], events.Select(e => e.GetProperty("data").GetProperty("payload").GetProperty("ChangeEventHeader").GetProperty("sequenceNumber").GetInt32()));
    }

    [Fact]
    public async Task Connect_DroppedByFault_AbortsAndForgetsTheClient()
    {
        await using var host = await StreamingHost.StartAsync(new Dictionary<string, string?> { ["Emulator:Faults:DropStreamingConnectionRate"] = "1" });
        using var client = await host.SubscribedClientAsync(LeadChannel);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.ConnectAsync(immediate: true));
        host.Server.Get<Connector.SalesforceEmulator.Faults.FaultInjector>().Configure(new Connector.SalesforceEmulator.Faults.FaultSettings());
        var reply = Assert.Single(await client.ConnectAsync());

        BayeuxProtocolTests.AssertUnknownClient(reply);
    }

    [Fact]
    public async Task Stats_CountsClientsSubscriptionsAndDeliveries()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = await host.SubscribedClientAsync(LeadChannel);
        host.InsertLead(("LastName", "S"), ("Company", "X"));
        await client.ReceiveAsync(1);
        using var control = new HttpClient { BaseAddress = host.Server.BaseUrl };

        var stats = await control.GetFromJsonAsync<JsonElement>("/emulator/streaming/stats");

        Assert.Equal(1, stats.GetProperty("clients").GetInt32());
        Assert.Equal(1, stats.GetProperty("subscriptions").GetInt32());
        Assert.Equal(1, stats.GetProperty("delivered").GetProperty(LeadChannel).GetInt64());
        Assert.Equal(1, stats.GetProperty("streams").GetProperty("/data").GetProperty("published").GetInt64());
    }

    [Fact]
    public async Task EventDeliveryDelay_HoldsEventsBackUntilTheDelayPasses()
    {
        await using var host = await StreamingHost.StartAsync(new Dictionary<string, string?> { ["Emulator:Faults:EventDeliveryDelayMs"] = "300" });
        using var client = await host.SubscribedClientAsync(LeadChannel);
        await client.ConnectAsync(immediate: true);

        host.InsertLead(("LastName", "Late"), ("Company", "X"));
        var immediately = await client.ConnectAsync(immediate: true);
        var later = await client.ReceiveAsync(1);

        Assert.Single(immediately);
        Assert.Equal(["Late"], later.Select(LastName));
    }

    internal static string? LastName(JsonElement message) =>
        message.GetProperty("data").GetProperty("payload").GetProperty("Name").Str("LastName");

    internal static long ReplayId(JsonElement message) =>
        message.GetProperty("data").GetProperty("event").GetProperty("replayId").GetInt64();
}
