using System.Globalization;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;

namespace Connector.Referrals.Tests.Support;

// The randomized-sequence generator and its oracle, shared by the domain's test and the ledger's exactly-once test
// (linked into Connector.Ledger.Tests): the same org histories, delivered the same ways, checked against the same answer.

/// <summary>The independent answer: a record's last state decides, read with a plain switch (no mapping code).</summary>
internal static class Oracle
{
    public static ReferralState? FinalState(SimRecord lead, SimRecord? opportunity)
    {
        if (!lead.IsReferral)
        {
            return null;
        }

        var last = lead.States[^1].Fields;
        if (last["IsConverted"] is FieldValue.FlagValue { Value: true })
        {
            return (last["ConvertedOpportunityId"], opportunity!.States[^1].Fields["StageName"]) switch
            {
                (null, _) => ReferralState.Opportunity,
                (_, FieldValue.TextValue { Value: "Closed Won" }) => ReferralState.Won,
                (_, FieldValue.TextValue { Value: "Closed Lost" }) => ReferralState.Lost,
                _ => ReferralState.Opportunity,
            };
        }

        return ((FieldValue.TextValue)last["Status"]!).Value switch
        {
            "Open - Not Contacted" => ReferralState.Submitted,
            "Working - Contacted" => ReferralState.Working,
            "Qualified" => ReferralState.Qualified,
            "Closed - Not Converted" => ReferralState.Disqualified,
            var other => throw new InvalidOperationException($"generator produced status {other}"),
        };
    }

    public static Money Revenue(SimRecord opportunity)
    {
        var last = opportunity.States[^1].Fields;
        return new Money(((FieldValue.NumberValue)last["Amount"]!).Value, ((FieldValue.TextValue)last["CurrencyIsoCode"]!).Value);
    }
}

/// <summary>A record's committed history in the simulated org: every full state, and the CDC events that produced them.</summary>
internal sealed class SimRecord(string id, ChangeEntity entity, bool isReferral)
{
    public string Id { get; } = id;
    public ChangeEntity Entity { get; } = entity;
    public bool IsReferral { get; } = isReferral;
    public List<(DateTimeOffset At, FieldValues Fields)> States { get; } = [];
    public List<SalesforceChange> Events { get; } = [];

    public void Create(DateTimeOffset at, FieldValues fields)
    {
        States.Add((at, fields));
        Events.Add(new SalesforceChange
        {
            EventKey = $"cdc:{Id}:0", Entity = Entity, RecordId = Id, Kind = ChangeKind.Create, CommitTimestamp = at,
            Fields = fields, IsSnapshot = true, ChangedFields = [.. fields.Keys],
        });
    }

    public void Update(DateTimeOffset at, params (string Name, object? Value)[] changes)
    {
        var delta = SalesforceChange.FieldsOf(changes);
        States.Add((at, States[^1].Fields.SetItems(delta)));
        Events.Add(new SalesforceChange
        {
            EventKey = $"cdc:{Id}:{Events.Count}", Entity = Entity, RecordId = Id, Kind = ChangeKind.Update, CommitTimestamp = at,
            Fields = delta, ChangedFields = [.. delta.Keys],
        });
    }

    public FieldValue? Current(string field) => States[^1].Fields[field];
}

internal sealed class SimulatedOrg
{
    private static readonly string[] OpenStatuses = ["Open - Not Contacted", "Working - Contacted", "Qualified"];
    private static readonly string[] OpenStages = ["Prospecting", "Qualification", "Needs Analysis", "Negotiation/Review"];
    private static readonly string[] Currencies = ["USD", "EUR", "JPY"];

    /// <summary>The program the generated org runs: the default mapping plus a custom "Qualified" lead status.</summary>
    public static ProgramConfig Config()
    {
        var mapping = DefaultStateMapping.FromOrg("fuzz-1", [.. Org.LeadStatuses, new LeadStatusRow("Qualified", false, false)], Org.Stages).Mapping;
        return new ProgramConfig { ProgramId = "fuzz", Mapping = mapping, Routing = new RoutingSettings(FallbackQueueId: Org.Queue) };
    }


    public List<SimRecord> Records { get; } = [];
    public List<SimRecord> Leads { get; } = [];
    public Dictionary<string, SimRecord> Opportunities { get; } = new(StringComparer.Ordinal);
    public List<Advocate> Advocates { get; } = [];
    public List<SalesRep> Reps { get; } = [new(Org.Rep, true), new(Org.InactiveRep, false)];

    public SimRecord? OpportunityOf(SimRecord lead) =>
        lead.States[^1].Fields["ConvertedOpportunityId"] is FieldValue.TextValue t ? Opportunities[t.Value] : null;

    /// <summary>The org answers a re-read with the record as it is now: its last committed state.</summary>
    public SalesforceChange? Reread(ResyncRequested request)
    {
        var record = Records.FirstOrDefault(r => r.Id == request.RecordId);
        return record is null ? null : Snapshot(record, record.States[^1].At, record.States[^1].Fields);
    }

    public static SalesforceChange Snapshot(SimRecord record, DateTimeOffset at, FieldValues fields) => new()
    {
        EventKey = $"sync:{record.Id}:{at.ToString("O", CultureInfo.InvariantCulture)}",
        Entity = record.Entity,
        RecordId = record.Id,
        Kind = ChangeKind.Update,
        CommitTimestamp = at,
        Fields = fields,
        IsSnapshot = true,
    };

        /// <summary>
        /// Interleaves the records' CDC events at random (each record's own order kept), then injects duplicate deliveries,
        /// catch-up snapshots of older states and replays of a suffix (a re-subscription from an older replay id).
        /// </summary>
        public static List<SalesforceChange> Deliveries(Random random, SimulatedOrg org)
        {
            var queues = org.Records.Select(r => new Queue<SalesforceChange>(r.Events)).Where(q => q.Count > 0).ToList();
            var stream = new List<SalesforceChange>();
            while (queues.Count > 0)
            {
                var i = random.Next(queues.Count);
                stream.Add(queues[i].Dequeue());
                if (queues[i].Count == 0)
                {
                    queues.RemoveAt(i);
                }
            }

            for (var n = stream.Count / 20; n > 0; n--)
            {
                var from = random.Next(stream.Count);
                stream.Insert(random.Next(from + 1, stream.Count + 1), stream[from]);
            }

            for (var n = stream.Count / 15; n > 0; n--)
            {
                var record = org.Records[random.Next(org.Records.Count)];
                if (record.States.Count > 0)
                {
                    var (at, fields) = record.States[random.Next(record.States.Count)];
                    stream.Insert(random.Next(stream.Count + 1), SimulatedOrg.Snapshot(record, at, fields));
                }
            }

            var middle = random.Next(stream.Count);
            stream.InsertRange(middle, stream.Skip(random.Next(middle + 1)).Take(middle).ToList());
            stream.AddRange(stream.Skip(random.Next(stream.Count)).ToList());
            return stream;
        }

    public static SimulatedOrg Generate(Random random, int leads)
    {
        var org = new SimulatedOrg();
        for (var a = 0; a < 5; a++)
        {
            org.Advocates.Add(new Advocate($"a0{a}", null, null, a % 3 == 2 ? Org.InactiveRep : Org.Rep, AdvocateStatus.Active, $"CODE{a}", new DateOnly(2025, 1, 1)));
        }

        var start = new DateTimeOffset(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < leads; i++)
        {
            var at = start.AddMinutes(random.Next(0, 60 * 24 * 30));
            DateTimeOffset Next() => at = at.AddMinutes(random.Next(1, 600));
            var referral = random.NextDouble() < 0.9;
            var lead = new SimRecord($"00Q{i:D6}", ChangeEntity.Lead, referral);
            var byCode = referral && random.NextDouble() < 0.2;
            lead.Create(at, SalesforceChange.FieldsOf(
                ("FirstName", "Ref"), ("LastName", $"Eree{i}"), ("Company", $"Co {i}"), ("Email", $"referee{i}@example.com"),
                ("Phone", null), ("Status", OpenStatuses[random.Next(OpenStatuses.Length)]), ("IsConverted", false),
                ("ConvertedOpportunityId", null), ("OwnerId", Org.Queue),
                ("Advocate__c", referral && !byCode ? $"a0{random.Next(5)}" : null),
                ("Referral_Code__c", byCode ? $"code{random.Next(5)}" : null),
                ("Referral_Method__c", "Email"), ("Logged_By__c", null), ("CreatedDate", at)));
            org.Records.Add(lead);
            org.Leads.Add(lead);

            for (var s = random.Next(0, 5); s > 0; s--)
            {
                var status = random.NextDouble() < 0.2 ? "Closed - Not Converted" : OpenStatuses[random.Next(OpenStatuses.Length)];
                lead.Update(Next(), ("Status", status));
            }

            if (random.NextDouble() < 0.7)
            {
                Convert(random, org, lead, i, Next(), Next);
            }
        }

        return org;
    }

    private static void Convert(Random random, SimulatedOrg org, SimRecord lead, int i, DateTimeOffset at, Func<DateTimeOffset> next)
    {
        // Conversion commits the lead update and the opportunity insert in one transaction: same commit time.
        var opportunity = new SimRecord($"006{i:D6}", ChangeEntity.Opportunity, lead.IsReferral);
        lead.Update(at, ("Status", "Closed - Converted"), ("IsConverted", true), ("ConvertedOpportunityId", opportunity.Id));
        var currency = Currencies[random.Next(Currencies.Length)];
        opportunity.Create(at, SalesforceChange.FieldsOf(
            ("StageName", "Prospecting"), ("Amount", (decimal)random.Next(1, 100_000)), ("CurrencyIsoCode", currency),
            ("CloseDate", DateOnly.FromDateTime(at.UtcDateTime.AddDays(30))), ("Advocate__c", lead.Current("Advocate__c")?.ToString()),
            ("Reward_Amount_Override__c", null)));
        org.Records.Add(opportunity);
        org.Opportunities[opportunity.Id] = opportunity;

        for (var s = random.Next(0, 8); s > 0; s--)
        {
            var won = opportunity.Current("StageName") is FieldValue.TextValue { Value: "Closed Won" };
            var roll = random.NextDouble();
            if (roll < 0.2 && !won)
            {
                // Amounts move while the deal is open or lost, never while won: a revenue change after a win is the
                // reward engine's question (adjustment), not this test's.
                opportunity.Update(next(), ("Amount", (decimal)random.Next(1, 100_000)));
            }
            else
            {
                var stage = roll < 0.5 ? "Closed Won" : roll < 0.7 ? "Closed Lost" : OpenStages[random.Next(OpenStages.Length)];
                opportunity.Update(next(), ("StageName", stage));
            }
        }
    }
}
