using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Schema;
using Connector.SalesforceEmulator.Seeding;
using Connector.SalesforceEmulator.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Tests.Seeding;

/// <summary>An org store bootstrapped and seeded without the web host, on a fixed clock.</summary>
internal sealed record SeededOrg(OrgStore Store, Dml Dml, OrgSettings Settings, OrgBootstrap Bootstrap, IReadOnlyDictionary<string, int> Counts)
{
    public static readonly DateTimeOffset Clock = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    public static SeededOrg Create(int leads, int seed = 20261122, int accounts = 0, int reps = 8)
    {
        var options = new EmulatorOptions { Seed = new SeedOptions { Leads = 0, Accounts = 0, SalesReps = reps, RandomSeed = seed } };
        var (store, dml, settings, bootstrap) = CreateBootstrapped(options);
        var seedOptions = new SeedOptions { Leads = leads, Accounts = accounts, SalesReps = reps, RandomSeed = seed };
        var counts = OrgSeeder.Seed(store, dml, bootstrap, seedOptions);
        return new SeededOrg(store, dml, settings, bootstrap, counts);
    }

    /// <summary>Bootstraps users, stages, statuses and currencies only (no seed).</summary>
    public static (OrgStore Store, Dml Dml, OrgSettings Settings, OrgBootstrap Bootstrap) CreateBootstrapped(EmulatorOptions options)
    {
        var store = new OrgStore(Schema(), new FakeTimeProvider(Clock), EmulatorServiceCollectionExtensions.OrgId);
        var settings = new OrgSettings();
        var dml = new Dml(settings);
        var bootstrap = new OrgBootstrap(store, dml, settings, Options.Create(options), NullLogger<OrgBootstrap>.Instance);
        bootstrap.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        return (store, dml, settings, bootstrap);
    }

    /// <summary>
    /// The org schema from salesforce-metadata/. While the SFDX reader is still a placeholder the custom objects
    /// are added here by hand, with the names and types the helper brief fixes.
    /// </summary>
    public static OrgSchema Schema()
    {
        var objects = SfdxSchemaReader.Apply(StandardObjects.Create(), MetadataLocator.Resolve(null)).ToList();
        if (objects.Any(o => o.Name == "Advocate__c"))
        {
            return new OrgSchema(objects);
        }

        var advocate = new SObjectSchema("Advocate__c", "Advocate", "Advocates", "a01",
        [
            F.Id(),
            new() { Name = "Name", Label = "Advocate Name", Type = FieldType.String, Length = 80, NameField = true },
            Custom(F.Lookup("Contact__c", "Contact", "Contact__r", "Contact")),
            Custom(F.Lookup("Account__c", "Account", "Account__r", "Account")),
            Custom(F.Picklist("Status__c", "Status", ["Invited", "Active", "Inactive", "Opted Out"], restricted: true)),
            Custom(F.Text("Referral_Code__c", "Referral Code", 20, externalId: true, unique: true)),
            Custom(F.Text("External_Key__c", "External Key", 64, externalId: true, unique: true)),
            Custom(F.Date("Enrolled_Date__c", "Enrolled Date")),
            Custom(F.Number("Total_Referrals__c", "Total Referrals")), Custom(F.Number("Open_Referrals__c", "Open Referrals")),
            Custom(F.Number("Won_Referrals__c", "Won Referrals")), Custom(F.Number("Lost_Referrals__c", "Lost Referrals")),
            Custom(F.Percent("Conversion_Rate__c", "Conversion Rate", 5, 2)),
            Custom(F.Currency("Rewards_Earned__c", "Rewards Earned", 16, 2)), Custom(F.Currency("Rewards_Pending__c", "Rewards Pending", 16, 2)),
            Custom(F.Currency("Rewards_Paid__c", "Rewards Paid", 16, 2)),
            Custom(F.Date("Last_Referral_Date__c", "Last Referral Date")),
            Custom(F.Bool("Tax_Form_Required__c", "Tax Form Required")),
            F.Owner(),
            .. F.Audit(),
        ])
        { Custom = true };
        string[] methods = ["Verbal", "Email", "Lead Form", "Social", "Shareable URL", "Print Card"];
        var lead = objects.Single(o => o.Name == "Lead");
        lead.AddField(Custom(F.Lookup("Advocate__c", "Advocate", "Advocate__r", "Advocate__c")));
        lead.AddField(Custom(F.Picklist("Referral_Method__c", "Referral Method", methods, restricted: true)));
        lead.AddField(Custom(F.Lookup("Logged_By__c", "Logged By", "Logged_By__r", "User")));
        lead.AddField(Custom(F.TextArea("Referral_Notes__c", "Referral Notes")));
        lead.AddField(Custom(F.Text("Referral_Code__c", "Referral Code", 20)));
        var opportunity = objects.Single(o => o.Name == "Opportunity");
        opportunity.AddField(Custom(F.Lookup("Advocate__c", "Advocate", "Advocate__r", "Advocate__c")));
        opportunity.AddField(Custom(F.Picklist("Referral_State__c", "Referral State",
            ["Submitted", "Working", "Qualified", "Opportunity", "Won", "Lost", "Disqualified", "Duplicate"], restricted: true)));
        opportunity.AddField(Custom(F.Currency("Reward_Amount_Override__c", "Reward Amount Override", 16, 2)));
        var contact = objects.Single(o => o.Name == "Contact");
        contact.AddField(Custom(F.Lookup("Advocate__c", "Advocate", "Advocate__r", "Advocate__c")));
        contact.AddField(Custom(F.Bool("Invite_To_Referral_Program__c", "Invite To Referral Program")));
        contact.AddField(Custom(F.Picklist("Referral_Program_Status__c", "Referral Program Status",
            ["Not Invited", "Invited", "Enrolled", "Declined"], restricted: true)));
        objects.Add(advocate);
        return new OrgSchema(objects);
    }

    private static FieldSchema Custom(FieldSchema f) => new()
    {
        Name = f.Name, Label = f.Label, Type = f.Type, Length = f.Length, Precision = f.Precision, Scale = f.Scale,
        Nillable = f.Nillable, DefaultedOnCreate = f.DefaultedOnCreate, DefaultValue = f.DefaultValue, ExternalId = f.ExternalId,
        Unique = f.Unique, PicklistValues = f.PicklistValues, RestrictedPicklist = f.RestrictedPicklist, ReferenceTo = f.ReferenceTo,
        RelationshipName = f.RelationshipName, Custom = true, InlineHelpText = f.Label + ".",
    };
}
