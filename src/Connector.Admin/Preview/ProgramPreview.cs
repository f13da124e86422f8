using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Connector.Ledger.Applying;
using Connector.Ledger.Inspection;
using Connector.Referrals;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Query;

namespace Connector.Admin.Preview;

/// <summary>What one program decides for one referral when its Salesforce records are replayed through it.</summary>
public sealed record PreviewOutcome(string State, string Routing, string Rewards, string? Problem)
{
    public string Describe() => Problem ?? $"{State}; {Routing}; {Rewards}";
}

/// <summary>One referral, as the ledger has it and as the current and the proposed program would decide it.</summary>
public sealed record PreviewRow(
    string ReferralKey, string? Referee, string LedgerState, PreviewOutcome Current, PreviewOutcome Proposed)
{
    public bool StateChanges => Current.State != Proposed.State || Current.Problem != Proposed.Problem;
    public bool RoutingChanges => Current.Routing != Proposed.Routing;
    public bool RewardsChange => Current.Rewards != Proposed.Rewards;
    public bool Changes => StateChanges || RoutingChanges || RewardsChange;
}

public sealed record PreviewResult(IReadOnlyList<PreviewRow> Rows, string? Note)
{
    public int Changed => Rows.Count(r => r.Changes);
}

/// <summary>
/// "What would change": the last N referrals of the ledger, their lead and opportunity read from Salesforce as they
/// stand now (two queries), replayed in memory through the pure <see cref="ReferralProcessor"/> and
/// <see cref="RewardEngine"/> under the current program and under the proposed one. Nothing is written anywhere.
/// Both sides are replayed the same way (from the referral's records, not from its recorded history), so a difference
/// is the proposal's doing and not an artefact of the replay.
/// </summary>
public sealed class ProgramPreview
{
    private readonly LedgerInspector _inspector;
    private readonly SalesforceQueries _queries;
    private readonly DescribeCache _describe;
    private readonly TimeProvider _time;

    public ProgramPreview(LedgerInspector inspector, SalesforceQueries queries, DescribeCache describe, TimeProvider time)
    {
        _inspector = inspector;
        _queries = queries;
        _describe = describe;
        _time = time;
    }

    public async Task<PreviewResult> RunAsync(LedgerProgram current, LedgerProgram proposed, int referrals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(proposed);
        var snapshots = await _inspector.RecentAsync(referrals, cancellationToken).ConfigureAwait(false);
        if (snapshots.Count == 0)
        {
            return new PreviewResult([], "The ledger has no referrals yet: nothing to preview.");
        }

        var leads = await ReadAsync("Lead", snapshots.Select(s => s.Referral.LeadId),
            [LeadFields.Status, LeadFields.IsConverted, LeadFields.ConvertedOpportunityId, LeadFields.OwnerId, LeadFields.Email, LeadFields.CreatedDate],
            cancellationToken).ConfigureAwait(false);
        var opportunityFields = new[]
        {
            OpportunityFields.StageName, OpportunityFields.CloseDate, OpportunityFields.CurrencyIsoCode,
            current.Config.RevenueField, proposed.Config.RevenueField, current.Config.RewardOverrideField, proposed.Config.RewardOverrideField,
        };
        var opportunityIds = snapshots.Select(s => s.Referral.Deal?.OpportunityId)
            .Concat(leads.Values.Select(l => l.TryGetValue(LeadFields.ConvertedOpportunityId, out var id) ? id?.ToString() : null));
        var opportunities = await ReadAsync("Opportunity", opportunityIds, opportunityFields, cancellationToken).ConfigureAwait(false);

        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        var rows = snapshots.Select(s =>
        {
            leads.TryGetValue(s.Referral.LeadId, out var lead);
            return new PreviewRow(s.Referral.Id, s.Referral.Referee.Name ?? s.Referral.Referee.Email, s.Referral.State.ToString(),
                Replay(s, lead, opportunities, current, today), Replay(s, lead, opportunities, proposed, today));
        }).ToList();
        return new PreviewResult(rows, null);
    }

    /// <summary>The referral's records through <paramref name="program"/>: the lead as a snapshot, then its opportunity.</summary>
    internal static PreviewOutcome Replay(
        ReferralSnapshot snapshot, IReadOnlyDictionary<string, FieldValue?>? lead, IReadOnlyDictionary<string, IReadOnlyDictionary<string, FieldValue?>> opportunities,
        LedgerProgram program, DateOnly today)
    {
        var referral = snapshot.Referral;
        if (lead is null)
        {
            return new PreviewOutcome("?", "?", "?", $"lead {referral.LeadId} is not in Salesforce any more");
        }

        var fields = FieldValues.From(lead)
            .SetItem(LeadFields.Advocate, FieldValue.Of(snapshot.Advocate.Id))
            .SetItem(LeadFields.ReferralMethod, referral.Method is { } method ? FieldValue.Of(method.ToPicklist()) : null);
        if (referral.Referee.Name is { } name)
        {
            fields = fields.SetItem(LeadFields.LastName, FieldValue.Of(name));
        }

        var view = new LedgerView { Advocates = [snapshot.Advocate], Reps = [.. snapshot.Reps] };
        var leadChange = new SalesforceChange
        {
            EventKey = $"preview:lead:{referral.LeadId}",
            Entity = ChangeEntity.Lead,
            RecordId = referral.LeadId,
            Kind = ChangeKind.Create,
            CommitTimestamp = referral.SubmittedAt,
            Fields = fields,
            ChangedFields = [.. fields.Keys],
            IsSnapshot = true,
        };
        var first = ReferralProcessor.Process(leadChange, view, program.Config);
        var routing = first.Decisions.OfType<RoutingDecision>().FirstOrDefault();
        var problem = first.Decisions.OfType<Quarantined>().Select(q => "quarantined: " + q.Reason).FirstOrDefault();
        var replayed = first.Referral;
        var rewards = new List<Referrals.Rewards.RewardEntry>();
        var issues = new List<string>();
        if (replayed?.Deal?.OpportunityId is { } opportunityId && opportunities.TryGetValue(opportunityId, out var opportunity))
        {
            var opportunityFields = FieldValues.From(opportunity);
            var opportunityChange = new SalesforceChange
            {
                EventKey = $"preview:opportunity:{opportunityId}",
                Entity = ChangeEntity.Opportunity,
                RecordId = opportunityId,
                Kind = ChangeKind.Update,
                CommitTimestamp = (referral.WonAt ?? referral.SubmittedAt).AddSeconds(1) is var at && at > referral.SubmittedAt ? at : referral.SubmittedAt.AddSeconds(1),
                Fields = opportunityFields,
                ChangedFields = [.. opportunityFields.Keys],
                IsSnapshot = true,
            };
            var second = ReferralProcessor.Process(opportunityChange, view with { Referrals = [replayed] }, program.Config);
            replayed = second.Referral ?? replayed;
            problem ??= second.Decisions.OfType<Quarantined>().Select(q => "quarantined: " + q.Reason).FirstOrDefault();
            foreach (var request in second.Decisions.OfType<RewardEvaluationRequested>())
            {
                var evaluation = RewardEngine.Evaluate(request.ToRewardFacts(snapshot.PriorWins, replayed.LeadId), program.Rules, rewards,
                    ImmutableHashSet<string>.Empty, today, program.Rates);
                rewards.AddRange(evaluation.NewEntries);
                issues.AddRange(evaluation.Issues.Select(i => i.Code.ToString()));
            }
        }

        var routingText = routing is null ? "no routing" : routing.Action switch
        {
            RoutingAction.AssignToRep => $"to rep {routing.OwnerId}",
            RoutingAction.AssignToQueue => $"to queue {routing.OwnerId}",
            RoutingAction.AlreadyOwned => $"already with {routing.OwnerId}",
            _ => "org's assignment rules",
        };
        var rewardText = rewards.Count == 0
            ? issues.Count == 0 ? "no reward" : "no reward (" + string.Join(", ", issues.Distinct()) + ")"
            : string.Join(" + ", rewards.GroupBy(r => (r.Kind, r.Amount.Currency))
                .Select(g => $"{g.Key.Kind} {g.Sum(r => r.Amount.Amount).ToString("0.00", CultureInfo.InvariantCulture)} {g.Key.Currency}"));
        return new PreviewOutcome(replayed?.State.ToString() ?? "not registered", routingText, rewardText, problem);
    }

    /// <summary>The records' fields (those the org has) as the processor reads them, by id; one query per 200 ids.</summary>
    private async Task<Dictionary<string, IReadOnlyDictionary<string, FieldValue?>>> ReadAsync(
        string sobject, IEnumerable<string?> ids, IEnumerable<string> wanted, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, FieldValue?>>(StringComparer.Ordinal);
        var distinct = ids.OfType<string>().Where(id => id.Length is 15 or 18).Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            return result;
        }

        var describe = await _describe.GetAsync(sobject, cancellationToken).ConfigureAwait(false);
        var fields = wanted.Select(describe.FindField).OfType<FieldDescription>().DistinctBy(f => f.Name, StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var chunk in distinct.Chunk(200))
        {
            var query = Soql.From(sobject).Select(["Id", .. fields.Select(f => f.Name)]).Where(Soql.Field("Id").InIds(chunk));
            await foreach (var row in _queries.QueryAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var values = new Dictionary<string, FieldValue?>(StringComparer.OrdinalIgnoreCase);
                foreach (var field in fields)
                {
                    values[field.Name] = row.TryGetProperty(field.Name, out var value) ? Typed(value, field.Type) : null;
                }

                result[row.GetProperty("Id").GetString()!] = values;
            }
        }

        return result;
    }

    private static FieldValue? Typed(JsonElement value, string type) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => FieldValue.Of(true),
        JsonValueKind.False => FieldValue.Of(false),
        JsonValueKind.Number => FieldValue.Of(value.GetDecimal()),
        JsonValueKind.String when type == "datetime" && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) =>
            FieldValue.Of(at),
        JsonValueKind.String when type == "date" && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) =>
            FieldValue.Of(day),
        JsonValueKind.String => FieldValue.Of(value.GetString()!),
        _ => FieldValue.Of(value.GetRawText()),
    };
}
