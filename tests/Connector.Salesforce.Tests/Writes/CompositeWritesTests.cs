using System.Text.Json;
using Connector.Salesforce.Query;
using Connector.Salesforce.Tests.Support;
using Connector.Salesforce.Writes;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Seeding;

namespace Connector.Salesforce.Tests.Writes;

public sealed class CompositeWritesTests
{
    private const string Composite = "POST /services/data/v{version}/composite";

    private static async Task<ClientHarness> StartAsync() =>
        await ClientHarness.StartAsync(clientSettings: new Dictionary<string, string?> { ["Salesforce:ApiVersion"] = "62.0" });

    private static async Task<List<string>> CreateLeadsAsync(ClientHarness h, int count, string company)
    {
        var created = await h.Get<SalesforceWrites>().CreateAsync("Lead", Enumerable.Range(0, count).Select(i => new { LastName = "C" + i, Company = company }).ToList());
        Assert.All(created, r => Assert.True(r.Success));
        return [.. created.Select(r => r.Id!)];
    }

    [Fact]
    public async Task WriteCompositeAsync_800OwnersAnd150ProfileUpserts_OneApiCall_OwnersStick()
    {
        await using var h = await StartAsync();
        var leads = await CreateLeadsAsync(h, 800, "Composite Owners");
        var me = h.Emulator.Get<OrgBootstrap>().IntegrationUserId;
        var usage = h.Emulator.Get<ApiUsage>();
        var before = usage.Used;
        var endpointsBefore = usage.ByEndpoint;

        var results = await h.Get<SalesforceWrites>().WriteCompositeAsync(
        [
            CollectionWrite.Update("Lead", leads.Select(id => new { Id = id, OwnerId = me }).ToList()),
            CollectionWrite.Upsert("Advocate__c", "External_Key__c", Enumerable.Range(0, 150)
                .Select(i => new Dictionary<string, object?> { ["External_Key__c"] = "composite-" + i, ["Name"] = "Composite " + i }).ToList()),
        ]);

        Assert.Equal(1, usage.Used - before);
        Assert.Equal(1, usage.ByEndpoint[Composite] - endpointsBefore.GetValueOrDefault(Composite));
        Assert.Equal(Enumerable.Range(0, 800), results[0].Select(r => r.Index));
        Assert.Equal(leads, results[0].Select(r => r.Id));
        Assert.All(results[1], r => Assert.True(r.Success && r.Created == true));
        Assert.Equal(Enumerable.Range(0, 150), results[1].Select(r => r.Index));
        // The rule picks a sales rep on every update without Sforce-Auto-Assign: FALSE; the header rode in each subrequest.
        var owners = await h.Get<SalesforceQueries>().QueryAsync(Soql.From("Lead").Select("Id", "OwnerId").Where(Soql.Field("Company").Equal("Composite Owners"))).ToListAsync();
        Assert.Equal(800, owners.Count(o => o.GetProperty("OwnerId").GetString() == me));
    }

    [Fact]
    public async Task WriteCompositeAsync_AutoAssignTrue_LetsTheRuleWin()
    {
        await using var h = await StartAsync();
        var leads = await CreateLeadsAsync(h, 3, "Composite Rule");
        var me = h.Emulator.Get<OrgBootstrap>().IntegrationUserId;

        var results = await h.Get<SalesforceWrites>().WriteCompositeAsync(
            [CollectionWrite.Update("Lead", leads.Select(id => new { Id = id, OwnerId = me }).ToList(), autoAssign: true)]);

        Assert.All(results[0], r => Assert.True(r.Success));
        var owners = await h.Get<SalesforceQueries>().QueryAsync(Soql.From("Lead").Select("OwnerId").Where(Soql.Field("Company").Equal("Composite Rule"))).ToListAsync();
        Assert.All(owners, o => Assert.Contains(o.GetProperty("OwnerId").GetString(), h.Emulator.Get<OrgBootstrap>().SalesRepIds));
    }

    [Fact]
    public async Task WriteCompositeAsync_1200Records_TwoCallsResultsInOrder()
    {
        await using var h = await StartAsync();
        var leads = await CreateLeadsAsync(h, 1200, "Composite Split");
        var usage = h.Emulator.Get<ApiUsage>();
        var before = usage.ByEndpoint.GetValueOrDefault(Composite);

        var results = await h.Get<SalesforceWrites>().WriteCompositeAsync(
            [CollectionWrite.Update("Lead", leads.Select((id, i) => new { Id = id, Title = "Split " + i }).ToList())]);

        Assert.Equal(2, usage.ByEndpoint[Composite] - before);
        Assert.Equal(Enumerable.Range(0, 1200), results[0].Select(r => r.Index));
        Assert.All(results[0], r => Assert.True(r.Success));
        Assert.Equal(1200, await h.Get<SalesforceQueries>().CountAsync(Soql.From("Lead").Where(Soql.Field("Title").StartsWith("Split "))));
    }

    [Fact]
    public async Task WriteCompositeAsync_RefusedSubrequest_FailsOnlyItsRecords()
    {
        await using var h = await StartAsync();
        var leads = await CreateLeadsAsync(h, 3, "Composite Failures");

        var results = await h.Get<SalesforceWrites>().WriteCompositeAsync(
        [
            CollectionWrite.Update<object>("Lead", [new { Id = leads[0], Title = "Kept" }, new { Id = leads[1], Email = "not an email" }]),
            CollectionWrite.Update("Lead", [new Dictionary<string, object> { ["Id"] = leads[2], ["No_Such_Field__c"] = "x" }]),
            CollectionWrite.Update("Lead", [new { Id = leads[2], Title = "Also kept" }]),
        ]);

        Assert.True(results[0][0].Success);
        Assert.Equal("INVALID_EMAIL_ADDRESS", Assert.Single(results[0][1].Errors).ErrorCode);
        Assert.False(results[1][0].Success);
        Assert.Equal("INVALID_FIELD", results[1][0].Errors[0].ErrorCode);
        Assert.True(results[2][0].Success);
        var titles = await h.Get<SalesforceQueries>().QueryAsync(Soql.From("Lead").Select("Id", "Title").Where(Soql.Field("Company").Equal("Composite Failures"))).ToListAsync();
        Assert.Equal(["Also kept", "Kept"], titles.Select(t => t.GetProperty("Title").GetString()).OfType<string>().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RecordResults_SubrequestNotFound_FailsEachRecordWithItsError()
    {
        var answer = CompositeAnswer.Parse(Fixtures.Json("rest-composite/composite_subrequest_404_not_found_cumulusci.json"));
        var sub = answer["CCI__RefId__0__"];

        var results = CompositeAnswer.RecordResults(sub, 200, 3);

        Assert.Equal(404, sub.HttpStatusCode);
        Assert.Equal([200, 201, 202], results.Select(r => r.Index));
        Assert.All(results, r => Assert.Equal(("NOT_FOUND", "The requested resource does not exist"), (r.Errors[0].ErrorCode, r.Errors[0].Message)));
        Assert.All(results, r => Assert.True(!r.Success && r.CallRefused));
    }

    [Fact]
    public void RecordResults_AllOrNoneRollback_ReportsHaltedAndTheCause()
    {
        var answer = CompositeAnswer.Parse(Fixtures.Json("rest-composite/composite_allornone_rollback_processing_halted_camel.json"));

        var halted = CompositeAnswer.RecordResults(answer["NewPayment1"], 0, 2);
        var cause = CompositeAnswer.RecordResults(answer["NewPayment2"], 0, 1);

        Assert.All(halted, r => Assert.Equal("PROCESSING_HALTED", r.Errors[0].ErrorCode));
        Assert.Equal("INVALID_FIELD", cause[0].Errors[0].ErrorCode);
        Assert.Empty(cause[0].Errors[0].Fields);
    }

    [Fact]
    public void RecordResults_CollectionBodyInASubrequest_ParsesPerRecordStatusCodes()
    {
        var collection = Fixtures.Json("rest-composite/sobject_collections_upsert_partial_failure_statuscode_doc_example.json");
        using var doc = JsonDocument.Parse($$"""{"compositeResponse":[{"body":{{collection.GetRawText()}},"httpHeaders":{},"httpStatusCode":200,"referenceId":"w0_0"}]}""");

        var results = CompositeAnswer.RecordResults(CompositeAnswer.Parse(doc.RootElement)["w0_0"], 0, 2);

        Assert.True(results[0].Success);
        Assert.False(results[1].CallRefused);
        Assert.Equal("001xx0000004GxDAAU", results[0].Id);
        Assert.Equal("MALFORMED_ID", results[1].Errors[0].ErrorCode);
        Assert.Equal(["Id"], results[1].Errors[0].Fields);
        Assert.Throws<JsonException>(() => CompositeAnswer.RecordResults(CompositeAnswer.Parse(doc.RootElement)["w0_0"], 0, 3));
    }

    [Fact]
    public void RecordResults_ServerErrorInASubrequest_IsThrownAsThatStatusNotChargedToTheRecords()
    {
        using var doc = JsonDocument.Parse("""
            {"compositeResponse":[{"body":[{"errorCode":"UNKNOWN_EXCEPTION","message":"An unexpected error occurred."}],"httpHeaders":{},"httpStatusCode":500,"referenceId":"w0_0"}]}
            """);

        var e = Assert.Throws<SalesforceApiException>(() => CompositeAnswer.RecordResults(CompositeAnswer.Parse(doc.RootElement)["w0_0"], 0, 2));

        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, e.Status);
        Assert.Equal("UNKNOWN_EXCEPTION", e.ErrorCode);
    }

    [Fact]
    public void Parse_NotACompositeAnswer_Throws()
    {
        using var doc = JsonDocument.Parse("""[{"id":"001","success":true,"errors":[]}]""");

        Assert.Throws<JsonException>(() => CompositeAnswer.Parse(doc.RootElement));
    }
}
