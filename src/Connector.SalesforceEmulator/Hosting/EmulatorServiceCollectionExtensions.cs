using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Bulk;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Faults;
using Connector.SalesforceEmulator.Limits;
using Connector.SalesforceEmulator.Rest;
using Connector.SalesforceEmulator.Schema;
using Connector.SalesforceEmulator.Seeding;
using Connector.SalesforceEmulator.Simulation;
using Connector.SalesforceEmulator.Soql;
using Connector.SalesforceEmulator.Streaming;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Hosting;

public static class EmulatorServiceCollectionExtensions
{
    /// <summary>The org id every token, identity URL and record of this emulated org carries.</summary>
    public static readonly string OrgId = SalesforceIds.Create("00D", 4_000_001);

    public static IServiceCollection AddSalesforceEmulator(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmulatorOptions>()
            .Bind(configuration.GetSection(EmulatorOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.MinApiVersion <= o.MaxApiVersion, "Emulator:MinApiVersion must not exceed Emulator:MaxApiVersion.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new OrgSchema(SfdxSchemaReader.Apply(
            StandardObjects.Create(), MetadataLocator.Resolve(sp.GetRequiredService<IOptions<EmulatorOptions>>().Value.MetadataPath))));
        services.AddSingleton(sp => new OrgStore(sp.GetRequiredService<OrgSchema>(), sp.GetRequiredService<TimeProvider>(), OrgId));
        services.AddSingleton<OrgSettings>();
        services.AddSingleton<Dml>();
        services.AddSingleton<SObjectWrites>();
        services.AddSingleton<SubrequestDispatcher>();
        services.AddSingleton(sp => new TokenStore(sp.GetRequiredService<TimeProvider>(), OrgId)
        {
            Lifetime = sp.GetRequiredService<IOptions<EmulatorOptions>>().Value.TokenLifetime,
        });
        services.AddSingleton(sp => new ApiUsage(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<EmulatorOptions>>().Value.DailyApiRequests));
        services.AddSingleton(sp => new FaultInjector(
            configuration.GetSection(EmulatorOptions.SectionName + ":Faults").Get<FaultSettings>() ?? new FaultSettings(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<OrgBootstrap>();
        services.AddHostedService<OrgStartup>();

        services.AddOAuth();
        services.AddStreaming();
        services.AddBulkQuery();
        return services;
    }

    public static WebApplication MapSalesforceEmulator(this WebApplication app)
    {
        // Everything below /services/data/ except the version list goes through the REST pipeline
        // (auth, limits, faults, error rendering), matched or not, so unknown resources get NOT_FOUND.
        app.UseWhen(
            http => http.Request.Path.StartsWithSegments("/services/data", StringComparison.Ordinal, out var rest) && rest.HasValue && rest.Value != "/",
            branch => branch.UseMiddleware<RestPipeline>());

        app.MapOAuth();
        app.MapVersions();
        var api = app.MapGroup("/services/data/v{version}");
        api.MapSObjects();
        api.MapDescribe();
        api.MapCollections();
        api.MapComposite();
        api.MapLimits();
        api.MapQuery();
        api.MapBulkQuery();
        app.MapStreaming();
        app.MapSimulation();
        app.MapSnapshot();
        return app;
    }
}
