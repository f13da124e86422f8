using Connector.Admin.Api;
using Connector.Admin.Auth;
using Connector.Admin.Mapping;
using Connector.Admin.Pages;
using Connector.Admin.Preview;
using Connector.Admin.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Connector.Admin;

public static class AdminConsoleExtensions
{
    /// <summary>Isolates the console's protected payloads from other apps sharing a key ring; the same on every replica.</summary>
    public const string DataProtectionApplicationName = "Connector.Admin";

    /// <summary>
    /// The admin console's services (section "Admin", validated at start): sign-in (Salesforce OAuth with PKCE, local
    /// administrators), the program service, preview, org catalog. Needs AddReferralLedger (+ AddReferralLedgerProgram,
    /// ideally AddVersionedLedgerProgram) and AddSalesforceClient. Register an <see cref="IConnectorStatus"/> before or
    /// after this call to show live sync status; the default reads the ledger's checkpoints.
    /// </summary>
    public static IServiceCollection AddAdminConsole(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(AdminOptions.SectionName);
        services.AddOptions<AdminOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        var options = section.Get<AdminOptions>() ?? new AdminOptions();

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(SalesforceSignIn.HttpClientName);
        // One key ring for every instance on the ledger (not the per-machine default), under one application name, so
        // replicas behind a load balancer accept each other's cookies and anti-forgery tokens.
        services.AddDataProtection().SetApplicationName(DataProtectionApplicationName);
        services.TryAddSingleton<LedgerXmlRepository>();
        services.AddOptions<KeyManagementOptions>().Configure<LedgerXmlRepository>((keys, repository) => keys.XmlRepository = repository);
        services.AddSingleton<LocalAdminCredentials>();
        services.AddSingleton<SalesforceSignIn>();
        services.AddSingleton<ProgramService>();
        services.AddSingleton<OrgCatalog>();
        services.AddSingleton<ProgramPreview>();
        services.TryAddSingleton<IConnectorStatus, CheckpointConnectorStatus>();
        AdminAuth.Add(services, options);
        return services;
    }

    /// <summary>Mounts the console under /admin (pages) and /admin/api (JSON).</summary>
    public static IEndpointRouteBuilder MapAdminConsole(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<AdminOptions>>().Value.Enabled)
        {
            return endpoints;
        }

        AdminPages.Map(endpoints);
        AdminApi.Map(endpoints);
        return endpoints;
    }
}
