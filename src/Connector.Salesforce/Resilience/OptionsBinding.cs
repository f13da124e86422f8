using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Connector.Salesforce.Resilience;

internal static class OptionsBinding
{
    /// <summary>
    /// Binds a "Salesforce:…" sub-section from the configuration given to AddSalesforceClient, or else from the
    /// container's IConfiguration if there is one (a bare ServiceCollection may have none: defaults then apply).
    /// </summary>
    public static OptionsBuilder<T> BindSalesforceSection<T>(this OptionsBuilder<T> builder, IConfiguration? configuration, string section)
        where T : class =>
        configuration is not null
            ? builder.Bind(configuration.GetSection(section))
            : builder.Configure<IServiceProvider>((options, services) => services.GetService<IConfiguration>()?.GetSection(section).Bind(options));
}
