namespace Connector.SalesforceEmulator.Seeding;

// PLACEHOLDER: being written (issue 2); replaced before this lands.
public static class OrgSeeder
{
    public static IReadOnlyDictionary<string, int> Seed(Data.OrgStore store, Data.Dml dml, OrgBootstrap bootstrap, Hosting.SeedOptions options) => new Dictionary<string, int>();
}
