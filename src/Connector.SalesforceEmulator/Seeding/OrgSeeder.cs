using System.Globalization;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Seeding;

/// <summary>
/// Fills the org with a realistic referral program, deterministically from <see cref="SeedOptions.RandomSeed"/>:
/// customer accounts owned by the reps, their contacts, some enrolled as advocates, leads from every referral
/// method (plus ordinary marketing leads), and converted leads with opportunities at every stage.
/// Everything goes through <see cref="Dml.Insert"/> so the org's save rules hold for seeded data too; only
/// conversion (a platform action, read-only to API callers) writes the lead's converted fields directly.
/// </summary>
public static class OrgSeeder
{
    /// <summary>Records per transaction: large enough to be fast, small enough to keep the undo log modest.</summary>
    private const int BatchSize = 20_000;

    /// <summary>Referral dates fall between these; opportunities close by the end of 2026.</summary>
    private static readonly DateOnly FirstReferralDay = new(2025, 1, 1);
    private static readonly DateOnly LastReferralDay = new(2026, 10, 31);
    private static readonly DateOnly LastCloseDay = new(2026, 12, 31);

    private static readonly string[] Stages =
    [
        "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers", "Perception Analysis",
        "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
    ];

    private const int ClosedWon = 8;
    private const int ClosedLost = 9;

    public static IReadOnlyDictionary<string, int> Seed(OrgStore store, Dml dml, OrgBootstrap bootstrap, SeedOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dml);
        ArgumentNullException.ThrowIfNull(bootstrap);
        ArgumentNullException.ThrowIfNull(options);
        return new Run(store, dml, bootstrap, options).Execute();
    }

    /// <summary>Accounts to create when none is configured: roughly one customer account per 15 leads.</summary>
    internal static int AccountCount(SeedOptions options) =>
        options.Accounts > 0 ? options.Accounts : options.Leads == 0 ? 0 : Math.Max(10, options.Leads / 15);

    /// <summary>What the plan decided about one lead; details (names, cities) are drawn while inserting.</summary>
    private struct LeadPlan
    {
        public int Advocate;
        public sbyte Method;
        public byte Outcome;
        public byte Stage;
        public ushort Day;
    }

    private const byte OpenNotContacted = 0;
    private const byte Working = 1;
    private const byte ClosedNotConverted = 2;
    private const byte Converted = 3;

    private static readonly string[] LeadStatuses = ["Open - Not Contacted", "Working - Contacted", "Closed - Not Converted", "Closed - Converted"];

    /// <summary>Per-advocate facts gathered while planning, written onto the Advocate__c record.</summary>
    private sealed class AdvocatePlan
    {
        public required int Contact;
        public required string Status;
        public double Weight;
        public int Tier = 2;
        public int Total;
        public int Open;
        public int Won;
        public int Lost;
        public decimal RewardsEarned;
        public decimal RewardsPaid;
        public int FirstDay = int.MaxValue;
        public int LastDay = -1;
        public string Id = string.Empty;
        public string Code = string.Empty;
    }

    private sealed class Run
    {
        private readonly OrgStore _store;
        private readonly Dml _dml;
        private readonly OrgBootstrap _bootstrap;
        private readonly SeedOptions _options;
        private readonly Random _plan;
        private readonly Random _detail;
        private readonly string[] _reps;
        private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
        private readonly Dictionary<int, object> _dates = [];
        private readonly Dictionary<decimal, object> _decimals = [];
        private readonly Dictionary<int, object> _ints = [];
        private readonly string?[] _companyNames;
        private readonly string[] _emailFirst;
        private readonly string[] _emailLast;
        private readonly SeedRow _account;
        private readonly SeedRow _contact;
        private readonly SeedRow _advocate;
        private readonly SeedRow _lead;
        private readonly SeedRow _opportunity;

        // Contacts of the customer accounts, by index.
        private string[] _contactIds = [];
        private string[] _contactAccountIds = [];
        private string[] _contactOwners = [];
        private string[] _contactNames = [];
        private byte[] _contactCurrency = [];
        private readonly List<AdvocatePlan> _advocates = [];

        public Run(OrgStore store, Dml dml, OrgBootstrap bootstrap, SeedOptions options)
        {
            _store = store;
            _dml = dml;
            _bootstrap = bootstrap;
            _options = options;
            _plan = new Random(options.RandomSeed);
            _detail = new Random(unchecked(options.RandomSeed * 31 + 17));
            _reps = bootstrap.SalesRepIds.Count > 0 ? [.. bootstrap.SalesRepIds] : [bootstrap.IntegrationUserId];
            _companyNames = new string?[SeedVocabulary.CompanyHeads.Length * SeedVocabulary.CompanyCores.Length * SeedVocabulary.CompanyTails.Length];
            _emailFirst = [.. SeedVocabulary.FirstNames.Select(EmailPart)];
            _emailLast = [.. SeedVocabulary.LastNames.Select(EmailPart)];
            _account = new SeedRow(store.Schema, "Account");
            _contact = new SeedRow(store.Schema, "Contact");
            _advocate = new SeedRow(store.Schema, "Advocate__c");
            _lead = new SeedRow(store.Schema, "Lead");
            _opportunity = new SeedRow(store.Schema, "Opportunity");
        }

        // Seeded data predates every subscriber and was not loaded by anyone's integration: no change events,
        // no assignment rules (owners are explicit), created by the platform's automated process user.
        private DmlContext Context => new(OrgBootstrap.AutomatedProcessUserId, "com/salesforce/api/seed")
        {
            AutoAssign = false,
            PublishChanges = false,
        };

        public IReadOnlyDictionary<string, int> Execute()
        {
            foreach (var name in (string[])["Account", "Contact", "Advocate__c", "Lead", "Opportunity"])
            {
                _counts[name] = 0;
            }

            CreateCustomers(AccountCount(_options));
            var leads = PlanLeads(_options.Leads);
            CreateAdvocates();
            CreateLeads(leads);
            return _counts;
        }

        private void CreateCustomers(int accounts)
        {
            var contactIds = new List<string>(accounts * 3);
            var contactAccounts = new List<string>(accounts * 3);
            var contactOwners = new List<string>(accounts * 3);
            var contactNames = new List<string>(accounts * 3);
            var contactCurrency = new List<byte>(accounts * 3);
            var done = 0;
            while (done < accounts)
            {
                using var tx = _store.BeginTransaction(Context);
                var end = Math.Min(accounts, done + (BatchSize / 4));
                for (; done < end; done++)
                {
                    var owner = _reps[_plan.Next(_reps.Length)];
                    var currency = (byte)ReferralProfile.Pick(_plan, ReferralProfile.CurrencyWeights);
                    var iso = ReferralProfile.Currencies[currency].Iso;
                    var place = Pick(SeedVocabulary.PlacesByCurrency[iso]);
                    var company = CompanyName();
                    var account = InsertAccount(tx, company, owner, iso, place, customer: true);
                    var contacts = 1 + _plan.Next(4);
                    for (var c = 0; c < contacts; c++)
                    {
                        var (contact, name) = InsertCustomerContact(tx, contactIds.Count, account.Id, owner, iso, place, company);
                        contactIds.Add(contact);
                        contactAccounts.Add(account.Id);
                        contactOwners.Add(owner);
                        contactNames.Add(name);
                        contactCurrency.Add(currency);
                    }
                }

                tx.Commit();
            }

            _contactIds = [.. contactIds];
            _contactAccountIds = [.. contactAccounts];
            _contactOwners = [.. contactOwners];
            _contactNames = [.. contactNames];
            _contactCurrency = [.. contactCurrency];
        }

        private SObjectRecord InsertAccount(OrgTransaction tx, string company, string owner, string iso, Place place, bool customer)
        {
            var employees = Box(_detail.Next(5, 60) * (_detail.Next(3) == 0 ? 100 : 5));
            _account.Clear()
                .Set("Name", company)
                .Set("Type", customer ? (_detail.Next(5) == 0 ? "Customer - Channel" : "Customer - Direct") : "Prospect")
                .Set("Industry", Pick(StandardObjects.Industries))
                .Set("BillingStreet", string.Create(CultureInfo.InvariantCulture, $"{_detail.Next(1, 2400)} {Pick(SeedVocabulary.Streets)}"))
                .Set("BillingCity", place.City)
                .Set("BillingState", place.State)
                .Set("BillingPostalCode", place.PostalPrefix + _detail.Next(10, 99).ToString(CultureInfo.InvariantCulture))
                .Set("BillingCountry", place.Country)
                .Set("Phone", Phone(iso))
                .Set("NumberOfEmployees", employees)
                .Set("AnnualRevenue", Money((decimal)(int)employees * 120_000m * ReferralProfile.Currencies.First(c => c.Iso == iso).PerUsd, 100_000m))
                .Set("CurrencyIsoCode", iso)
                .Set("OwnerId", owner);
            Count("Account");
            return _account.Insert(tx, _dml);
        }

        private (string Id, string Name) InsertCustomerContact(OrgTransaction tx, int index, string accountId, string owner, string iso, Place place, string company)
        {
            var (first, last, email) = Person(company);
            var advocate = _plan.NextDouble() < ReferralProfile.AdvocateShareOfContacts;
            var status = advocate ? ReferralProfile.AdvocateStatus(_plan) : null;
            var programStatus = status switch
            {
                null => _plan.Next(12) == 0 ? "Declined" : "Not Invited",
                "Invited" => "Invited",
                "Opted Out" => "Declined",
                _ => "Enrolled",
            };
            _contact.Clear()
                .Set("AccountId", accountId)
                .Set("FirstName", first)
                .Set("LastName", last)
                .Set("Title", Pick(SeedVocabulary.Titles))
                .Set("Email", email)
                .Set("Phone", Phone(iso))
                .Set("MailingCity", place.City)
                .Set("MailingState", place.State)
                .Set("MailingCountry", place.Country)
                .Set("CurrencyIsoCode", iso)
                .Set("OwnerId", owner)
                .Set("Referral_Program_Status__c", programStatus)
                .Set("Invite_To_Referral_Program__c", Box(status is null && _plan.Next(20) == 0));
            var record = _contact.Insert(tx, _dml);
            Count("Contact");
            if (status is not null)
            {
                _advocates.Add(new AdvocatePlan { Contact = index, Status = status });
            }

            return (record.Id, (string)record.Get("Name")!);
        }

        private LeadPlan[] PlanLeads(int count)
        {
            var active = new List<int>();
            for (var a = 0; a < _advocates.Count; a++)
            {
                var adv = _advocates[a];
                if (adv.Status != "Invited" && _plan.NextDouble() < ReferralProfile.ActiveAdvocateShare)
                {
                    adv.Weight = ReferralProfile.ReferralWeight(_plan);
                    active.Add(a);
                }
            }

            // Volume tiers by rank: the top 1% and top 10% of active advocates behave differently (benchmarks 7 and 8).
            var ranked = active.OrderByDescending(a => _advocates[a].Weight).ThenBy(a => a).ToList();
            for (var r = 0; r < ranked.Count; r++)
            {
                _advocates[ranked[r]].Tier = r < Math.Max(1, ranked.Count / 100) ? 0 : r < Math.Max(1, ranked.Count / 10) ? 1 : 2;
            }

            var cumulative = new double[active.Count];
            var sum = 0d;
            for (var i = 0; i < active.Count; i++)
            {
                sum += _advocates[active[i]].Weight;
                cumulative[i] = sum;
            }

            var topWeight = ranked.Where(a => _advocates[a].Tier == 0).Sum(a => _advocates[a].Weight);
            var restMix = ReferralProfile.MethodMixForRest(sum == 0 ? 0 : topWeight / sum);
            var plans = new LeadPlan[count];
            var span = LastReferralDay.DayNumber - FirstReferralDay.DayNumber + 1;
            var referralLeads = 0;
            for (var i = 0; i < count; i++)
            {
                ref var p = ref plans[i];
                p.Advocate = -1;
                p.Method = -1;
                p.Day = (ushort)_plan.Next(span);
                double winRate;
                if (active.Count > 0 && _plan.NextDouble() < ReferralProfile.ReferralShare)
                {
                    var slot = Array.BinarySearch(cumulative, _plan.NextDouble() * sum);
                    p.Advocate = active[Math.Min(active.Count - 1, slot < 0 ? ~slot : slot)];
                    var adv = _advocates[p.Advocate];
                    // The first referral leads cycle through every method so even a tiny org shows them all.
                    p.Method = (sbyte)(referralLeads < ReferralProfile.Methods.Length
                        ? referralLeads
                        : ReferralProfile.Pick(_plan, adv.Tier == 0 ? ReferralProfile.TopAdvocateMethodMix : restMix));
                    referralLeads++;
                    var factor = adv.Tier switch
                    {
                        0 => ReferralProfile.TopOnePercentFactor,
                        1 => ReferralProfile.TopTenPercentFactor,
                        _ => ReferralProfile.RestFactor,
                    };
                    winRate = Math.Min(0.95, ReferralProfile.WinRate[p.Method] * factor);
                }
                else
                {
                    winRate = ReferralProfile.NonReferralWinRate;
                }

                if (i < Stages.Length)
                {
                    // Likewise the first leads convert into one opportunity per stage.
                    p.Outcome = Converted;
                    p.Stage = (byte)i;
                }
                else if (_plan.NextDouble() < winRate)
                {
                    p.Outcome = Converted;
                    p.Stage = ClosedWon;
                }
                else if (_plan.NextDouble() < ReferralProfile.OpenOrLostOpportunityRate)
                {
                    p.Outcome = Converted;
                    p.Stage = (byte)(_plan.NextDouble() < 0.55 ? ClosedLost : _plan.Next(ClosedWon));
                }
                else
                {
                    var r = _plan.NextDouble();
                    p.Outcome = r < 0.2 ? OpenNotContacted : r < 0.5 ? Working : ClosedNotConverted;
                }

                if (p.Advocate >= 0)
                {
                    Tally(_advocates[p.Advocate], p);
                }
            }

            return plans;
        }

        private void Tally(AdvocatePlan adv, LeadPlan p)
        {
            adv.Total++;
            adv.FirstDay = Math.Min(adv.FirstDay, p.Day);
            adv.LastDay = Math.Max(adv.LastDay, p.Day);
            var won = p.Outcome == Converted && p.Stage == ClosedWon;
            var lost = p.Outcome == ClosedNotConverted || (p.Outcome == Converted && p.Stage == ClosedLost);
            if (won)
            {
                adv.Won++;
                var reward = ReferralProfile.Reward(_plan);
                adv.RewardsEarned += reward;
                if (_plan.NextDouble() < 0.8)
                {
                    adv.RewardsPaid += reward;
                }
            }
            else if (lost)
            {
                adv.Lost++;
            }
            else
            {
                adv.Open++;
            }
        }

        private void CreateAdvocates()
        {
            var contact = _store.Schema.Find("Contact")!;
            var advocateField = contact.FindField("Advocate__c") ?? throw new InvalidOperationException("The seeded org needs field Contact.Advocate__c.");
            var offset = (uint)_options.RandomSeed;
            for (var start = 0; start < _advocates.Count; start += BatchSize / 2)
            {
                using var tx = _store.BeginTransaction(Context);
                var end = Math.Min(_advocates.Count, start + (BatchSize / 2));
                for (var a = start; a < end; a++)
                {
                    var adv = _advocates[a];
                    adv.Code = ReferralCode(a, offset);
                    var enrolled = adv.Status == "Invited"
                        ? null
                        : Date(adv.FirstDay == int.MaxValue
                            ? FirstReferralDay.AddDays(_detail.Next(-540, 600))
                            : FirstReferralDay.AddDays(adv.FirstDay - _detail.Next(1, 400)));
                    _advocate.Clear()
                        .Set("Name", _contactNames[adv.Contact])
                        .Set("Contact__c", _contactIds[adv.Contact])
                        .Set("Account__c", _contactAccountIds[adv.Contact])
                        .Set("Status__c", adv.Status)
                        .Set("Referral_Code__c", adv.Code)
                        .Set("External_Key__c", string.Create(CultureInfo.InvariantCulture, $"AMP-ADV-{a + 1:D8}"))
                        .Set("Enrolled_Date__c", enrolled)
                        .Set("OwnerId", _contactOwners[adv.Contact])
                        .Set("Total_Referrals__c", Money(adv.Total, 1))
                        .Set("Open_Referrals__c", Money(adv.Open, 1))
                        .Set("Won_Referrals__c", Money(adv.Won, 1))
                        .Set("Lost_Referrals__c", Money(adv.Lost, 1))
                        .Set("Conversion_Rate__c", adv.Total == 0 ? null : Money(Math.Round(100m * adv.Won / adv.Total, 2), 0.01m))
                        .Set("Rewards_Earned__c", Money(adv.RewardsEarned, 1))
                        .Set("Rewards_Pending__c", Money(adv.RewardsEarned - adv.RewardsPaid, 1))
                        .Set("Rewards_Paid__c", Money(adv.RewardsPaid, 1))
                        .Set("Last_Referral_Date__c", adv.LastDay < 0 ? null : Date(FirstReferralDay.AddDays(adv.LastDay)))
                        // US payers file a 1099 once an advocate's rewards reach $600 in a year.
                        .Set("Tax_Form_Required__c", Box(adv.RewardsEarned >= 600m))
                        .SetIfExists("CurrencyIsoCode", "USD");
                    adv.Id = _advocate.Insert(tx, _dml).Id;
                    Count("Advocate__c");
                    var contactRecord = tx.Reader.Find(_contactIds[adv.Contact])!;
                    _dml.Update(tx, contactRecord, new Dictionary<FieldSchema, object?> { [advocateField] = adv.Id });
                }

                tx.Commit();
            }
        }

        private void CreateLeads(LeadPlan[] plans)
        {
            var lead = _lead.Schema;
            var converted = new Dictionary<FieldSchema, object?>();
            var isConverted = lead.FindField("IsConverted")!;
            var convertedDate = lead.FindField("ConvertedDate")!;
            var convertedAccount = lead.FindField("ConvertedAccountId")!;
            var convertedContact = lead.FindField("ConvertedContactId")!;
            var convertedOpportunity = lead.FindField("ConvertedOpportunityId")!;
            for (var start = 0; start < plans.Length; start += BatchSize)
            {
                using var tx = _store.BeginTransaction(Context);
                var end = Math.Min(plans.Length, start + BatchSize);
                for (var i = start; i < end; i++)
                {
                    var p = plans[i];
                    var adv = p.Advocate >= 0 ? _advocates[p.Advocate] : null;
                    var currency = adv is null
                        ? ReferralProfile.Pick(_detail, ReferralProfile.CurrencyWeights)
                        : _contactCurrency[adv.Contact];
                    var iso = ReferralProfile.Currencies[currency].Iso;
                    var place = Pick(SeedVocabulary.PlacesByCurrency[iso]);
                    var company = CompanyName();
                    var (first, last, email) = Person(company);
                    var owner = LeadOwner(adv, p);
                    var referralDay = FirstReferralDay.AddDays(p.Day);

                    SObjectRecord? account = null;
                    SObjectRecord? contact = null;
                    SObjectRecord? opportunity = null;
                    DateOnly? convertedOn = null;
                    if (p.Outcome == Converted)
                    {
                        convertedOn = Min(referralDay.AddDays(_detail.Next(2, 30)), LastCloseDay);
                        var closeOn = p.Stage >= ClosedWon
                            ? Min(convertedOn.Value.AddDays(_detail.Next(14, 150)), LastCloseDay)
                            : Min(convertedOn.Value.AddDays(_detail.Next(30, 240)), LastCloseDay);
                        account = InsertAccount(tx, company, owner, iso, place, customer: p.Stage == ClosedWon);
                        contact = InsertLeadContact(tx, account.Id, owner, iso, place, first, last, email);
                        opportunity = InsertOpportunity(tx, p, adv, account.Id, contact.Id, owner, iso, company, closeOn);
                    }

                    _lead.Clear()
                        .Set("FirstName", first)
                        .Set("LastName", last)
                        .Set("Company", company)
                        .Set("Title", Pick(SeedVocabulary.Titles))
                        .Set("Email", email)
                        .Set("Phone", Phone(iso))
                        .Set("City", place.City)
                        .Set("State", place.State)
                        .Set("Country", place.Country)
                        .Set("Industry", Pick(StandardObjects.Industries))
                        .Set("Rating", _detail.Next(3) switch { 0 => "Hot", 1 => "Warm", _ => "Cold" })
                        .Set("NumberOfEmployees", Box(_detail.Next(1, 100) * 10))
                        .Set("CurrencyIsoCode", iso)
                        .Set("Status", LeadStatuses[p.Outcome])
                        .Set("OwnerId", owner);
                    if (adv is not null)
                    {
                        var method = p.Method;
                        _lead.Set("LeadSource", "Partner Referral")
                            .Set("Advocate__c", adv.Id)
                            .Set("Referral_Method__c", ReferralProfile.Methods[method])
                            .Set("Referral_Code__c", ReferralProfile.CarriesCode(method) ? adv.Code : null)
                            .Set("Logged_By__c", method == ReferralProfile.Verbal ? _contactOwners[adv.Contact] : null)
                            .Set("Referral_Notes__c", method == ReferralProfile.Verbal ? Pick(SeedVocabulary.VerbalNotes) : null);
                    }
                    else
                    {
                        _lead.Set("LeadSource", Pick(SeedVocabulary.OtherLeadSources));
                    }

                    var record = _lead.Insert(tx, _dml);
                    Count("Lead");
                    if (opportunity is not null)
                    {
                        // Conversion is a platform action: these fields are read-only to every API caller.
                        converted.Clear();
                        converted[isConverted] = Box(true);
                        converted[convertedDate] = Date(convertedOn!.Value);
                        converted[convertedAccount] = account!.Id;
                        converted[convertedContact] = contact!.Id;
                        converted[convertedOpportunity] = opportunity.Id;
                        tx.Update(record, converted);
                    }
                }

                tx.Commit();
            }
        }

        private string LeadOwner(AdvocatePlan? adv, LeadPlan p)
        {
            // Referral leads mostly go to the rep who owns the advocate (programs "break lead assignment rules"
            // for referrals); untouched ones may still sit in the referral queue.
            var r = _detail.NextDouble();
            if (adv is not null && r < 0.75)
            {
                return _contactOwners[adv.Contact];
            }

            if (adv is not null && p.Outcome == OpenNotContacted && r < 0.85 && _bootstrap.LeadQueueId.Length > 0)
            {
                return _bootstrap.LeadQueueId;
            }

            return _reps[_detail.Next(_reps.Length)];
        }

        private SObjectRecord InsertLeadContact(OrgTransaction tx, string accountId, string owner, string iso, Place place, string first, string last, string email)
        {
            _contact.Clear()
                .Set("AccountId", accountId)
                .Set("FirstName", first)
                .Set("LastName", last)
                .Set("Email", email)
                .Set("MailingCity", place.City)
                .Set("MailingState", place.State)
                .Set("MailingCountry", place.Country)
                .Set("CurrencyIsoCode", iso)
                .Set("OwnerId", owner)
                .Set("Referral_Program_Status__c", "Not Invited");
            Count("Contact");
            return _contact.Insert(tx, _dml);
        }

        private SObjectRecord InsertOpportunity(OrgTransaction tx, LeadPlan p, AdvocatePlan? adv, string accountId, string contactId,
            string owner, string iso, string company, DateOnly closeOn)
        {
            var (_, _, perUsd, rounding) = ReferralProfile.Currencies.First(c => c.Iso == iso);
            // Deal sizes are log-normal around $25k: most deals are modest, a few are large.
            var usd = Math.Clamp(Math.Exp(Math.Log(25_000) + (0.9 * Gaussian())), 2_000, 1_500_000);
            _opportunity.Clear()
                .Set("Name", string.Concat(company, " - ", Pick(SeedVocabulary.Products)))
                .Set("AccountId", accountId)
                .Set("ContactId", contactId)
                .Set("StageName", Stages[p.Stage])
                .Set("Amount", Money((decimal)usd * perUsd, rounding))
                .Set("CurrencyIsoCode", iso)
                .Set("CloseDate", Date(closeOn))
                .Set("Type", "New Customer")
                .Set("LeadSource", adv is null ? "Web" : "Partner Referral")
                .Set("OwnerId", owner);
            if (adv is not null)
            {
                _opportunity.Set("Advocate__c", adv.Id)
                    .Set("Referral_State__c", p.Stage switch { ClosedWon => "Won", ClosedLost => "Lost", _ => "Opportunity" });
            }

            Count("Opportunity");
            return _opportunity.Insert(tx, _dml);
        }

        private (string First, string Last, string Email) Person(string company)
        {
            var f = _detail.Next(SeedVocabulary.FirstNames.Length);
            var l = _detail.Next(SeedVocabulary.LastNames.Length);
            var domain = Domain(company);
            var email = string.Create(CultureInfo.InvariantCulture, $"{_emailFirst[f]}.{_emailLast[l]}{_detail.Next(1, 1000)}@{domain}.example.com");
            return (SeedVocabulary.FirstNames[f], SeedVocabulary.LastNames[l], email);
        }

        private readonly Dictionary<string, string> _domains = new(StringComparer.Ordinal);

        private string Domain(string company)
        {
            if (!_domains.TryGetValue(company, out var domain))
            {
                var end = company.IndexOf(' ', StringComparison.Ordinal);
                _domains[company] = domain = (end < 0 ? company : company[..end]).ToLowerInvariant();
            }

            return domain;
        }

        private string CompanyName()
        {
            var heads = SeedVocabulary.CompanyHeads;
            var cores = SeedVocabulary.CompanyCores;
            var tails = SeedVocabulary.CompanyTails;
            var h = _detail.Next(heads.Length);
            var c = _detail.Next(cores.Length);
            var t = _detail.Next(tails.Length);
            var slot = (((h * cores.Length) + c) * tails.Length) + t;
            return _companyNames[slot] ??= tails[t].Length == 0 ? $"{heads[h]} {cores[c]}" : $"{heads[h]} {cores[c]} {tails[t]}";
        }

        private string Phone(string iso)
        {
            var n = _detail.Next(100, 10_000);
            var area = _detail.Next(200, 990);
            return iso switch
            {
                "USD" or "CAD" => string.Create(CultureInfo.InvariantCulture, $"({area}) 555-{n:D4}"),
                "GBP" => string.Create(CultureInfo.InvariantCulture, $"+44 20 7946 {n:D4}"),
                "AUD" => string.Create(CultureInfo.InvariantCulture, $"+61 2 5550 {n:D4}"),
                "JPY" => string.Create(CultureInfo.InvariantCulture, $"+81 3 5550 {n:D4}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"+33 1 {area % 100:D2} {n / 100:D2} {n % 100:D2} 00"),
            };
        }

        /// <summary>
        /// REF- plus six characters of an unambiguous alphabet, unique by construction: the index is mapped through
        /// a bijection of [0, 32^6) (an odd multiplier modulo a power of two) shifted by the seed.
        /// </summary>
        internal static string ReferralCode(int index, uint seedOffset)
        {
            const string alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
            const uint mask = (1u << 30) - 1;
            var x = unchecked(((uint)index * 0x2545F491u) + (seedOffset * 0x9E3779B1u)) & mask;
            Span<char> code = stackalloc char[10];
            "REF-".AsSpan().CopyTo(code);
            for (var i = 9; i >= 4; i--)
            {
                code[i] = alphabet[(int)(x & 31)];
                x >>= 5;
            }

            return new string(code);
        }

        private double Gaussian()
        {
            var u1 = 1.0 - _detail.NextDouble();
            var u2 = _detail.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Sin(2.0 * Math.PI * u2);
        }

        private T Pick<T>(T[] values) => values[_detail.Next(values.Length)];

        private void Count(string sobject) => _counts[sobject]++;

        private object Date(DateOnly date)
        {
            if (!_dates.TryGetValue(date.DayNumber, out var boxed))
            {
                _dates[date.DayNumber] = boxed = date;
            }

            return boxed;
        }

        private object Money(decimal value, decimal rounding)
        {
            var rounded = Math.Round(value / rounding, MidpointRounding.AwayFromZero) * rounding;
            if (!_decimals.TryGetValue(rounded, out var boxed))
            {
                _decimals[rounded] = boxed = rounded;
            }

            return boxed;
        }

        private object Box(int value)
        {
            if (!_ints.TryGetValue(value, out var boxed))
            {
                _ints[value] = boxed = value;
            }

            return boxed;
        }

        private static readonly object True = true;
        private static readonly object False = false;

        private static object Box(bool value) => value ? True : False;

        private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

        private static string EmailPart(string name)
        {
            var normalized = name.Replace("ü", "ue", StringComparison.Ordinal).Replace("'", string.Empty, StringComparison.Ordinal);
            return normalized.ToLowerInvariant();
        }
    }
}
