namespace Connector.Referrals.Rewards;

/// <summary>
/// The org's dated conversion rates (Salesforce DatedConversionRate): each rate is units of <c>IsoCode</c> per one
/// unit of the corporate currency, effective from <c>StartDate</c> until the next rate of that currency starts.
/// </summary>
public sealed class ExchangeRates
{
    private readonly Dictionary<string, DatedExchangeRate[]> byCurrency;

    public ExchangeRates(string corporateCurrency, IEnumerable<DatedExchangeRate> rates)
    {
        ArgumentNullException.ThrowIfNull(rates);
        if (!RewardRules.IsCurrency(corporateCurrency))
        {
            throw new ArgumentException($"Corporate currency '{corporateCurrency}' is not an ISO 4217 code.", nameof(corporateCurrency));
        }

        CorporateCurrency = corporateCurrency;
        byCurrency = rates
            .GroupBy(r => r.IsoCode, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.StartDate).ToArray(), StringComparer.Ordinal);
        foreach (var rate in byCurrency.Values.SelectMany(r => r))
        {
            if (rate.ConversionRate <= 0)
            {
                throw new ArgumentException($"Conversion rate for {rate.IsoCode} from {rate.StartDate:yyyy-MM-dd} must be positive (was {rate.ConversionRate}).", nameof(rates));
            }
        }
    }

    public static ExchangeRates None { get; } = new("USD", []);

    public string CorporateCurrency { get; }

    /// <summary>Units of <paramref name="to"/> per one unit of <paramref name="from"/> on <paramref name="date"/>; null when a rate is missing.</summary>
    public decimal? RateOn(string from, string to, DateOnly date)
    {
        if (from == to)
        {
            return 1m;
        }

        if (PerCorporate(from, date) is not { } fromRate || PerCorporate(to, date) is not { } toRate)
        {
            return null;
        }

        return toRate / fromRate;
    }

    private decimal? PerCorporate(string currency, DateOnly date)
    {
        if (currency == CorporateCurrency)
        {
            return 1m;
        }

        if (!byCurrency.TryGetValue(currency, out var rates))
        {
            return null;
        }

        DatedExchangeRate? effective = null;
        foreach (var rate in rates)
        {
            if (rate.StartDate <= date)
            {
                effective = rate;
            }
        }

        return effective?.ConversionRate;
    }
}

public sealed record DatedExchangeRate(string IsoCode, decimal ConversionRate, DateOnly StartDate);
