using System.Net;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Simulation;

[Collection(EmulatorCollection.Name)]
public sealed class SimulationEndpointsTests(EmulatorFixture fx)
{
    private const string V = EmulatorFixture.V;

    private sealed class Recorder : IOrgChangeListener
    {
        public List<RecordChange> Changes { get; } = [];

        public void OnCommitted(IReadOnlyList<RecordChange> changes)
        {
            lock (Changes)
            {
                Changes.AddRange(changes);
            }
        }
    }

    [Fact]
    public async Task ConvertLead_CreatesAccountContactOpportunityInOneTransaction()
    {
        var recorder = new Recorder();
        fx.Server.Store.AddListener(recorder);
        var lead = (await (await fx.Http.PostAsync($"{V}/sobjects/Lead", Json.Body(new { FirstName = "Ada", LastName = "Lovelace", Company = "Analytical Engines", Email = "ada@example.com" }))).ReadAsync()).Str("id");

        using var response = await fx.Http.PostAsync($"/emulator/leads/{lead}/convert", Json.Body(new { opportunityName = "Engines deal" }));
        var result = await response.ReadAsync();
        var converted = await (await fx.Http.GetAsync($"{V}/sobjects/Lead/{lead}")).ReadAsync();
        var opportunity = await (await fx.Http.GetAsync($"{V}/sobjects/Opportunity/{result.Str("opportunityId")}")).ReadAsync();
        using var update = await fx.Http.PatchAsync($"{V}/sobjects/Lead/{lead}", Json.Body(new { Company = "Changed" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(converted.GetProperty("IsConverted").GetBoolean());
        Assert.Equal("Closed - Converted", converted.Str("Status"));
        Assert.Equal(result.Str("accountId"), converted.Str("ConvertedAccountId"));
        Assert.Equal(result.Str("contactId"), converted.Str("ConvertedContactId"));
        Assert.Equal(result.Str("opportunityId"), converted.Str("ConvertedOpportunityId"));
        Assert.Equal("Prospecting", opportunity.Str("StageName"));
        Assert.Equal(result.Str("accountId"), opportunity.Str("AccountId"));
        Assert.Equal("CANNOT_UPDATE_CONVERTED_LEAD", (await update.ReadAsync())[0].Str("errorCode"));

        List<RecordChange> conversion;
        lock (recorder.Changes)
        {
            conversion = recorder.Changes.Where(c => c.TransactionKey == recorder.Changes.Last(x => x.Object.Name == "Lead" && x.RecordIds[0] == lead).TransactionKey).ToList();
        }

        Assert.Equal(["Account", "Contact", "Opportunity", "Lead"], conversion.Select(c => c.Object.Name));
        Assert.Contains("ConvertedOpportunityId", conversion[3].ChangedFields);
        Assert.Equal(string.Empty, conversion[3].ChangeOrigin);
    }

    [Fact]
    public async Task MoveStage_ToClosedWon_SetsWon()
    {
        var id = (await (await fx.Http.PostAsync($"{V}/sobjects/Opportunity", Json.Body(new { Name = "Deal", StageName = "Prospecting", CloseDate = "2026-12-01" }))).ReadAsync()).Str("id");

        using var response = await fx.Http.PostAsync($"/emulator/opportunities/{id}/stage", Json.Body(new { stage = "Closed Won", amount = 2500 }));
        var opportunity = await (await fx.Http.GetAsync($"{V}/sobjects/Opportunity/{id}?fields=IsWon,Amount")).ReadAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(opportunity.GetProperty("IsWon").GetBoolean());
        Assert.Equal(2500m, opportunity.GetProperty("Amount").GetDecimal());
    }

    [Fact]
    public async Task DeleteAndUndelete_AsARep()
    {
        var id = (await (await fx.Http.PostAsync($"{V}/sobjects/Account", Json.Body(new { Name = "Recycle" }))).ReadAsync()).Str("id");

        using var deleted = await fx.Http.DeleteAsync($"/emulator/records/{id}");
        using var gone = await fx.Http.GetAsync($"{V}/sobjects/Account/{id}");
        using var undeleted = await fx.Http.PostAsync($"/emulator/records/{id}/undelete", null);
        using var back = await fx.Http.GetAsync($"{V}/sobjects/Account/{id}");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, undeleted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task Simulation_BadInput_GetsClearError()
    {
        using var response = await fx.Http.PostAsync("/emulator/leads/00Q5g0000000zzzAAA/convert", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_CROSS_REFERENCE_KEY", (await response.ReadAsync())[0].Str("errorCode"));
    }
}
