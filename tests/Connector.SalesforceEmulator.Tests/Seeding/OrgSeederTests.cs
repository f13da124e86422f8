using System.Text.RegularExpressions;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Tests.Seeding;

/// <summary>One 20,000-lead org shared by the distribution tests (seeding it once keeps the suite quick).</summary>
public sealed class SeededOrgFixture
{
    internal SeededOrg Org { get; } = SeededOrg.Create(leads: 20_000);
}

public sealed partial class OrgSeederTests : IClassFixture<SeededOrgFixture>
{
    private readonly SeededOrg _org;

    public OrgSeederTests(SeededOrgFixture fixture) => _org = fixture.Org;

    private List<SObjectRecord> All(string sobject) => _org.Store.Read(r => r.All(sobject).ToList());

    [Fact]
    public void Seed_SameSeed_ProducesIdenticalRecords()
    {
        var a = SeededOrg.Create(leads: 1_500, seed: 7);
        var b = SeededOrg.Create(leads: 1_500, seed: 7);

        Assert.Equal(a.Counts, b.Counts);
        foreach (var sobject in (string[])["Account", "Contact", "Advocate__c", "Lead", "Opportunity"])
        {
            var left = a.Store.Read(r => r.All(sobject).Select(x => x.CopyValues()).ToList());
            var right = b.Store.Read(r => r.All(sobject).Select(x => x.CopyValues()).ToList());
            Assert.Equal(left.Count, right.Count);
            for (var i = 0; i < left.Count; i++)
            {
                Assert.Equal(left[i], right[i]);
            }
        }
    }

    [Fact]
    public void Seed_DifferentSeed_ProducesDifferentData()
    {
        var a = SeededOrg.Create(leads: 300, seed: 1);
        var b = SeededOrg.Create(leads: 300, seed: 2);

        var emailsA = a.Store.Read(r => r.All("Lead").Select(l => l.GetString("Email")).ToList());
        var emailsB = b.Store.Read(r => r.All("Lead").Select(l => l.GetString("Email")).ToList());
        Assert.NotEqual(emailsA, emailsB);
    }

    [Fact]
    public void Seed_Counts_MatchTheRecordsStored()
    {
        foreach (var (sobject, count) in _org.Counts)
        {
            Assert.Equal(count, All(sobject).Count);
        }

        Assert.Equal(20_000, _org.Counts["Lead"]);
        Assert.True(_org.Counts["Account"] > 1_000);
        Assert.True(_org.Counts["Advocate__c"] > 300);
    }

    [Fact]
    public void Seed_ReferralLeads_UseEveryMethodInTheBenchmarkProportions()
    {
        var leads = All("Lead");
        var referrals = leads.Where(l => l.Get("Advocate__c") is not null).ToList();
        var shares = referrals.GroupBy(l => l.GetString("Referral_Method__c")!)
            .ToDictionary(g => g.Key, g => (double)g.Count() / referrals.Count);

        // Benchmark usage: Social 29%, Email 24%, Lead form 23%, Verbal 13%, Shareable URL 12%, Print cards <1%.
        Assert.InRange(shares["Social"], 0.24, 0.34);
        Assert.InRange(shares["Email"], 0.20, 0.28);
        Assert.InRange(shares["Lead Form"], 0.19, 0.27);
        Assert.InRange(shares["Verbal"], 0.10, 0.17);
        Assert.InRange(shares["Shareable URL"], 0.08, 0.16);
        Assert.InRange(shares["Print Card"], 0.001, 0.03);
        Assert.InRange((double)referrals.Count / leads.Count, 0.80, 0.90);
        Assert.Contains(leads, l => l.Get("Advocate__c") is null && l.GetString("Referral_Method__c") is null);
    }

    [Fact]
    public void Seed_ReferralLeads_CarryMethodSpecificFields()
    {
        var advocates = All("Advocate__c").ToDictionary(a => a.Id);
        var reps = _org.Bootstrap.SalesRepIds.ToHashSet();
        foreach (var lead in All("Lead").Where(l => l.Get("Advocate__c") is not null))
        {
            var method = lead.GetString("Referral_Method__c");
            var advocate = advocates[lead.GetString("Advocate__c")!];
            if (method == "Verbal")
            {
                Assert.Contains(lead.GetString("Logged_By__c")!, reps);
            }
            else
            {
                Assert.Null(lead.Get("Logged_By__c"));
            }

            if (method is "Social" or "Shareable URL" or "Print Card")
            {
                Assert.Equal(advocate.GetString("Referral_Code__c"), lead.GetString("Referral_Code__c"));
            }
            else
            {
                Assert.Null(lead.Get("Referral_Code__c"));
            }
        }
    }

    [Fact]
    public void Seed_LeadStatuses_CoverTheStatusTable()
    {
        var statuses = All("Lead").Select(l => l.GetString("Status")).ToHashSet();
        var table = All("LeadStatus").Select(s => s.GetString("ApiName")).ToHashSet();

        Assert.Equal(table, statuses);
    }

    [Fact]
    public void Seed_ConvertedLeads_PointAtTheirAccountContactAndOpportunity()
    {
        var converted = All("Lead").Where(l => l.Get("IsConverted") is true).ToList();

        Assert.NotEmpty(converted);
        Assert.All(converted, lead =>
        {
            Assert.Equal("Closed - Converted", lead.GetString("Status"));
            Assert.NotNull(lead.Get("ConvertedDate"));
            var opportunity = _org.Store.Read(r => r.Find(lead.GetString("ConvertedOpportunityId")!))!;
            Assert.Equal(lead.GetString("ConvertedAccountId"), opportunity.GetString("AccountId"));
            Assert.Equal(lead.GetString("ConvertedContactId"), opportunity.GetString("ContactId"));
            Assert.Equal(lead.Get("Advocate__c"), opportunity.Get("Advocate__c"));
            Assert.True((DateOnly)lead.Get("ConvertedDate")! <= (DateOnly)opportunity.Get("CloseDate")!);
        });
        Assert.All(All("Lead").Where(l => l.Get("IsConverted") is false), l => Assert.NotEqual("Closed - Converted", l.GetString("Status")));
    }

    [Fact]
    public void Seed_Opportunities_CoverEveryStageCurrencyAndBothYears()
    {
        var opportunities = All("Opportunity");
        var stages = All("OpportunityStage").Select(s => s.GetString("ApiName")).ToHashSet();

        Assert.Equal(stages, opportunities.Select(o => o.GetString("StageName")).ToHashSet());
        Assert.Equal(6, opportunities.Select(o => o.GetString("CurrencyIsoCode")).Distinct().Count());
        Assert.All(opportunities, o => Assert.InRange((DateOnly)o.Get("CloseDate")!, new DateOnly(2025, 1, 1), new DateOnly(2026, 12, 31)));
        Assert.Contains(opportunities, o => ((DateOnly)o.Get("CloseDate")!).Year == 2025);
        Assert.Contains(opportunities, o => ((DateOnly)o.Get("CloseDate")!).Year == 2026);
        Assert.All(opportunities.Where(o => o.GetString("StageName") == "Closed Won"), o =>
        {
            Assert.Equal(true, o.Get("IsWon"));
            Assert.True((decimal)o.Get("Amount")! > 0);
        });
        Assert.All(opportunities.Where(o => o.Get("Advocate__c") is not null), o => Assert.NotNull(o.Get("Referral_State__c")));
    }

    [Fact]
    public void Seed_Conversion_MatchesTheBenchmarks()
    {
        var referrals = All("Lead").Where(l => l.Get("Advocate__c") is not null).ToList();
        var opportunities = All("Opportunity").ToDictionary(o => o.Id);
        bool Won(SObjectRecord lead) => lead.GetString("ConvertedOpportunityId") is { } id && opportunities[id].Get("IsWon") is true;
        double Rate(IEnumerable<SObjectRecord> leads) => leads.Average(l => Won(l) ? 1.0 : 0.0);

        // 13% overall; verbal 32% at the top, social 1% at the bottom.
        Assert.InRange(Rate(referrals), 0.09, 0.17);
        Assert.InRange(Rate(referrals.Where(l => l.GetString("Referral_Method__c") == "Verbal")), 0.22, 0.42);
        Assert.InRange(Rate(referrals.Where(l => l.GetString("Referral_Method__c") == "Social")), 0.0, 0.04);
    }

    [Fact]
    public void Seed_Advocates_AreSkewedTowardsAFewHeavyReferrers()
    {
        var perAdvocate = All("Lead").Where(l => l.Get("Advocate__c") is not null)
            .GroupBy(l => l.GetString("Advocate__c")).Select(g => g.Count()).OrderByDescending(c => c).ToList();
        var total = perAdvocate.Sum();

        // Benchmarks: the top 1% of advocates make ~22% of referrals, the top 10% ~54%.
        var top1 = (double)perAdvocate.Take(Math.Max(1, perAdvocate.Count / 100)).Sum() / total;
        var top10 = (double)perAdvocate.Take(Math.Max(1, perAdvocate.Count / 10)).Sum() / total;
        Assert.InRange(top1, 0.10, 0.40);
        Assert.InRange(top10, 0.35, 0.70);
    }

    [Fact]
    public void Seed_Advocates_AreEnrolledContactsWithUniqueCodesAndTrueTotals()
    {
        var advocates = All("Advocate__c");
        var leadsByAdvocate = All("Lead").Where(l => l.Get("Advocate__c") is not null).ToLookup(l => l.GetString("Advocate__c"));

        Assert.Equal(advocates.Count, advocates.Select(a => a.GetString("Referral_Code__c")).Distinct().Count());
        Assert.Equal(advocates.Count, advocates.Select(a => a.GetString("External_Key__c")).Distinct().Count());
        Assert.InRange(advocates.Count(a => a.GetString("Status__c") == "Active") / (double)advocates.Count, 0.7, 0.9);
        Assert.All(advocates, a =>
        {
            Assert.Matches(ReferralCodePattern(), a.GetString("Referral_Code__c")!);
            var contact = _org.Store.Read(r => r.Find(a.GetString("Contact__c")!))!;
            Assert.Equal(a.Id, contact.GetString("Advocate__c"));
            Assert.Equal(contact.GetString("AccountId"), a.GetString("Account__c"));
            Assert.Equal(contact.GetString("OwnerId"), a.GetString("OwnerId"));
            Assert.Equal(contact.GetString("Name"), a.GetString("Name"));
            Assert.Equal((decimal)leadsByAdvocate[a.Id].Count(), (decimal)a.Get("Total_Referrals__c")!);
            Assert.Equal((decimal)a.Get("Total_Referrals__c")!,
                (decimal)a.Get("Open_Referrals__c")! + (decimal)a.Get("Won_Referrals__c")! + (decimal)a.Get("Lost_Referrals__c")!);
            Assert.Equal(a.GetString("Status__c") == "Invited", a.Get("Enrolled_Date__c") is null);
        });
    }

    [Fact]
    public void Seed_EveryLookup_PointsAtAnExistingRecordOfTheRightType()
    {
        var checkedValues = 0;
        _org.Store.Read(r =>
        {
            foreach (var sobject in r.Schema.Objects)
            {
                var references = sobject.Fields.Where(f => f.Type == FieldType.Reference).ToList();
                foreach (var record in r.All(sobject.Name))
                {
                    foreach (var field in references)
                    {
                        if (record[field] is not string id)
                        {
                            continue;
                        }

                        var target = r.Find(id);
                        Assert.True(target is not null, $"{sobject.Name}.{field.Name} of {record.Id} points at missing {id}");
                        Assert.Contains(target.Schema.Name, field.ReferenceTo);
                        checkedValues++;
                    }
                }
            }

            return 0;
        });

        Assert.True(checkedValues > 100_000);
    }

    [Fact]
    public void Seed_Records_AreOwnedByRepsOrTheLeadQueue()
    {
        var owners = _org.Bootstrap.SalesRepIds.Append(_org.Bootstrap.LeadQueueId).ToHashSet();
        foreach (var sobject in (string[])["Account", "Contact", "Advocate__c", "Lead", "Opportunity"])
        {
            Assert.All(All(sobject), r => Assert.Contains(r.GetString("OwnerId")!, owners));
        }

        Assert.All(All("Opportunity"), o => Assert.StartsWith("005", o.GetString("OwnerId"), StringComparison.Ordinal));
        var contactsByAccount = All("Contact").ToLookup(c => c.GetString("AccountId"));
        Assert.All(All("Account"), a => Assert.All(contactsByAccount[a.Id], c => Assert.Equal(a.GetString("OwnerId"), c.GetString("OwnerId"))));
    }

    [Fact]
    public void Seed_PublishesNoChangeEvents()
    {
        var listener = new CountingListener();
        var (store, dml, _, bootstrap) = SeededOrg.CreateBootstrapped(new Hosting.EmulatorOptions());
        store.AddListener(listener);

        Connector.SalesforceEmulator.Seeding.OrgSeeder.Seed(store, dml, bootstrap, new Hosting.SeedOptions { Leads = 200 });

        Assert.Equal(200, store.Count("Lead"));
        Assert.Equal(0, listener.Changes);
    }

    [GeneratedRegex("^REF-[2-9A-HJ-NP-Z]{6}$")]
    private static partial Regex ReferralCodePattern();

    private sealed class CountingListener : IOrgChangeListener
    {
        public int Changes { get; private set; }

        public void OnCommitted(IReadOnlyList<RecordChange> changes) => Changes += changes.Count;
    }
}
