using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Faults;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Rest;
using Connector.SalesforceEmulator.Seeding;

namespace Connector.SalesforceEmulator.Simulation;

/// <summary>
/// The emulator's own control plane under /emulator — clearly not a Salesforce API. It acts as people in
/// the org (a rep converting a lead, moving a stage, reassigning, deleting; an admin changing the
/// assignment rule) and controls the test harness (faults, sessions, API usage). Changes made here fire
/// the same change events as API writes, with an empty changeOrigin as UI changes have.
/// </summary>
public static class SimulationEndpoints
{
    public static IEndpointRouteBuilder MapSimulation(this IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup("/emulator").AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (SalesforceException e)
            {
                return RestErrors.From(e);
            }
            catch (JsonException e)
            {
                return RestErrors.From(new SalesforceException(400, "JSON_PARSER_ERROR", e.Message));
            }
        });

        sim.MapPost("/leads/{id}/convert", ConvertAsync);
        sim.MapPost("/opportunities/{id}/stage", MoveStageAsync);
        sim.MapPost("/records/{type}", CreateAsync);
        sim.MapPatch("/records/{id}", UpdateAsync);
        sim.MapPost("/records/{id}/owner", ReassignAsync);
        sim.MapDelete("/records/{id}", (string id, string? actAs, OrgStore store, Dml dml, OrgBootstrap org) =>
            Act(store, org, actAs, tx => dml.Delete(tx, Existing(tx, id, allowDeleted: true))));
        sim.MapPost("/records/{id}/undelete", (string id, string? actAs, OrgStore store, Dml dml, OrgBootstrap org) =>
            Act(store, org, actAs, tx => dml.Undelete(tx, Existing(tx, id, allowDeleted: true))));
        sim.MapPost("/mass-update/{type}", MassUpdateAsync);

        sim.MapGet("/assignment-rule", (OrgStore store, OrgSettings settings) => store.Read(_ => AssignmentRule(settings)));
        sim.MapPut("/assignment-rule", SetAssignmentRuleAsync);
        sim.MapGet("/faults", (FaultInjector faults) => TypedResults.Ok(new { settings = faults.Settings, injected = faults.Counters }));
        sim.MapPut("/faults", async (HttpContext http, FaultInjector faults) =>
        {
            var settings = await http.Request.ReadFromJsonAsync<FaultSettings>(http.RequestAborted) ?? new FaultSettings();
            try
            {
                faults.Configure(settings);
            }
            catch (ArgumentException e)
            {
                return RestErrors.From(new SalesforceException(400, "INVALID_INPUT", e.Message));
            }

            return TypedResults.Ok(new { settings = faults.Settings, injected = faults.Counters });
        });
        sim.MapPost("/sessions/expire", (TokenStore tokens) => TypedResults.Ok(new { expired = tokens.ExpireAllSessions() }));
        sim.MapGet("/usage", (ApiUsage usage) => TypedResults.Ok(new { used = usage.Used, allocation = usage.DailyAllocation, byEndpoint = usage.ByEndpoint }));
        sim.MapPut("/usage", (UsageUpdate update, ApiUsage usage) =>
        {
            if (update.Reset)
            {
                usage.Reset();
            }

            if (update.DailyAllocation is { } allocation)
            {
                usage.DailyAllocation = allocation > 0 ? allocation : throw new SalesforceException(400, "INVALID_INPUT", "dailyAllocation must be positive");
            }

            if (update.Preload is > 0)
            {
                usage.Preload(update.Preload.Value);
            }

            return TypedResults.Ok(new { used = usage.Used, allocation = usage.DailyAllocation });
        });
        sim.MapGet("/org", (OrgStore store, OrgBootstrap org) => TypedResults.Ok(new
        {
            orgId = store.OrgId,
            integrationUserId = org.IntegrationUserId,
            leadQueueId = org.LeadQueueId,
            salesRepIds = org.SalesRepIds,
            counts = store.Read(r => store.Schema.Objects.Where(o => o.Kind == Schema.SObjectKind.Entity)
                .ToDictionary(o => o.Name, o => r.All(o.Name).Count())),
        }));
        return app;
    }

    public sealed record UsageUpdate(bool Reset = false, int? DailyAllocation = null, int? Preload = null);

    public sealed record AssignmentRuleUpdate(bool? Active, IReadOnlyList<string>? OwnerIds, string? DefaultOwnerId);

    public sealed record StageChange(string Stage, decimal? Amount = null, string? CloseDate = null, string? ActAs = null);

    public sealed record OwnerChange(string OwnerId, string? ActAs = null);

    private static async Task<IResult> ConvertAsync(HttpContext http, string id, OrgStore store, Dml dml, OrgBootstrap org, string? actAs)
    {
        var request = http.Request.ContentLength is > 0 ? await http.Request.ReadFromJsonAsync<ConvertLeadRequest>(http.RequestAborted) : null;
        ConvertLeadResult? result = null;
        Act(store, org, actAs, tx => result = new LeadConversion(dml).Convert(tx, id, request ?? new ConvertLeadRequest()));
        return TypedResults.Ok(result);
    }

    private static async Task<IResult> MoveStageAsync(HttpContext http, string id, OrgStore store, Dml dml, OrgBootstrap org)
    {
        var change = await http.Request.ReadFromJsonAsync<StageChange>(http.RequestAborted)
            ?? throw new SalesforceException(400, "INVALID_INPUT", "Body {\"stage\": ...} is required.");
        return Act(store, org, change.ActAs, tx =>
        {
            var opportunity = Existing(tx, id);
            var values = new Dictionary<string, object?> { ["StageName"] = change.Stage };
            if (change.Amount is not null)
            {
                values["Amount"] = change.Amount;
            }

            if (change.CloseDate is not null)
            {
                values["CloseDate"] = change.CloseDate;
            }

            dml.Update(tx, opportunity, Dml.ReadValues(opportunity.Schema, values));
        });
    }

    private static async Task<IResult> CreateAsync(HttpContext http, string type, OrgStore store, Dml dml, OrgBootstrap org, string? actAs)
    {
        var schema = store.Schema.Find(type) ?? throw SalesforceException.NotFound();
        var body = await SObjectEndpoints.ReadBodyAsync(http);
        string? id = null;
        Act(store, org, actAs, tx => id = dml.Insert(tx, schema, Dml.ReadJson(schema, body, forCreate: true)).Id, autoAssign: true);
        return RestErrors.Json(201, SObjectEndpoints.SaveResult(id!));
    }

    private static async Task<IResult> UpdateAsync(HttpContext http, string id, OrgStore store, Dml dml, OrgBootstrap org, string? actAs)
    {
        var body = await SObjectEndpoints.ReadBodyAsync(http);
        return Act(store, org, actAs, tx =>
        {
            var record = Existing(tx, id);
            dml.Update(tx, record, Dml.ReadJson(record.Schema, body, forCreate: false, "Id"));
        });
    }

    private static async Task<IResult> ReassignAsync(HttpContext http, string id, OrgStore store, Dml dml, OrgBootstrap org)
    {
        var change = await http.Request.ReadFromJsonAsync<OwnerChange>(http.RequestAborted)
            ?? throw new SalesforceException(400, "INVALID_INPUT", "Body {\"ownerId\": ...} is required.");
        return Act(store, org, change.ActAs, tx =>
        {
            var record = Existing(tx, id);
            dml.Update(tx, record, Dml.ReadValues(record.Schema, [KeyValuePair.Create<string, object?>("OwnerId", change.OwnerId)]));
        });
    }

    /// <summary>One transaction touching many records (a data-loader style mass update): one transaction key, many events.</summary>
    private static async Task<IResult> MassUpdateAsync(HttpContext http, string type, OrgStore store, Dml dml, OrgBootstrap org, string? actAs)
    {
        var schema = store.Schema.Find(type) ?? throw SalesforceException.NotFound();
        var body = await SObjectEndpoints.ReadBodyAsync(http);
        var fields = body.TryGetProperty("fields", out var f) ? f : throw new SalesforceException(400, "INVALID_INPUT", "Body {\"fields\": {...}, \"ids\": [...]?, \"limit\": n?} is required.");
        var ids = body.TryGetProperty("ids", out var i) ? i.EnumerateArray().Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal) : null;
        var limit = body.TryGetProperty("limit", out var l) ? l.GetInt32() : int.MaxValue;
        var count = 0;
        Act(store, org, actAs, tx =>
        {
            var values = Dml.ReadJson(schema, fields, forCreate: false);
            foreach (var record in tx.Reader.All(schema.Name).Where(r => ids is null || ids.Contains(r.Id)).Take(limit).ToList())
            {
                dml.Update(tx, record, new Dictionary<Schema.FieldSchema, object?>(values));
                count++;
            }
        });
        return TypedResults.Ok(new { updated = count });
    }

    private static async Task<IResult> SetAssignmentRuleAsync(HttpContext http, OrgStore store, OrgSettings settings)
    {
        var update = await http.Request.ReadFromJsonAsync<AssignmentRuleUpdate>(http.RequestAborted)
            ?? throw new SalesforceException(400, "INVALID_INPUT", "Body is required.");
        return store.Read(r =>
        {
            foreach (var owner in (update.OwnerIds ?? []).Append(update.DefaultOwnerId).OfType<string>())
            {
                if (r.Find(owner) is not { Schema.Name: "User" or "Group" })
                {
                    throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY", $"Owner {owner} is neither a user nor a queue.", ["OwnerIds"]);
                }
            }

            settings.AssignmentRuleActive = update.Active ?? settings.AssignmentRuleActive;
            if (update.OwnerIds is not null)
            {
                settings.RoundRobinOwnerIds.Clear();
                settings.RoundRobinOwnerIds.AddRange(update.OwnerIds.Select(o => SalesforceIds.Normalize(o)!));
                settings.NextRoundRobinIndex = 0;
            }

            settings.DefaultLeadOwnerId = update.DefaultOwnerId is null ? settings.DefaultLeadOwnerId : SalesforceIds.Normalize(update.DefaultOwnerId);
            return AssignmentRule(settings);
        });
    }

    private static IResult AssignmentRule(OrgSettings settings) => TypedResults.Ok(new
    {
        id = settings.AssignmentRuleId,
        active = settings.AssignmentRuleActive,
        ownerIds = settings.RoundRobinOwnerIds.ToList(),
        defaultOwnerId = settings.DefaultLeadOwnerId,
    });

    private static IResult Act(OrgStore store, OrgBootstrap org, string? actAs, Action<OrgTransaction> action, bool autoAssign = false)
    {
        var userId = actAs is null ? org.IntegrationUserId : ResolveUser(store, actAs);
        using var tx = store.BeginTransaction(new DmlContext(userId) { AutoAssign = autoAssign });
        action(tx);
        tx.Commit();
        return TypedResults.Ok(new JsonObject { ["success"] = true });
    }

    private static string ResolveUser(OrgStore store, string idOrUsername) => store.Read(r =>
        (SalesforceIds.Normalize(idOrUsername) is { } id ? r.Find(id) : r.All("User").FirstOrDefault(u => string.Equals(u.GetString("Username"), idOrUsername, StringComparison.OrdinalIgnoreCase)))
        is { Schema.Name: "User" } user ? user.Id : throw new SalesforceException(400, "INVALID_INPUT", $"actAs: no user {idOrUsername}"));

    private static SObjectRecord Existing(OrgTransaction tx, string id, bool allowDeleted = false)
    {
        var record = SalesforceIds.Normalize(id) is { } normalized ? tx.Reader.Find(normalized) : null;
        if (record is null)
        {
            throw SalesforceException.NotFound();
        }

        return record.IsDeleted && !allowDeleted ? throw SalesforceException.EntityIsDeleted() : record;
    }
}
