using System.Text.Json;
using Connector.Salesforce.Streaming;

namespace Connector.Salesforce.Tests.Streaming;

public sealed class StreamingEventParserTests
{
    // Fact sheet §4.7: a CometD CDC message, envelope included.
    private const string LeadUpdateMessage = """
        {"clientId":"3ll1jkeest5ommhf1cfv2wbgmz1et","channel":"/data/LeadChangeEvent",
         "data":{"schema":"-pszPCNGMHqUPU1ftkjxEA",
           "payload":{"ChangeEventHeader":{"entityName":"Lead","recordIds":["00Q7F00000XpKo9QAF"],
               "changeType":"UPDATE","changeOrigin":"com/salesforce/api/rest/65.0;client=myapp",
               "transactionKey":"00039569-53f3-0a03-743e-46538797bf9f","sequenceNumber":1,
               "commitTimestamp":1596695083000,"commitNumber":10915706370983,
               "commitUser":"0057F000001eSTfQAM","changedFields":["LastModifiedDate","Status"]},
             "LastModifiedDate":"2020-08-06T06:24:43.000Z","Status":"Working - Contacted"},
           "event":{"replayId":1480822}}}
        """;

    [Fact]
    public void Parse_FactSheetLeadUpdate_ReadsEnvelopeHeaderAndPayload()
    {
        var e = Assert.IsType<StreamingEvent>(StreamingEventParser.Parse(Json(LeadUpdateMessage)));

        Assert.Equal("/data/LeadChangeEvent", e.Channel);
        Assert.Equal(1480822, e.ReplayId);
        Assert.Equal("Working - Contacted", e.Payload.GetProperty("Status").GetString());
        Assert.Equal("-pszPCNGMHqUPU1ftkjxEA", e.Data.GetProperty("schema").GetString());
        var h = e.ChangeEventHeader!;
        Assert.Equal("Lead", h.EntityName);
        Assert.Equal(["00Q7F00000XpKo9QAF"], h.RecordIds);
        Assert.Equal("UPDATE", h.ChangeType);
        Assert.Equal("com/salesforce/api/rest/65.0;client=myapp", h.ChangeOrigin);
        Assert.Equal("00039569-53f3-0a03-743e-46538797bf9f", h.TransactionKey);
        Assert.Equal(1, h.SequenceNumber);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1596695083000), h.CommitTimestamp);
        Assert.Equal(10915706370983, h.CommitNumber);
        Assert.Equal("0057F000001eSTfQAM", h.CommitUser);
        Assert.Equal(["LastModifiedDate", "Status"], h.ChangedFields);
        Assert.Empty(h.NulledFields);
        Assert.False(h.IsGap);
        Assert.False(h.IsOverflow);
    }

    [Theory]
    [InlineData("cdc_employee__c_create_event_data_emp_connector.json", "CREATE", 1480821, "Employee__c", "a097F00000XpKo9QAF", 0)]
    [InlineData("cdc_employee__c_update_event_data_emp_connector.json", "UPDATE", 1480822, "Employee__c", "a097F00000XpKo9QAF", 2)]
    [InlineData("cdc_employee__c_delete_event_data_emp_connector.json", "DELETE", 1480823, "Employee__c", "a097F00000XpKo9QAF", 0)]
    [InlineData("cdc_distributor__c_update_event_data_v60.json", "UPDATE", 15529395, "Distributor__c", "a02Hs0000179WYwIAM", 2)]
    public void ParseEvent_RealCdcCaptures_ReadHeaderAndReplayId(string file, string changeType, long replayId, string entity, string recordId, int changedFields)
    {
        var data = Json(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "streaming", file)));

        var e = StreamingEventParser.ParseEvent("/data/ChangeEvents", data);

        Assert.Equal(replayId, e.ReplayId);
        Assert.Equal(changeType, e.ChangeEventHeader!.ChangeType);
        Assert.Equal(entity, e.ChangeEventHeader.EntityName);
        Assert.Equal([recordId], e.ChangeEventHeader.RecordIds);
        Assert.Equal(changedFields, e.ChangeEventHeader.ChangedFields.Count);
        Assert.True(e.ChangeEventHeader.CommitTimestamp > new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.IsType<StreamingEvent>(StreamingEventParser.Classify(e));
    }

    [Fact]
    public void Parse_PushTopicDocExample_PayloadIsTheSObjectAndEventTypeIsRead()
    {
        var message = Json(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "streaming", "pushtopic_event_invoicestatement_doc_example.json")));

        var e = Assert.IsType<StreamingEvent>(StreamingEventParser.Parse(message));

        Assert.Equal("/topic/InvoiceStatementUpdates", e.Channel);
        Assert.Equal(2, e.ReplayId);
        Assert.Equal("created", e.EventType);
        Assert.Equal(new DateTimeOffset(2021, 8, 5, 17, 49, 8, 990, TimeSpan.Zero), e.CreatedDate);
        Assert.Equal("INV-0002", e.Payload.GetProperty("Name").GetString());
        Assert.Null(e.ChangeEventHeader);
    }

    [Fact]
    public void Parse_GapEvent_BecomesGapDetectedWithRecordIds()
    {
        var message = Json("""
            {"channel":"/data/LeadChangeEvent","data":{"schema":"x","payload":{"ChangeEventHeader":{"entityName":"Lead",
             "recordIds":["00Q000000000001AAA","00Q000000000002AAA"],"changeType":"GAP_UPDATE","changeOrigin":"",
             "transactionKey":"t","sequenceNumber":1,"commitTimestamp":1596695083000,"commitNumber":1,"commitUser":"005000000000001AAA",
             "changedFields":[]}},"event":{"replayId":77}}}
            """);

        var gap = Assert.IsType<GapDetected>(StreamingEventParser.Parse(message));

        Assert.Equal("Lead", gap.Entity);
        Assert.Equal(["00Q000000000001AAA", "00Q000000000002AAA"], gap.RecordIds);
        Assert.Equal("GAP_UPDATE", gap.ChangeType);
        Assert.Equal(77, gap.Event.ReplayId);
        Assert.Equal("/data/LeadChangeEvent", gap.Channel);
    }

    [Fact]
    public void Parse_OverflowEvent_BecomesOverflowNamingTheEntity()
    {
        var message = Json("""
            {"channel":"/data/ChangeEvents","data":{"payload":{"ChangeEventHeader":{"entityName":"Opportunity",
             "recordIds":[],"changeType":"GAP_OVERFLOW","commitTimestamp":1596695083000}},"event":{"replayId":78}}}
            """);

        var overflow = Assert.IsType<Overflow>(StreamingEventParser.Parse(message));

        Assert.Equal("Opportunity", overflow.Entity);
        Assert.Equal(78, overflow.Event.ReplayId);
    }

    [Fact]
    public void Parse_PlainBayeuxMessage_PayloadIsDataAndNoReplayId()
    {
        var e = Assert.IsType<StreamingEvent>(StreamingEventParser.Parse(Json("""{"channel":"/news","data":{"text":"hi"},"id":"5"}""")));

        Assert.Null(e.ReplayId);
        Assert.Null(e.ChangeEventHeader);
        Assert.Equal("hi", e.Payload.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("400::The replayId {1553783} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.", 1553783)]
    [InlineData("400::The replayId 42 you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.", 42)]
    public void TryParseInvalidReplayId_SalesforceError_ReadsTheId(string error, long expected)
    {
        Assert.True(StreamingEventParser.TryParseInvalidReplayId(error, out var id));
        Assert.Equal(expected, id);
    }

    [Theory]
    [InlineData("403::Unknown client")]
    [InlineData("400::The channel you requested to subscribe to doesn't exist {/data/X}")]
    [InlineData(null)]
    public void TryParseInvalidReplayId_OtherErrors_False(string? error) =>
        Assert.False(StreamingEventParser.TryParseInvalidReplayId(error, out _));

    [Theory]
    [InlineData(1, 0.0, 500)]
    [InlineData(1, 0.998, 999)]
    [InlineData(2, 0.0, 1000)]
    [InlineData(4, 0.5, 6000)]
    [InlineData(30, 0.0, 60000)]
    [InlineData(100, 1.0, 120000)]
    public void Backoff_GrowsExponentiallyWithJitterUpToTheCap(int attempt, double jitter, double expectedMs)
    {
        var delay = StreamingBackoff.Delay(attempt, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), jitter);

        Assert.Equal(expectedMs, delay.TotalMilliseconds, 0);
    }

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
