using Connector.Referrals.Processing;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Streaming;
using Connector.Worker.Sync;

namespace Connector.Worker.Tests.Sync;

/// <summary>
/// The normalizer on what the emulated org really delivers: change events through the client's streaming
/// subscription, and rows through the client's REST queries.
/// </summary>
public sealed class ChangeNormalizerEmulatorTests(EmulatedOrg org) : IClassFixture<EmulatedOrg>
{
    /// <summary>What a REST row holds that a CDC CREATE does not: fields change events never carry.</summary>
    private static readonly HashSet<string> OnlyInQueries = new(StringComparer.OrdinalIgnoreCase)
    {
        "Id", "IsDeleted", "SystemModstamp", "LastViewedDate", "LastReferencedDate", "Name",
    };

    private readonly ChangeNormalizer _normalizer = new();

    [Fact]
    public async Task ReferralLead_CreatedThenReadByQuery_NormalizesToTheSameFieldValues()
    {
        var advocate = await org.CreateAsync("Advocate__c", new { Name = "Grace Hopper" });
        var leadId = await org.CreateAsync("Lead", new
        {
            FirstName = "Ada", LastName = "Lovelace", Company = "Analytical Engines", Email = "ada@example.com",
            Advocate__c = advocate, Referral_Method__c = "Verbal", Referral_Code__c = "GRACE-1", AnnualRevenue = 1250000.5m,
            NumberOfEmployees = 12,
        });
        var describe = await org.DescribeAsync("Lead");

        var cdc = Assert.Single(_normalizer.FromEvent(await org.WaitForAsync("CREATE", leadId), describe).Changes);
        var rest = _normalizer.FromRecord(await org.QueryRowAsync("Lead", leadId), describe);

        Assert.Equal(ChangeKind.Create, cdc.Kind);
        Assert.True(cdc.IsSnapshot && rest.IsSnapshot);
        Assert.StartsWith("cdc:", cdc.EventKey, StringComparison.Ordinal);
        Assert.StartsWith($"sync:{leadId}:", rest.EventKey, StringComparison.Ordinal);
        // The row (stamped to the second) orders after every change committed in its second, the CREATE included.
        Assert.InRange(rest.CommitTimestamp - cdc.CommitTimestamp, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        // Every data field of the lead, not a lucky few: the rows differ only in what change events never carry.
        Assert.True(cdc.Fields.Count >= 30, $"only {cdc.Fields.Count} fields in the CREATE snapshot");
        foreach (var (field, value) in cdc.Fields)
        {
            Assert.True(rest.Has(field), $"the query row lacks {field}");
            Assert.True(Equals(value, rest.Value(field)), $"{field}: CDC {value?.ToString() ?? "null"} ({value?.GetType().Name}), REST {rest.Value(field)?.ToString() ?? "null"} ({rest.Value(field)?.GetType().Name})");
        }

        var onlyInRest = rest.Fields.Keys.Where(f => !cdc.Has(f) && !OnlyInQueries.Contains(f)).ToList();
        Assert.True(onlyInRest.Count == 0, "only in the query row: " + string.Join(", ", onlyInRest));
        // What the domain reads to register the referral, typed.
        Assert.Equal(advocate, cdc.Text(LeadFields.Advocate));
        Assert.Equal("Verbal", cdc.Text(LeadFields.ReferralMethod));
        Assert.Equal("Ada", cdc.Text(LeadFields.FirstName));
        Assert.Equal("Lovelace", cdc.Text(LeadFields.LastName));
        Assert.Equal(false, cdc.Flag(LeadFields.IsConverted));
        Assert.Equal(FieldValue.Of(1250000.5m), cdc.Value("AnnualRevenue"));
        Assert.IsType<FieldValue.TimestampValue>(cdc.Value(LeadFields.CreatedDate));
        Assert.Null(cdc.Value(LeadFields.ConvertedOpportunityId));
        Assert.True(cdc.Has(LeadFields.ConvertedOpportunityId));
    }

    [Fact]
    public async Task Lead_UpdatedAndFieldCleared_IsAPartialChangeWithTheNull()
    {
        var leadId = await org.CreateAsync("Lead", new { LastName = "Turing", Company = "Bletchley", Phone = "+44 20 7946 0000" });
        await org.UpdateAsync(leadId, new { Status = "Working - Contacted", Phone = (string?)null, LastName = "Turing-Smith" });
        var describe = await org.DescribeAsync("Lead");

        var change = Assert.Single(_normalizer.FromEvent(await org.WaitForAsync("UPDATE", leadId), describe).Changes);

        Assert.Equal(ChangeKind.Update, change.Kind);
        Assert.False(change.IsSnapshot);
        Assert.Equal("Working - Contacted", change.Text(LeadFields.Status));
        Assert.Equal("Turing-Smith", change.Text(LeadFields.LastName));
        Assert.True(change.Has(LeadFields.Phone));
        Assert.Null(change.Value(LeadFields.Phone));
        Assert.Contains(LeadFields.Phone, change.ChangedFields);
        Assert.Contains(LeadFields.LastName, change.ChangedFields);
        Assert.False(change.Has(LeadFields.Company));
    }

    [Fact]
    public async Task Lead_Converted_UpdateCarriesConversionAndOpportunityCreateIsASnapshot()
    {
        var leadId = await org.CreateAsync("Lead", new { FirstName = "Katherine", LastName = "Johnson", Company = "Langley" });
        var converted = await org.ConvertAsync(leadId);
        var opportunityId = converted.GetProperty("opportunityId").GetString()!;
        var lead = await org.DescribeAsync("Lead");
        var opportunity = await org.DescribeAsync("Opportunity");

        var leadEvent = await org.WaitForAsync(e => e.ChangeEventHeader is { ChangeType: "UPDATE" } h && h.RecordIds.Contains(leadId) &&
            h.ChangedFields.Contains("IsConverted"), $"conversion of {leadId}");
        var leadChange = Assert.Single(_normalizer.FromEvent(leadEvent, lead).Changes);
        var opportunityChange = Assert.Single(_normalizer.FromEvent(await org.WaitForAsync("CREATE", opportunityId), opportunity).Changes);

        Assert.Equal(true, leadChange.Flag(LeadFields.IsConverted));
        Assert.Equal(opportunityId, leadChange.Text(LeadFields.ConvertedOpportunityId));
        Assert.IsType<FieldValue.DateValue>(leadChange.Value("ConvertedDate"));
        Assert.Equal("Closed - Converted", leadChange.Text(LeadFields.Status));
        // One transaction: the same key prefix, the opportunity's event first.
        var transaction = leadEvent.ChangeEventHeader!.TransactionKey;
        Assert.StartsWith($"cdc:{transaction}:", leadChange.EventKey, StringComparison.Ordinal);
        Assert.StartsWith($"cdc:{transaction}:", opportunityChange.EventKey, StringComparison.Ordinal);
        Assert.Equal(ChangeEntity.Opportunity, opportunityChange.Entity);
        Assert.True(opportunityChange.IsSnapshot);
        Assert.IsType<FieldValue.DateValue>(opportunityChange.Value(OpportunityFields.CloseDate));
        Assert.NotNull(opportunityChange.Text(OpportunityFields.StageName));
        Assert.True(opportunityChange.Has(OpportunityFields.Amount));
    }

    [Fact]
    public async Task Opportunity_ClosedWonWithAmount_CarriesTheStageAndTheAmountAsANumber()
    {
        var leadId = await org.CreateAsync("Lead", new { LastName = "Hamilton", Company = "Apollo" });
        var opportunityId = (await org.ConvertAsync(leadId)).GetProperty("opportunityId").GetString()!;
        await org.MoveStageAsync(opportunityId, "Closed Won", 48250.75m);
        var describe = await org.DescribeAsync("Opportunity");

        var won = await org.WaitForAsync(e => e.ChangeEventHeader is { ChangeType: "UPDATE" } h && h.RecordIds.Contains(opportunityId) &&
            h.ChangedFields.Contains("StageName"), $"stage change of {opportunityId}");
        var change = Assert.Single(_normalizer.FromEvent(won, describe).Changes);
        var row = _normalizer.FromRecord(await org.QueryRowAsync("Opportunity", opportunityId), describe);

        Assert.Equal("Closed Won", change.Text(OpportunityFields.StageName));
        Assert.Equal(FieldValue.Of(48250.75m), change.Value(OpportunityFields.Amount));
        Assert.Equal(true, change.Flag("IsWon"));
        Assert.Equal(true, change.Flag("IsClosed"));
        Assert.Equal(row.Value(OpportunityFields.Amount), change.Value(OpportunityFields.Amount));
        Assert.Equal(row.Value(OpportunityFields.StageName), change.Value(OpportunityFields.StageName));
        if (describe.FindField(OpportunityFields.CurrencyIsoCode) is not null)
        {
            Assert.Matches("^[A-Z]{3}$", row.Text(OpportunityFields.CurrencyIsoCode));
        }
    }

    [Fact]
    public async Task Lead_Deleted_IsADeleteFromTheStreamAndFromQueryAll()
    {
        var leadId = await org.CreateAsync("Lead", new { LastName = "Noether", Company = "Erlangen" });
        await org.DeleteAsync(leadId);
        var describe = await org.DescribeAsync("Lead");

        var change = Assert.Single(_normalizer.FromEvent(await org.WaitForAsync("DELETE", leadId), describe).Changes);
        var row = _normalizer.FromRecord(await org.QueryRowAsync("Lead", leadId, includeDeleted: true), describe);

        Assert.Equal(ChangeKind.Delete, change.Kind);
        Assert.Empty(change.Fields);
        Assert.Equal(ChangeKind.Delete, row.Kind);
        Assert.Equal(leadId, row.RecordId);
    }

    [Fact]
    public async Task Gap_ForTwoLeads_IsAGapChangeForEach()
    {
        var first = await org.CreateAsync("Lead", new { LastName = "Gap One", Company = "Gaps" });
        var second = await org.CreateAsync("Lead", new { LastName = "Gap Two", Company = "Gaps" });
        await org.GapAsync("Lead", [first, second], "GAP_UPDATE");
        var describe = await org.DescribeAsync("Lead");

        var gap = await org.WaitForAsync("GAP_UPDATE", first);
        Assert.IsType<GapDetected>(StreamingEventParser.Classify(gap));
        var changes = _normalizer.FromEvent(gap, describe).Changes;

        Assert.Equal([first, second], changes.Select(c => c.RecordId));
        Assert.All(changes, c => Assert.Equal(ChangeKind.Gap, c.Kind));
        Assert.Equal(2, changes.Select(c => c.EventKey).Distinct().Count());
    }

    [Fact]
    public async Task Overflow_OnOpportunity_AsksForAnEntityResync()
    {
        await org.OverflowAsync("Opportunity");
        var describe = await org.DescribeAsync("Opportunity");

        var overflow = await org.WaitForAsync(e => e.ChangeEventHeader is { IsOverflow: true, EntityName: "Opportunity" }, "GAP_OVERFLOW on Opportunity");
        var result = _normalizer.FromEvent(overflow, describe);

        Assert.Empty(result.Changes);
        Assert.Equal(ChangeEntity.Opportunity, result.Resync?.Entity);
    }

    [Fact]
    public async Task MassUpdate_OneTransactionOverSeveralLeads_GivesOneChangePerLead()
    {
        var ids = new[]
        {
            await org.CreateAsync("Lead", new { LastName = "Mass One", Company = "Mass" }),
            await org.CreateAsync("Lead", new { LastName = "Mass Two", Company = "Mass" }),
            await org.CreateAsync("Lead", new { LastName = "Mass Three", Company = "Mass" }),
        };
        await org.MassUpdateAsync("Lead", ids, new { Rating = "Hot" });
        var describe = await org.DescribeAsync("Lead");

        var changes = new List<SalesforceChange>();
        foreach (var id in ids)
        {
            var e = await org.WaitForAsync("UPDATE", id);
            changes.AddRange(_normalizer.FromEvent(e, describe).Changes.Where(c => c.RecordId == id));
        }

        Assert.Equal(ids, changes.Select(c => c.RecordId));
        Assert.All(changes, c => Assert.Equal("Hot", c.Text("Rating")));
        Assert.Equal(3, changes.Select(c => c.EventKey).Distinct().Count());
        Assert.Single(changes.Select(c => c.EventKey.Split(':')[1]).Distinct());
    }

    [Fact]
    public async Task Describe_FromTheOrg_TypesTheCustomFieldsTheDomainReads()
    {
        SObjectDescription advocate = await org.DescribeAsync("Advocate__c");
        var id = await org.CreateAsync("Advocate__c", new
        {
            Name = "Typed Advocate", Status__c = "Active", Enrolled_Date__c = "2026-01-05", Tax_Form_Required__c = true,
            Rewards_Earned__c = 150.25m, Conversion_Rate__c = 12.5m, Total_Referrals__c = 3,
        });

        var change = _normalizer.FromRecord(await org.QueryRowAsync("Advocate__c", id), advocate);

        Assert.Equal(ChangeEntity.Advocate, change.Entity);
        Assert.Equal("Active", change.Text(AdvocateFields.Status));
        Assert.Equal(FieldValue.Of(new DateOnly(2026, 1, 5)), change.Value(AdvocateFields.EnrolledDate));
        Assert.Equal(true, change.Flag("Tax_Form_Required__c"));
        Assert.Equal(FieldValue.Of(150.25m), change.Value("Rewards_Earned__c"));
        Assert.Equal(FieldValue.Of(12.5m), change.Value("Conversion_Rate__c"));
        Assert.Equal(FieldValue.Of(3m), change.Value("Total_Referrals__c"));
        Assert.IsType<FieldValue.TextValue>(change.Value(AdvocateFields.OwnerId));
    }
}
