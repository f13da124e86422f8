using Microsoft.Extensions.DependencyInjection;

namespace Connector.Salesforce.Limits;

// PLACEHOLDER: being written (issue 3); replaced before this lands.
public static class ApiBudgetRegistration
{
    public static IServiceCollection AddSalesforceBudget(this IServiceCollection services) => services.AddTransient<ApiBudgetGate>().AddTransient<LimitInfoReader>();
}

// PLACEHOLDER handlers: pass-through until the governor lands.
public sealed class ApiBudgetGate : DelegatingHandler;

public sealed class LimitInfoReader : DelegatingHandler;
