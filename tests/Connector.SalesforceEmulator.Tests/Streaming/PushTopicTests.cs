using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Streaming;

public sealed class PushTopicTests
{
    [Fact]
    public async Task PushTopic_CreatedThroughStore_NotifiesMatchingLeadsOnly()
    {
        await using var host = await StreamingHost.StartAsync();
        CreateTopic(host, "AcmeLeads", "SELECT Id, Name, Status, Company FROM Lead WHERE Company = 'Acme'");
        using var client = await host.SubscribedClientAsync("/topic/AcmeLeads");

        host.InsertLead(("LastName", "Other"), ("Company", "Globex"));
        var lead = host.InsertLead(("FirstName", "Wile"), ("LastName", "Coyote"), ("Company", "Acme"));
        var message = Assert.Single(await client.ReceiveAsync(1));

        Assert.Equal("/topic/AcmeLeads", message.Str("channel"));
        var data = message.GetProperty("data");
        var e = data.GetProperty("event");
        Assert.Equal("created", e.Str("type"));
        Assert.Equal(1, e.GetProperty("replayId").GetInt64());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e.Str("createdDate"));
        var sobject = data.GetProperty("sobject");
        Assert.Equal(["Id", "Name", "Status", "Company"], sobject.EnumerateObject().Select(p => p.Name));
        Assert.Equal(lead.Id, sobject.Str("Id"));
        Assert.Equal("Acme", sobject.Str("Company"));
        Assert.Equal("Open - Not Contacted", sobject.Str("Status"));
    }

    [Fact]
    public async Task PushTopic_UpdateOfReferencedFieldNotifies_UnreferencedDoesNot_DeleteNotifies()
    {
        await using var host = await StreamingHost.StartAsync();
        CreateTopic(host, "AcmeLeads", "SELECT Id, Status FROM Lead WHERE Company = 'Acme'");
        var lead = host.InsertLead(("LastName", "Coyote"), ("Company", "Acme"));
        using var client = await host.SubscribedClientAsync("/topic/AcmeLeads");

        host.UpdateLead(lead, ("Title", "Genius"));
        host.UpdateLead(lead, ("Status", "Working - Contacted"));
        host.Write((tx, dml) =>
        {
            dml.Delete(tx, lead);
            return 0;
        });
        var events = await client.ReceiveAsync(2);

        Assert.Equal(["updated", "deleted"], events.Select(m => m.GetProperty("data").GetProperty("event").Str("type")));
        Assert.Equal("Working - Contacted", events[0].GetProperty("data").GetProperty("sobject").Str("Status"));
        Assert.Equal(lead.Id, events[1].GetProperty("data").GetProperty("sobject").Str("Id"));
    }

    [Fact]
    public async Task PushTopic_Inactive_ChannelDoesNotExist()
    {
        await using var host = await StreamingHost.StartAsync();
        CreateTopic(host, "Dormant", "SELECT Id FROM Lead", active: false);
        using var client = host.NewClient();
        await client.HandshakeAsync();

        var reply = await client.SubscribeAsync("/topic/Dormant");

        Assert.False(reply.GetProperty("successful").GetBoolean());
    }

    [Fact]
    public async Task PushTopic_ReplayMinus2_ReturnsRetainedForOneDayOnly()
    {
        await using var host = await StreamingHost.StartAsync();
        CreateTopic(host, "AllLeads", "SELECT Id, LastName FROM Lead");
        host.InsertLead(("LastName", "Yesterday"), ("Company", "X"));
        host.Time.Advance(TimeSpan.FromHours(25));
        host.InsertLead(("LastName", "Today"), ("Company", "X"));

        using var client = await host.SubscribedClientAsync("/topic/AllLeads", -2);
        var events = await client.ReceiveAsync(1);

        Assert.Equal(["Today"], events.Select(m => m.GetProperty("data").GetProperty("sobject").Str("LastName")));
        Assert.Equal(2, events[0].GetProperty("data").GetProperty("event").GetProperty("replayId").GetInt64());
    }

    private static void CreateTopic(StreamingHost host, string name, string query, bool active = true)
    {
        var schema = host.Store.Schema.Find("PushTopic")!;
        host.Write((tx, dml) => dml.Insert(tx, schema, Dml.ReadValues(schema, [
            KeyValuePair.Create<string, object?>("Name", name),
            KeyValuePair.Create<string, object?>("Query", query),
            KeyValuePair.Create<string, object?>("ApiVersion", 62.0m),
            KeyValuePair.Create<string, object?>("IsActive", active),
        ])));
    }
}
