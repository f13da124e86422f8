using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;

namespace Connector.Ledger.Applying;

/// <summary>
/// The program the ledger applies changes for: the processor's config (state mapping, routing) and the reward rules.
/// Validated on construction: a ledger must not start on rules the reward engine would refuse for every win.
/// </summary>
public sealed record LedgerProgram
{
    public LedgerProgram(ProgramConfig config, RewardRules rules, ExchangeRates? rates = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(rules);
        var errors = rules.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Reward rules {rules.VersionId} are invalid: {string.Join(" ", errors)}", nameof(rules));
        }

        Config = config;
        Rules = rules;
        Rates = rates ?? ExchangeRates.None;
    }

    public ProgramConfig Config { get; }

    public RewardRules Rules { get; }

    public ExchangeRates Rates { get; }
}
