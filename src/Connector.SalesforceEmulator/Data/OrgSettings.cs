namespace Connector.SalesforceEmulator.Data;

/// <summary>
/// Org-wide behaviour that admins configure in Setup: the active lead assignment rule, the default lead
/// owner and currencies. Mutable at run time through the simulation API; guarded by the org lock.
/// </summary>
public sealed class OrgSettings
{
    /// <summary>Id of the single active lead assignment rule (AssignmentRule key prefix 01Q).</summary>
    public string AssignmentRuleId { get; set; } = SalesforceIds.Create("01Q", 1);

    /// <summary>Whether the active rule exists; with none, header TRUE leaves the owner as sent.</summary>
    public bool AssignmentRuleActive { get; set; } = true;

    /// <summary>Owners (user 005… or queue 00G… ids) the rule hands leads to in turn.</summary>
    public List<string> RoundRobinOwnerIds { get; } = [];

    /// <summary>Where the rule sends a lead when it has nobody to hand it to (Lead Settings: Default Lead Owner).</summary>
    public string? DefaultLeadOwnerId { get; set; }

    public int NextRoundRobinIndex { get; set; }

    public bool MultiCurrency { get; set; } = true;
    public string CorporateCurrency { get; set; } = "USD";

    /// <summary>Dated conversion rates (advanced currency management): per ISO code, rates by start date.</summary>
    public Dictionary<string, SortedList<DateOnly, decimal>> DatedRates { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The rate (units of <paramref name="isoCode"/> per one corporate unit) effective on <paramref name="date"/>.</summary>
    public decimal RateOn(string isoCode, DateOnly date)
    {
        if (string.Equals(isoCode, CorporateCurrency, StringComparison.OrdinalIgnoreCase))
        {
            return 1m;
        }

        if (!DatedRates.TryGetValue(isoCode, out var rates) || rates.Count == 0)
        {
            throw new SalesforceException(400, "INVALID_CURRENCY", $"invalid currency code: {isoCode}", ["CurrencyIsoCode"]);
        }

        var rate = rates.Values[0];
        foreach (var (start, value) in rates)
        {
            if (start > date)
            {
                break;
            }

            rate = value;
        }

        return rate;
    }

    public IEnumerable<string> ActiveCurrencies => DatedRates.Keys.Append(CorporateCurrency).Distinct(StringComparer.OrdinalIgnoreCase);
}
