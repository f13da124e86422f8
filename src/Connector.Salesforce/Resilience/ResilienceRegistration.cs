using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Resilience;

// PLACEHOLDER: being written (issue 3); replaced before this lands.
public static class ResilienceRegistration
{
    public static IServiceCollection AddSalesforceResilience(this IServiceCollection services) => services.AddTransient<ResilienceHandler>();
}

// PLACEHOLDER handler: pass-through until resilience lands.
public sealed class ResilienceHandler : DelegatingHandler;
