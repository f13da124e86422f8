using Connector.Ledger.Applying;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Migrations;
using Connector.Ledger.Inspection;
using Connector.Ledger.Outbox;
using Connector.Ledger.Programs;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Rewards;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Ledger;

public static class LedgerServiceCollectionExtensions
{
    /// <summary>
    /// The referral ledger on the configured provider (section "Ledger"), its stores, and a hosted service that
    /// applies pending migrations before other hosted services start.
    /// </summary>
    public static IServiceCollection AddReferralLedger(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LedgerOptions>()
            .Bind(configuration.GetSection(LedgerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LedgerOptions>, LedgerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => LedgerDatabase.Create(sp.GetRequiredService<IOptions<LedgerOptions>>().Value));
        // Explicit: DI would otherwise pick the constructor taking IEnumerable<Migration> and resolve it empty.
        services.AddSingleton(sp => new MigrationRunner(
            sp.GetRequiredService<LedgerDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<MigrationRunner>>()));
        services.AddSingleton<LedgerStore>();
        services.AddSingleton<CheckpointStore>();
        services.AddSingleton<QuarantineStore>();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<RewardLedgerQueries>();
        services.AddSingleton<Reading.AdvocateProfiles>();
        services.AddSingleton<Reading.ProgramReads>();
        services.AddSingleton<AdminAuditStore>();
        services.AddSingleton<LedgerInspector>();
        services.AddSingleton(sp => new ProgramVersionStore(
            sp.GetRequiredService<LedgerDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<PublishedLedgerProgramSource>()));
        // The program (state mapping from the org's status/stage tables, reward rules) is built by the host, which
        // reads the org: register it with AddReferralLedgerProgram. Resolving the ledger without one is a setup error.
        services.AddSingleton(sp => new ReferralLedger(
            sp.GetRequiredService<LedgerStore>(),
            sp.GetService<ILedgerProgramSource>() ?? new FixedLedgerProgramSource(sp.GetService<LedgerProgram>() ?? throw new InvalidOperationException(
                "ReferralLedger needs a LedgerProgram: call services.AddReferralLedgerProgram(...) with the program's config and reward rules."))));
        services.AddHostedService<LedgerMigrationService>();
        return services;
    }

    /// <summary>The program <see cref="ReferralLedger"/> applies changes for; validated when first resolved.</summary>
    public static IServiceCollection AddReferralLedgerProgram(this IServiceCollection services, Func<IServiceProvider, LedgerProgram> program)
    {
        ArgumentNullException.ThrowIfNull(program);
        services.AddSingleton(program);
        return services;
    }

    /// <summary>
    /// Makes the program versioned: <see cref="ReferralLedger"/> applies the current version saved in the ledger
    /// (<see cref="ProgramVersionStore"/>: the admin console, its API, the CLI), starting from the program registered with
    /// <see cref="AddReferralLedgerProgram"/> until a version is saved. Call after <see cref="AddReferralLedger"/>.
    /// </summary>
    public static IServiceCollection AddVersionedLedgerProgram(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new PublishedLedgerProgramSource(sp.GetService<LedgerProgram>() ?? throw new InvalidOperationException(
            "A versioned program starts from a LedgerProgram: call services.AddReferralLedgerProgram(...) too.")));
        services.TryAddSingleton<ILedgerProgramSource>(sp => sp.GetRequiredService<PublishedLedgerProgramSource>());
        services.AddSingleton<ProgramVersionRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<ProgramVersionRefresher>());
        return services;
    }
}
