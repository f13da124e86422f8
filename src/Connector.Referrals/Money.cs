using System.Globalization;

namespace Connector.Referrals;

/// <summary>
/// An amount in one ISO 4217 currency. Amounts never mix currencies implicitly: adding EUR to USD is an
/// error; conversion is explicit (<see cref="ConvertTo"/>) with a rate the caller supplies (the org's rates).
/// Rounding is explicit too: <see cref="Round"/> rounds half away from zero to the currency's minor unit.
/// </summary>
public readonly record struct Money
{
    public Money(decimal amount, string currency)
    {
        if (currency is not { Length: 3 } || !currency.All(char.IsAsciiLetterUpper))
        {
            throw new ArgumentException($"Currency '{currency}' is not an ISO 4217 code (three upper-case letters).", nameof(currency));
        }

        Amount = amount;
        Currency = currency;
    }

    public decimal Amount { get; }
    public string Currency { get; }

    public static Money Zero(string currency) => new(0m, currency);

    /// <summary>Decimal places of the currency's minor unit (JPY, KRW: 0; BHD, KWD: 3; most: 2).</summary>
    public static int MinorUnits(string currency) => currency switch
    {
        "JPY" or "KRW" or "CLP" or "ISK" or "VND" => 0,
        "BHD" or "KWD" or "OMR" or "JOD" or "TND" => 3,
        _ => 2,
    };

    /// <summary>Rounds half away from zero to the currency's minor unit (12.345 USD → 12.35).</summary>
    public Money Round() => new(decimal.Round(Amount, MinorUnits(Currency), MidpointRounding.AwayFromZero), Currency);

    /// <summary>Converts with <paramref name="rate"/> = units of <paramref name="target"/> per one unit of this currency, then rounds.</summary>
    public Money ConvertTo(string target, decimal rate)
    {
        if (rate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"Conversion rate {Currency}→{target} must be positive.");
        }

        return new Money(Amount * rate, target).Round();
    }

    public static Money operator +(Money a, Money b) => new(a.Amount + b.Amount, Same(a, b));

    public static Money operator -(Money a, Money b) => new(a.Amount - b.Amount, Same(a, b));

    public static Money operator -(Money a) => new(-a.Amount, a.Currency);

    public static Money operator *(Money a, decimal factor) => new(a.Amount * factor, a.Currency);

    public static bool operator <(Money a, Money b) => a.Amount < b.Amount && Same(a, b) is not null;

    public static bool operator >(Money a, Money b) => a.Amount > b.Amount && Same(a, b) is not null;

    public static bool operator <=(Money a, Money b) => a.Amount <= b.Amount && Same(a, b) is not null;

    public static bool operator >=(Money a, Money b) => a.Amount >= b.Amount && Same(a, b) is not null;

    public Money Add(Money other) => this + other;

    public Money Subtract(Money other) => this - other;

    public Money Negate() => -this;

    public Money Multiply(decimal factor) => this * factor;

    public int CompareTo(Money other) => Same(this, other) is not null ? Amount.CompareTo(other.Amount) : 0;

    public override string ToString() => Amount.ToString("0.00##", CultureInfo.InvariantCulture) + " " + Currency;

    private static string Same(Money a, Money b) =>
        string.Equals(a.Currency, b.Currency, StringComparison.Ordinal)
            ? a.Currency
            : throw new InvalidOperationException($"Cannot combine {a.Currency} and {b.Currency} amounts without an explicit conversion.");
}
