using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Schema;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Seeding;

/// <summary>
/// What every org has before anyone logs in: the integration user and a sales team, the lead queue,
/// the default stage and lead status tables, currencies with dated rates and the active lead assignment
/// rule (round-robin across the reps). Then the optional seeded demo data.
/// </summary>
public sealed class OrgBootstrap
{
    /// <summary>The Automated Process user that owns setup data.</summary>
    public static readonly string AutomatedProcessUserId = SalesforceIds.Create("005", 1);

    private readonly OrgStore _store;
    private readonly Dml _dml;
    private readonly OrgSettings _settings;
    private readonly EmulatorOptions _options;
    private readonly ILogger<OrgBootstrap> _logger;

    public OrgBootstrap(OrgStore store, Dml dml, OrgSettings settings, IOptions<EmulatorOptions> options, ILogger<OrgBootstrap> logger)
    {
        _store = store;
        _dml = dml;
        _settings = settings;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>The permission set whose holders may change the connector's configuration.</summary>
    public const string AdminPermissionSet = "Referral_Admin";

    /// <summary>A seeded human administrator holding <see cref="AdminPermissionSet"/> (the shared dev password).</summary>
    public const string AdminUsername = "admin@emulator.local";

    public string IntegrationUserId { get; private set; } = string.Empty;
    public string LeadQueueId { get; private set; } = string.Empty;
    public IReadOnlyList<string> SalesRepIds { get; private set; } = [];

    public Task RunAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_options.SnapshotPath is { Length: > 0 } snapshot && File.Exists(snapshot))
        {
            // A saved org replaces both the setup data and the seed.
            var loaded = OrgSnapshot.Load(_store, _settings, this, snapshot);
            _logger.LogInformation("Loaded org snapshot {Path}: {Records} records", Path.GetFullPath(snapshot), loaded);
            return Task.CompletedTask;
        }

        using (var tx = _store.BeginTransaction(new DmlContext(AutomatedProcessUserId)))
        {
            Insert(tx, "User", ("Username", "autoproc@emulator.local"), ("LastName", "Automated Process"), ("Alias", "autoproc"), ("UserType", "AutomatedProcess"));
            IntegrationUserId = Insert(tx, "User", ("Username", _options.Username), ("FirstName", "Integration"), ("LastName", "User"),
                ("Alias", "integ"), ("Email", _options.Username), ("Title", "Integration User")).Id;
            // The connector's admin console lets only holders of Referral_Admin change its configuration: the
            // integration user holds it, and so does a seeded human admin (the console's OAuth sign-in).
            var referralAdmin = Insert(tx, "PermissionSet", ("Name", AdminPermissionSet), ("Label", "Referral Admin"),
                ("Description", "Configure the Referral Connector (admin console)")).Id;
            var adminUserId = Insert(tx, "User", ("Username", AdminUsername), ("FirstName", "Ada"), ("LastName", "Admin"),
                ("Alias", "aadmin"), ("Email", AdminUsername), ("Title", "Sales Operations Admin")).Id;
            foreach (var holder in new[] { IntegrationUserId, adminUserId })
            {
                Insert(tx, "PermissionSetAssignment", ("AssigneeId", holder), ("PermissionSetId", referralAdmin));
            }

            LeadQueueId = Insert(tx, "Group", ("Name", "Referral Leads"), ("DeveloperName", "Referral_Leads"), ("Type", "Queue")).Id;
            SalesRepIds = SalesTeam.Create(tx, _dml, _options.Seed.SalesReps);
            CreateStages(tx);
            CreateLeadStatuses(tx);
            CreateCurrencies(tx);
            tx.Commit();
        }

        _settings.RoundRobinOwnerIds.Clear();
        _settings.RoundRobinOwnerIds.AddRange(SalesRepIds.Count > 0 ? SalesRepIds : [LeadQueueId]);
        _settings.DefaultLeadOwnerId = LeadQueueId;

        if (_options.Seed.Leads > 0 || _options.Seed.Accounts > 0)
        {
            var counts = OrgSeeder.Seed(_store, _dml, this, _options.Seed);
            _logger.LogInformation("Seeded org: {Counts}", string.Join(", ", counts.Select(kv => $"{kv.Value} {kv.Key}")));
        }

        return Task.CompletedTask;
    }

    /// <summary>Restores what <see cref="RunAsync"/> would have created, from a snapshot.</summary>
    internal void Restore(string integrationUserId, string leadQueueId, IReadOnlyList<string> salesRepIds)
    {
        IntegrationUserId = integrationUserId;
        LeadQueueId = leadQueueId;
        SalesRepIds = salesRepIds;
    }

    private SObjectRecord Insert(OrgTransaction tx, string sobject, params (string Field, object? Value)[] values)
    {
        var schema = _store.Schema.Find(sobject)!;
        return _dml.Insert(tx, schema, Dml.ReadValues(schema, values.Select(v => KeyValuePair.Create(v.Field, v.Value))));
    }

    private void CreateStages(OrgTransaction tx)
    {
        // The out-of-the-box stage table (fact sheet §3.4).
        (string Name, int Probability, bool Closed, bool Won, string Forecast, string ForecastName)[] stages =
        [
            ("Prospecting", 10, false, false, "Pipeline", "Pipeline"),
            ("Qualification", 10, false, false, "Pipeline", "Pipeline"),
            ("Needs Analysis", 20, false, false, "Pipeline", "Pipeline"),
            ("Value Proposition", 50, false, false, "Pipeline", "Pipeline"),
            ("Id. Decision Makers", 60, false, false, "Pipeline", "Pipeline"),
            ("Perception Analysis", 70, false, false, "Pipeline", "Pipeline"),
            ("Proposal/Price Quote", 75, false, false, "Pipeline", "Pipeline"),
            ("Negotiation/Review", 90, false, false, "Pipeline", "Pipeline"),
            ("Closed Won", 100, true, true, "Closed", "Closed"),
            ("Closed Lost", 0, true, false, "Omitted", "Omitted"),
        ];
        for (var i = 0; i < stages.Length; i++)
        {
            var s = stages[i];
            Insert(tx, "OpportunityStage", ("MasterLabel", s.Name), ("ApiName", s.Name), ("SortOrder", i + 1), ("IsClosed", s.Closed),
                ("IsWon", s.Won), ("ForecastCategory", s.Forecast), ("ForecastCategoryName", s.ForecastName), ("DefaultProbability", (decimal)s.Probability));
        }
    }

    private void CreateLeadStatuses(OrgTransaction tx)
    {
        (string Name, bool Default, bool Converted)[] statuses =
        [
            ("Open - Not Contacted", true, false),
            ("Working - Contacted", false, false),
            ("Closed - Converted", false, true),
            ("Closed - Not Converted", false, false),
        ];
        for (var i = 0; i < statuses.Length; i++)
        {
            Insert(tx, "LeadStatus", ("MasterLabel", statuses[i].Name), ("ApiName", statuses[i].Name), ("SortOrder", i + 1),
                ("IsDefault", statuses[i].Default), ("IsConverted", statuses[i].Converted));
        }
    }

    private void CreateCurrencies(OrgTransaction tx)
    {
        // Rates are units per 1 USD (the corporate currency); two dated periods so dated conversion matters.
        (string Iso, decimal Rate2025, decimal Rate2026, int Decimals)[] currencies =
        [
            ("USD", 1m, 1m, 2), ("EUR", 0.92m, 0.86m, 2), ("GBP", 0.79m, 0.74m, 2), ("CAD", 1.36m, 1.39m, 2),
            ("AUD", 1.52m, 1.50m, 2), ("JPY", 151.2m, 148.7m, 0),
        ];
        _settings.CorporateCurrency = "USD";
        _settings.DatedRates.Clear();
        foreach (var c in currencies)
        {
            Insert(tx, "CurrencyType", ("IsoCode", c.Iso), ("ConversionRate", c.Rate2026), ("DecimalPlaces", c.Decimals), ("IsCorporate", c.Iso == "USD"));
            if (c.Iso == "USD")
            {
                continue;
            }

            var rates = new SortedList<DateOnly, decimal> { [new DateOnly(2025, 1, 1)] = c.Rate2025, [new DateOnly(2026, 1, 1)] = c.Rate2026 };
            _settings.DatedRates[c.Iso] = rates;
            Insert(tx, "DatedConversionRate", ("IsoCode", c.Iso), ("ConversionRate", c.Rate2025), ("StartDate", new DateOnly(2025, 1, 1)));
            Insert(tx, "DatedConversionRate", ("IsoCode", c.Iso), ("ConversionRate", c.Rate2026), ("StartDate", new DateOnly(2026, 1, 1)));
        }
    }
}
