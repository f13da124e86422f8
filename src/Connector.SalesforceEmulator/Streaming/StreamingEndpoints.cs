using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Seeding;

namespace Connector.SalesforceEmulator.Streaming;

/// <summary>
/// The Streaming API (/cometd/NN.0) and its test control plane (/emulator/streaming/…, no auth: only tests
/// and the demo reach it).
/// </summary>
public static class StreamingEndpoints
{
    public static IServiceCollection AddStreaming(this IServiceCollection services)
    {
        services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.SectionName);
        services.AddSingleton<StreamingHub>();
        services.AddSingleton<BayeuxProtocol>();
        services.AddHostedService<StreamingStartup>();
        return services;
    }

    public static IEndpointRouteBuilder MapStreaming(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/cometd/{version}", [HttpMethods.Post, HttpMethods.Get], (HttpContext http, string version, BayeuxProtocol bayeux) =>
            bayeux.HandleAsync(http, version)).ExcludeFromDescription();
        app.MapMethods("/cometd", [HttpMethods.Post, HttpMethods.Get], (HttpContext http, BayeuxProtocol bayeux) =>
            bayeux.HandleAsync(http, null)).ExcludeFromDescription();

        var control = app.MapGroup("/emulator/streaming");
        control.MapPost("/forget-clients", (StreamingHub hub) => TypedResults.Ok(new { forgotten = hub.ForgetAllClients() }));
        control.MapGet("/stats", (StreamingHub hub) => TypedResults.Ok(hub.Stats()));
        control.MapPost("/gap", (GapRequest body, OrgStore store, OrgBootstrap bootstrap) =>
        {
            if (store.Schema.Find(body.Entity ?? string.Empty) is not { ChangeDataCapture: true } schema)
            {
                return Results.BadRequest(new { error = $"{body.Entity} is not an object with Change Data Capture." });
            }

            if (!TryParseGapType(body.ChangeType, out var type))
            {
                return Results.BadRequest(new { error = $"Unknown gap changeType {body.ChangeType}: use GAP_CREATE, GAP_UPDATE, GAP_DELETE or GAP_UNDELETE." });
            }

            var ids = body.RecordIds ?? [];
            PublishSynthetic(store, bootstrap, new RecordChange(schema, type, ids, [], null, null));
            return Results.Ok(new { published = 1 });
        });
        control.MapPost("/overflow", (OverflowRequest body, OrgStore store, OrgBootstrap bootstrap) =>
        {
            if (store.Schema.Find(body.Entity ?? string.Empty) is not { ChangeDataCapture: true } schema)
            {
                return Results.BadRequest(new { error = $"{body.Entity} is not an object with Change Data Capture." });
            }

            // Overflow events name the entity only: no record ids.
            PublishSynthetic(store, bootstrap, new RecordChange(schema, ChangeType.GapOverflow, [], [], null, null));
            return Results.Ok(new { published = 1 });
        });
        return app;
    }

    private static void PublishSynthetic(OrgStore store, OrgBootstrap bootstrap, RecordChange change)
    {
        var user = string.IsNullOrEmpty(bootstrap.IntegrationUserId) ? OrgBootstrap.AutomatedProcessUserId : bootstrap.IntegrationUserId;
        using var tx = store.BeginTransaction(new DmlContext(user));
        tx.AddSyntheticChange(change);
        tx.Commit();
    }

    private static bool TryParseGapType(string? text, out ChangeType type)
    {
        type = (text ?? string.Empty).ToUpperInvariant().Replace("GAP_", string.Empty, StringComparison.Ordinal) switch
        {
            "CREATE" => ChangeType.GapCreate,
            "UPDATE" => ChangeType.GapUpdate,
            "DELETE" => ChangeType.GapDelete,
            "UNDELETE" => ChangeType.GapUndelete,
            _ => ChangeType.Create,
        };
        return type != ChangeType.Create;
    }

    public sealed record GapRequest(string? Entity, string[]? RecordIds, string? ChangeType);

    public sealed record OverflowRequest(string? Entity);
}

/// <summary>Starts listening to the org once it is set up (seeded data is history, not change events).</summary>
internal sealed class StreamingStartup(StreamingHub hub, OrgStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        hub.LoadPushTopics(store);
        store.AddListener(hub);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
