using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Connector.Salesforce.Query;

/// <summary>
/// A SOQL literal, rendered when it is made (fact sheet §2.12). Only the typed conversions and factories
/// below create one, so a caller's text can never reach a statement except as an escaped, quoted literal.
/// </summary>
public readonly partial struct SoqlValue : IEquatable<SoqlValue>
{
    private static readonly HashSet<string> DateLiterals = new(StringComparer.Ordinal)
    {
        "YESTERDAY", "TODAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH", "THIS_MONTH",
        "NEXT_MONTH", "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_QUARTER", "LAST_QUARTER", "NEXT_QUARTER", "THIS_YEAR",
        "LAST_YEAR", "NEXT_YEAR", "THIS_FISCAL_QUARTER", "LAST_FISCAL_QUARTER", "NEXT_FISCAL_QUARTER",
        "THIS_FISCAL_YEAR", "LAST_FISCAL_YEAR", "NEXT_FISCAL_YEAR",
    };

    private static readonly HashSet<string> DateLiteralsWithN = new(StringComparer.Ordinal)
    {
        "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS", "N_WEEKS_AGO", "LAST_N_MONTHS",
        "NEXT_N_MONTHS", "N_MONTHS_AGO", "LAST_N_QUARTERS", "NEXT_N_QUARTERS", "N_QUARTERS_AGO", "LAST_N_YEARS",
        "NEXT_N_YEARS", "N_YEARS_AGO", "LAST_N_FISCAL_QUARTERS", "NEXT_N_FISCAL_QUARTERS", "N_FISCAL_QUARTERS_AGO",
        "LAST_N_FISCAL_YEARS", "NEXT_N_FISCAL_YEARS", "N_FISCAL_YEARS_AGO",
    };

    private readonly string? _text;

    private SoqlValue(string text) => _text = text;

    /// <summary>The literal as it appears in SOQL.</summary>
    public string Text => _text ?? "null";

    public static SoqlValue Null => new("null");

    public static implicit operator SoqlValue(string? value) => value is null ? Null : new(QuoteString(value, like: false));
    public static implicit operator SoqlValue(bool value) => new(value ? "true" : "false");
    public static implicit operator SoqlValue(int value) => new(value.ToString(CultureInfo.InvariantCulture));
    public static implicit operator SoqlValue(long value) => new(value.ToString(CultureInfo.InvariantCulture));
    public static implicit operator SoqlValue(decimal value) => new(value.ToString(CultureInfo.InvariantCulture));
    public static implicit operator SoqlValue(double value) => FromDouble(value);
    public static implicit operator SoqlValue(DateTimeOffset value) => FromDateTime(value);
    public static implicit operator SoqlValue(DateOnly value) => new(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    public static SoqlValue FromString(string? value) => value;

    public static SoqlValue FromDouble(double value) =>
        double.IsFinite(value)
            ? new(((decimal)value).ToString(CultureInfo.InvariantCulture))
            : throw new ArgumentOutOfRangeException(nameof(value), "SOQL has no literal for NaN or infinity.");

    /// <summary>
    /// <c>YYYY-MM-DDThh:mm:ssZ</c>, unquoted, in UTC. SOQL datetime literals carry whole seconds; a value with a
    /// fraction is refused rather than rounded, because which way to round depends on the comparison.
    /// </summary>
    public static SoqlValue FromDateTime(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        if (utc.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentException($"SOQL datetime literals have whole seconds; truncate {utc:O} first (e.g. with {nameof(SoqlValue)}.{nameof(TruncateToSecond)}).", nameof(value));
        }

        return new(utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }

    public static DateTimeOffset TruncateToSecond(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>A record id (15 or 18 alphanumerics), quoted.</summary>
    public static SoqlValue Id(string id) =>
        IdPattern().IsMatch(id ?? string.Empty) ? new("'" + id + "'") : throw new ArgumentException($"'{id}' is not a Salesforce id (15 or 18 letters and digits).", nameof(id));

    /// <summary>A relative date literal such as TODAY or LAST_N_DAYS:30 (the names SOQL defines, nothing else).</summary>
    public static SoqlValue DateLiteral(string name, int? n = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (n is null && DateLiterals.Contains(name))
        {
            return new(name);
        }

        if (n is { } count && count >= 0 && DateLiteralsWithN.Contains(name))
        {
            return new(name + ":" + count.ToString(CultureInfo.InvariantCulture));
        }

        throw new ArgumentException($"'{name}{(n is null ? string.Empty : ":" + n)}' is not a SOQL date literal.", nameof(name));
    }

    /// <summary>A LIKE pattern where <c>%</c> and <c>_</c> are wildcards; quotes and backslashes are still escaped.</summary>
    public static SoqlValue LikePattern(string pattern) => new(QuoteString(pattern, like: false));

    /// <summary>A LIKE operand matching <paramref name="prefix"/> literally, then anything.</summary>
    public static SoqlValue StartsWith(string prefix) => new(QuoteString(prefix, like: true, suffix: "%"));

    public static SoqlValue Contains(string text) => new(QuoteString(text, like: true, prefix: "%", suffix: "%"));

    public static SoqlValue EndsWith(string suffix) => new(QuoteString(suffix, like: true, prefix: "%"));

    /// <summary>A LIKE operand that matches <paramref name="text"/> exactly (its % and _ escaped).</summary>
    public static SoqlValue LikeLiteral(string text) => new(QuoteString(text, like: true));

    /// <summary>
    /// Quotes a string literal: <c>'</c>, <c>"</c> and <c>\</c> are backslash-escaped, control characters become
    /// \n \r \t \b \f or \uXXXX; in a LIKE operand meant literally, % and _ are escaped too (fact sheet §2.12).
    /// </summary>
    public static string QuoteString(string value, bool like, string prefix = "", string suffix = "")
    {
        ArgumentNullException.ThrowIfNull(value);
        var b = new StringBuilder(value.Length + 2 + prefix.Length + suffix.Length).Append('\'').Append(prefix);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\'': b.Append("\\'"); break;
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case '\b': b.Append("\\b"); break;
                case '\f': b.Append("\\f"); break;
                case '%' or '_' when like: b.Append('\\').Append(c); break;
                case < ' ': b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: b.Append(c); break;
            }
        }

        return b.Append(suffix).Append('\'').ToString();
    }

    public bool Equals(SoqlValue other) => Text == other.Text;

    public override bool Equals(object? obj) => obj is SoqlValue other && Equals(other);

    public override int GetHashCode() => Text.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Text;

    public static bool operator ==(SoqlValue left, SoqlValue right) => left.Equals(right);

    public static bool operator !=(SoqlValue left, SoqlValue right) => !left.Equals(right);

    [GeneratedRegex("^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")]
    private static partial Regex IdPattern();
}
