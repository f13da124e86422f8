using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Streaming;

public sealed class PlatformEventTests
{
    private const string EventName = "Referral_Logged__e";

    [Fact]
    public async Task Publish_SubscribedToEventChannel_DeliversPayloadAndEventUuid()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = await host.SubscribedClientAsync("/event/" + EventName);
        var schema = host.Store.Schema.Find(EventName)!;

        host.Write((tx, dml) => dml.Publish(tx, schema, Dml.ReadValues(schema, [
            KeyValuePair.Create<string, object?>("Lead_Id__c", "00Q000000000001AAA"),
            KeyValuePair.Create<string, object?>("Method__c", "Verbal"),
        ])));
        var message = Assert.Single(await client.ReceiveAsync(1));

        Assert.Equal("/event/" + EventName, message.Str("channel"));
        var data = message.GetProperty("data");
        Assert.Matches("^[A-Za-z0-9_-]{22}$", data.Str("schema"));
        var payload = data.GetProperty("payload");
        Assert.Equal("00Q000000000001AAA", payload.Str("Lead_Id__c"));
        Assert.Equal("Verbal", payload.Str("Method__c"));
        Assert.False(payload.TryGetProperty("Advocate_Id__c", out _));
        Assert.Equal(host.UserId, payload.Str("CreatedById"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$", payload.Str("CreatedDate"));
        Assert.Equal(1, data.GetProperty("event").GetProperty("replayId").GetInt64());
        Assert.True(Guid.TryParse(data.GetProperty("event").Str("EventUuid"), out _));
    }

    [Fact]
    public async Task Subscribe_UndefinedEvent_ChannelDoesNotExist()
    {
        await using var host = await StreamingHost.StartAsync();
        using var client = host.NewClient();
        await client.HandshakeAsync();

        var reply = await client.SubscribeAsync("/event/Nope__e");

        Assert.Equal("400::The channel you requested to subscribe to doesn't exist {/event/Nope__e}", reply.Str("error"));
    }
}
