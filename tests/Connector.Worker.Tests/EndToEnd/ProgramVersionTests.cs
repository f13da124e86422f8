using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Connector.Admin;
using Connector.Ledger.Programs;
using Connector.Referrals.Processing;
using Connector.SalesforceEmulator.Hosting;

namespace Connector.Worker.Tests.EndToEnd;

/// <summary>
/// Issue 7 through the `run` host: a program version saved with the console's JSON API (local admin, HTTP Basic) is what
/// the next Salesforce change is applied under — routing switched off, the advocate read from another field, leads routed
/// to the advocate's Contact owner.
/// </summary>
public sealed class ProgramVersionTests
{
    private const string Admin = "ops";
    private const string Password = "e2e admin password";

    private sealed record Referral(string ReferralKey, string AdvocateId);

    private static Dictionary<string, string?> AdminSettings() => new()
    {
        ["Admin:LocalAdmins:0:Username"] = Admin,
        ["Admin:LocalAdmins:0:PasswordHash"] = LocalAdminCredentials.Hash(Password),
    };

    private static HttpClient Api(ConnectorHarness org)
    {
        var client = new HttpClient { BaseAddress = org.AppUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Admin}:{Password}")));
        return client;
    }

    private static async Task SaveAsync(ConnectorHarness org, Func<ProgramDocument, ProgramDocument> edit, string comment)
    {
        using var api = Api(org);
        var current = ProgramJson.Deserialize(await api.GetStringAsync("/admin/api/mapping"));
        using var saved = await api.PutAsync($"/admin/api/mapping?comment={Uri.EscapeDataString(comment)}",
            new StringContent(ProgramJson.Serialize(edit(current)), Encoding.UTF8, "application/json"));
        Assert.True(saved.StatusCode == HttpStatusCode.OK, $"save: {(int)saved.StatusCode} {await saved.Content.ReadAsStringAsync()}");
    }

    private static async Task<Referral?> ReferralOf(ConnectorHarness org, string lead) =>
        (await org.LedgerAsync((tx, ct) => tx.QueryAsync<Referral>(
            "SELECT referral_key, advocate_id FROM referrals WHERE lead_id = @Lead", new { Lead = lead }, ct))).SingleOrDefault();

    private static async Task<string?> RoutingReason(ConnectorHarness org, string lead) =>
        await ReferralOf(org, lead) is { } referral
            ? (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string>(
                "SELECT reason FROM audit_entries WHERE decision_kind = 'RoutingDecision' AND subject = @Subject ORDER BY id",
                new { Subject = $"Referral:{referral.ReferralKey}" }, ct))).FirstOrDefault()
            : null;

    [Fact]
    public async Task Routing_switched_off_in_the_console_leaves_the_next_referral_lead_with_the_owner_the_orgs_rule_chose()
    {
        await using var org = await ConnectorHarness.StartAsync(AdminSettings());
        var advocateRep = org.Reps[2];
        var advocate = await org.CreateAdvocateAsync(advocateRep);
        var before = await org.CreateAsync("Lead", new { LastName = "Before", Company = "A", Email = "before@a.example", Advocate__c = advocate, Referral_Method__c = "Email" });
        await org.UntilAsync(() => Task.FromResult(Equals(org.Field(before, "OwnerId"), advocateRep)), "the lead routed to the advocate's rep while routing is on");

        await SaveAsync(org, d => d with { Routing = d.Routing with { Enabled = false } }, "routing off");

        var after = await org.CreateAsync("Lead", new { LastName = "After", Company = "B", Email = "after@b.example", Advocate__c = advocate, Referral_Method__c = "Email" });
        var ruleOwner = org.Field(after, "OwnerId");
        await org.UntilAsync(async () => await RoutingReason(org, after) is not null, "the routing decision for the lead after the save");
        Assert.StartsWith("RT-OFF", await RoutingReason(org, after), StringComparison.Ordinal);
        Assert.StartsWith("RT-OWNER", await RoutingReason(org, before), StringComparison.Ordinal);
        Assert.Equal(ruleOwner, org.Field(after, "OwnerId"));
    }

    [Fact]
    public async Task The_advocate_mapped_to_another_lead_field_in_the_console_makes_a_lead_carrying_it_a_referral()
    {
        var metadata = MetadataWithReferrerField();
        try
        {
            await using var org = await ConnectorHarness.StartAsync(AdminSettings(), new Dictionary<string, string?> { ["Emulator:MetadataPath"] = metadata });
            var advocateRep = org.Reps[1];
            var advocate = await org.CreateAdvocateAsync(advocateRep);

            await SaveAsync(org, d => d with { Fields = d.Fields with { LeadAdvocateField = "Referrer__c" } }, "advocate in Referrer__c");

            var lead = await org.CreateAsync("Lead", new { LastName = "Mapped", Company = "M", Email = "mapped@m.example", Referrer__c = advocate, Referral_Method__c = "Social" });
            await org.UntilAsync(async () => await ReferralOf(org, lead) is not null, "the lead carrying Referrer__c registered as a referral");
            Assert.Equal(advocate, (await ReferralOf(org, lead))!.AdvocateId);
            await org.UntilAsync(() => Task.FromResult(Equals(org.Field(lead, "OwnerId"), advocateRep)), "the lead routed to the advocate's rep");
        }
        finally
        {
            Directory.Delete(metadata, recursive: true);
        }
    }

    [Fact]
    public async Task Routing_by_contact_owner_sends_leads_to_the_advocates_contact_owner_and_follows_a_change_of_that_owner()
    {
        await using var org = await ConnectorHarness.StartAsync(AdminSettings());
        var (contactRep, advocateRep, newContactRep) = (org.Reps[1], org.Reps[2], org.Reps[3]);
        await SaveAsync(org, d => d with { Routing = d.Routing with { OwnerSource = OwnerSource.ContactOwner } }, "route to the contact owner");
        var contact = await org.CreateAsync("Contact", new { LastName = "Owned", Email = "owned@example.com", OwnerId = contactRep });
        var advocate = await org.CreateAsync("Advocate__c", new { Name = "Contact Advocate", OwnerId = advocateRep, Status__c = "Active", Contact__c = contact });
        await org.UntilAsync(async () => await ContactOwner(org, advocate) == contactRep, "the advocate's contact owner read into the ledger");

        var first = await org.CreateAsync("Lead", new { LastName = "First", Company = "F", Email = "first@f.example", Advocate__c = advocate, Referral_Method__c = "Email" });
        await org.UntilAsync(async () => await RoutingReason(org, first) is not null, "the routing decision for the first lead");
        Assert.Contains($"{contactRep}, the owner of contact {contact}", await RoutingReason(org, first), StringComparison.Ordinal);
        await org.UntilAsync(() => Task.FromResult(Equals(org.Field(first, "OwnerId"), contactRep)), "the lead routed to the contact's owner");

        await org.UpdateAsync(contact, new { OwnerId = newContactRep });
        await org.UntilAsync(async () => await ContactOwner(org, advocate) == newContactRep, "the contact's new owner streamed into the ledger");
        var second = await org.CreateAsync("Lead", new { LastName = "Second", Company = "S", Email = "second@s.example", Advocate__c = advocate, Referral_Method__c = "Email" });
        await org.UntilAsync(async () => await RoutingReason(org, second) is not null, "the routing decision for the second lead");
        Assert.Contains($"{newContactRep}, the owner of contact {contact}", await RoutingReason(org, second), StringComparison.Ordinal);
        await org.UntilAsync(() => Task.FromResult(Equals(org.Field(second, "OwnerId"), newContactRep)), "the next lead routed to the contact's new owner");
    }

    private static async Task<string?> ContactOwner(ConnectorHarness org, string advocate) =>
        (await org.LedgerAsync((tx, ct) => tx.QueryAsync<string?>(
            "SELECT contact_owner_id FROM advocates WHERE advocate_id = @Id", new { Id = advocate }, ct))).SingleOrDefault();

    /// <summary>The project's org metadata plus a second Lead lookup to Advocate__c, Referrer__c (an org that names it so).</summary>
    private static string MetadataWithReferrerField()
    {
        var source = MetadataLocator.Resolve(null);
        var target = Path.Combine(Path.GetTempPath(), $"metadata-{Guid.NewGuid():N}");
        File.Copy(Path.Combine(source, "sfdx-project.json"), Path.Combine(Directory.CreateDirectory(target).FullName, "sfdx-project.json"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(source, "force-app"), "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        var leadFields = Path.Combine(target, "force-app", "main", "default", "objects", "Lead", "fields");
        var referrer = File.ReadAllText(Path.Combine(leadFields, "Advocate__c.field-meta.xml"))
            .Replace("<fullName>Advocate__c</fullName>", "<fullName>Referrer__c</fullName>", StringComparison.Ordinal)
            .Replace("<relationshipName>Leads</relationshipName>", "<relationshipName>Referred_Leads</relationshipName>", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(leadFields, "Referrer__c.field-meta.xml"), referrer);
        return target;
    }
}
