using Connector.Salesforce.Tests.Support;
using Connector.Salesforce.Writes;

namespace Connector.Salesforce.Tests.Writes;

public sealed class RecordResultTests
{
    [Fact]
    public void ParseBatch_RealCreateAnswer_NumbersFromOffset()
    {
        var results = RecordResult.ParseBatch(Fixtures.Json("rest-composite/sobject_collections_create_cumulusci.json"), 200);

        Assert.Equal(6, results.Count);
        Assert.Equal(Enumerable.Range(200, 6), results.Select(r => r.Index));
        Assert.All(results, r => Assert.True(r.Success));
        Assert.Equal("001Da00000xnAkBIAU", results[0].Id);
        Assert.Null(results[0].Created);
    }

    [Fact]
    public void ParseBatch_UpsertAnswer_ReadsCreated()
    {
        var results = RecordResult.ParseBatch(Fixtures.Json("rest-composite/sobject_collections_upsert_by_id_created_cumulusci.json"), 0);

        Assert.All(results, r => Assert.True(r.Created));
    }

    [Fact]
    public void ParseBatch_PartialFailure_ReadsStatusCodeErrors()
    {
        var results = RecordResult.ParseBatch(Fixtures.Json("rest-composite/sobject_collections_upsert_partial_failure_statuscode_doc_example.json"), 0);

        Assert.True(results[0].Success);
        Assert.False(results[1].Success);
        Assert.Null(results[1].Id);
        var error = Assert.Single(results[1].Errors);
        Assert.Equal("MALFORMED_ID", error.ErrorCode);
        Assert.Equal(["Id"], error.Fields);
    }

    [Fact]
    public void ParseBatch_AllOrNoneRolledBack_MarksEveryRow()
    {
        var results = RecordResult.ParseBatch(Fixtures.Json("rest-composite/sobject_collections_upsert_allornone_rolled_back_doc_example.json"), 0);

        Assert.All(results, r => Assert.False(r.Success));
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", results[0].Errors[0].ErrorCode);
        Assert.Equal("001xx0000004GxDAAU", results[0].Id);
    }

    [Fact]
    public void ParseMatches_Real300Body_ListsUrls()
    {
        var urls = UpsertMultipleMatchesException.ParseMatches(Fixtures.Text("rest-errors/upsert_300_multiple_choices_restforce.json"));
        var e = new UpsertMultipleMatchesException("PATCH /x", urls);

        Assert.Equal(["/services/data/v23.0/sobjects/Whizbang/foo", "/services/data/v23.0/sobjects/Whizbang/bar"], urls);
        Assert.Equal(["foo", "bar"], e.MatchIds);
        Assert.Equal(System.Net.HttpStatusCode.MultipleChoices, e.Status);
    }
}
