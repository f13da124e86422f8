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

    /// <summary>The org schema: standard objects plus salesforce-metadata/.</summary>
    public static OrgSchema Schema() =>
        new(SfdxSchemaReader.Apply(StandardObjects.Create(), MetadataLocator.Resolve(null)));
}
