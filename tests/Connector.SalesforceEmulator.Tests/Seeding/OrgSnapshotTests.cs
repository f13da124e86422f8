using System.Net;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Seeding;
using Connector.SalesforceEmulator.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Tests.Seeding;

public sealed class OrgSnapshotTests
{
    private static (OrgStore Store, OrgSettings Settings, OrgBootstrap Bootstrap) EmptyOrg()
    {
        var store = new OrgStore(SeededOrg.Schema(), new FakeTimeProvider(SeededOrg.Clock), EmulatorServiceCollectionExtensions.OrgId);
        var settings = new OrgSettings();
        var bootstrap = new OrgBootstrap(store, new Dml(settings), settings, Options.Create(new EmulatorOptions()), NullLogger<OrgBootstrap>.Instance);
        return (store, settings, bootstrap);
    }

    [Fact]
    public void Load_SavedOrg_RestoresEveryRecordSettingAndCounter()
    {
        var org = SeededOrg.Create(leads: 2_000, seed: 11);
        var deleted = org.Store.Read(r => r.All("Lead").First(l => l.Get("IsConverted") is false));
        using (var tx = org.Store.BeginTransaction(new DmlContext(org.Bootstrap.IntegrationUserId)))
        {
            org.Dml.Delete(tx, deleted);
            tx.Commit();
        }

        org.Settings.NextRoundRobinIndex = 5;
        using var file = new MemoryStream();
        var saved = OrgSnapshot.Save(org.Store, org.Settings, org.Bootstrap, file);
        file.Position = 0;
        var (store, settings, bootstrap) = EmptyOrg();

        var loaded = OrgSnapshot.Load(store, settings, bootstrap, file);

        Assert.Equal(saved, loaded);
        foreach (var schema in org.Store.Schema.Objects)
        {
            var expected = org.Store.Read(r => r.All(schema.Name, includeDeleted: true).Select(x => (x.Id, Values: x.CopyValues())).ToList());
            var actual = store.Read(r => r.All(schema.Name, includeDeleted: true).Select(x => (x.Id, Values: x.CopyValues())).ToList());
            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Id, actual[i].Id);
                Assert.Equal(expected[i].Values, actual[i].Values);
            }
        }

        Assert.True(store.Read(r => r.Find(deleted.Id))!.IsDeleted);
        Assert.Equal(org.Store.Counters, store.Counters);
        Assert.Equal(org.Bootstrap.IntegrationUserId, bootstrap.IntegrationUserId);
        Assert.Equal(org.Bootstrap.LeadQueueId, bootstrap.LeadQueueId);
        Assert.Equal(org.Bootstrap.SalesRepIds, bootstrap.SalesRepIds);
        Assert.Equal(org.Settings.RoundRobinOwnerIds, settings.RoundRobinOwnerIds);
        Assert.Equal(5, settings.NextRoundRobinIndex);
        Assert.Equal(org.Settings.DefaultLeadOwnerId, settings.DefaultLeadOwnerId);
        Assert.Equal(org.Settings.DatedRates.Keys.Order(), settings.DatedRates.Keys.Order());
        Assert.Equal(org.Settings.RateOn("EUR", new DateOnly(2025, 6, 1)), settings.RateOn("EUR", new DateOnly(2025, 6, 1)));
    }

    [Fact]
    public void Load_ThenInsert_ContinuesTheIdSequence()
    {
        var org = SeededOrg.Create(leads: 50);
        using var file = new MemoryStream();
        OrgSnapshot.Save(org.Store, org.Settings, org.Bootstrap, file);
        file.Position = 0;
        var (store, settings, bootstrap) = EmptyOrg();
        OrgSnapshot.Load(store, settings, bootstrap, file);

        string Insert(OrgStore s, OrgSettings os)
        {
            using var tx = s.BeginTransaction(new DmlContext(org.Bootstrap.IntegrationUserId) { AutoAssign = false });
            var lead = s.Schema.Find("Lead")!;
            var id = new Dml(os).Insert(tx, lead, Dml.ReadValues(lead, [new("LastName", "After"), new("Company", "Snapshot Co")])).Id;
            tx.Commit();
            return id;
        }

        var fromOriginal = Insert(org.Store, org.Settings);
        var fromLoaded = Insert(store, settings);

        Assert.Equal(fromOriginal, fromLoaded);
        Assert.Equal(51, store.Count("Lead"));
    }

    [Fact]
    public void Load_IntoAnOrgWithRecords_Throws()
    {
        var org = SeededOrg.Create(leads: 10);
        using var file = new MemoryStream();
        OrgSnapshot.Save(org.Store, org.Settings, org.Bootstrap, file);
        file.Position = 0;

        Assert.Throws<InvalidOperationException>(() => OrgSnapshot.Load(org.Store, org.Settings, org.Bootstrap, file));
    }

    [Fact]
    public void Load_NotASnapshot_ThrowsInvalidData()
    {
        using var file = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new BinaryWriter(gzip))
        {
            writer.Write("something else");
        }

        file.Position = 0;
        var (store, settings, bootstrap) = EmptyOrg();

        Assert.Throws<InvalidDataException>(() => OrgSnapshot.Load(store, settings, bootstrap, file));
    }

    [Fact]
    public async Task PostSnapshot_ThenRestart_LoadsTheSavedOrgInsteadOfSeeding()
    {
        var path = Path.Combine(Path.GetTempPath(), $"org-{Guid.NewGuid():N}.snapshot");
        try
        {
            var settings = new Dictionary<string, string?> { ["Emulator:SnapshotPath"] = path };
            string leadId;
            await using (var first = await EmulatorServer.StartAsync(settings))
            {
                var store = first.Store;
                using (var tx = store.BeginTransaction(new DmlContext(first.Get<OrgBootstrap>().IntegrationUserId) { AutoAssign = false }))
                {
                    var lead = store.Schema.Find("Lead")!;
                    leadId = first.Get<Dml>().Insert(tx, lead, Dml.ReadValues(lead, [new("LastName", "Kept"), new("Company", "Saved Inc")])).Id;
                    tx.Commit();
                }

                var (http, _) = await EmulatorFixture.LoginAsync(first);
                using (http)
                {
                    using var response = await http.PostAsync("/emulator/snapshot", null);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    var body = await response.ReadAsync();
                    Assert.True(body.GetProperty("records").GetInt64() > 10);
                }

                using var anonymous = new HttpClient { BaseAddress = first.BaseUrl };
                using var denied = await anonymous.PostAsync("/emulator/snapshot", null);
                Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
            }

            Assert.True(File.Exists(path));
            await using var second = await EmulatorServer.StartAsync(settings);
            var restored = second.Store.Read(r => r.Find(leadId));
            Assert.NotNull(restored);
            Assert.Equal("Saved Inc", restored.GetString("Company"));
            Assert.Equal(1, second.Store.Count("Lead"));
            Assert.NotEmpty(second.Get<OrgBootstrap>().SalesRepIds);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
