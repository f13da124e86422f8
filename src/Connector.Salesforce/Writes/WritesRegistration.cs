using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Writes;

public static class WritesRegistration
{
    /// <summary>sObject Collections writes and single-record upserts (<see cref="SalesforceWrites"/>).</summary>
    public static IServiceCollection AddSalesforceWrites(this IServiceCollection services) => services.AddTransient<SalesforceWrites>();
}
