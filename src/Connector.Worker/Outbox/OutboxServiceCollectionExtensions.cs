using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Connector.Worker.Outbox;

public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// The outbox dispatcher (options in "Worker:Outbox", validated at start) and the hosted service running it.
    /// Needs the Salesforce client (AddSalesforceClient) and the ledger (AddReferralLedger).
    /// </summary>
    /// <param name="hosted">Run it for the life of the host; false when something else runs it (the elected leader).</param>
    public static IServiceCollection AddOutboxDispatcher(this IServiceCollection services, IConfiguration configuration, bool hosted = true)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OutboxOptions>()
            .Bind(configuration.GetSection(OutboxOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OutboxDispatcher>();
        if (hosted)
        {
            services.AddHostedService<OutboxDispatcherService>();
        }

        return services;
    }
}
