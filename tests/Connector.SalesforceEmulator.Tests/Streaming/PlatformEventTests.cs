using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Schema;
using Connector.SalesforceEmulator.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.SalesforceEmulator.Tests.Streaming;

public sealed class PlatformEventTests
{
    private const string EventName = "Referral_Logged__e";

    [Fact]
    public async Task Publish_SubscribedToEventChannel_DeliversPayloadAndEventUuid()
    {
        await using var host = await StreamingHost.StartAsync(services: s => s.AddSingleton(SchemaWithEvent()));
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

    /// <summary>The org's schema, with Referral_Logged__e added when the metadata doesn't define it yet.</summary>
    private static OrgSchema SchemaWithEvent()
    {
        var objects = SfdxSchemaReader.Apply(StandardObjects.Create(), MetadataLocator.Resolve(null)).ToList();
        if (!objects.Exists(o => o.Name == EventName))
        {
            objects.Add(new SObjectSchema(EventName, "Referral Logged", "Referral Logged", "e0R",
            [
                F.Id(),
                new() { Name = "CreatedDate", Label = "Created Date", Type = FieldType.DateTime, Createable = false, Updateable = false },
                new() { Name = "CreatedById", Label = "Created By ID", Type = FieldType.Reference, ReferenceTo = ["User"], Createable = false, Updateable = false },
                new() { Name = "EventUuid", Label = "Event UUID", Type = FieldType.String, Length = 36, Createable = false, Updateable = false },
                new() { Name = "Lead_Id__c", Label = "Lead Id", Type = FieldType.String, Length = 18, Custom = true },
                new() { Name = "Advocate_Id__c", Label = "Advocate Id", Type = FieldType.String, Length = 18, Custom = true },
                new() { Name = "Method__c", Label = "Method", Type = FieldType.String, Length = 40, Custom = true },
            ])
            { Custom = true, Kind = SObjectKind.PlatformEvent, Updateable = false, Deletable = false, Queryable = false });
        }

        return new OrgSchema(objects);
    }
}
