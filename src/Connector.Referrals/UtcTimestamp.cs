namespace Connector.Referrals;

/// <summary>
/// The one timestamp form that arrives by the million: <c>yyyy-MM-ddTHH:mm:ss</c>, an optional fraction of 1 to 7
/// digits, then <c>Z</c> — Bulk API 2.0's cells (<c>…00.000Z</c>) and the ledger's stored text (<c>…00.123456Z</c>).
/// Read digit by digit: the general parser tokenizes each value, about 1% of a backfill's CPU. Anything else (other
/// offsets, other layouts) is not this form: callers fall back to the general parser.
/// </summary>
public static class UtcTimestamp
{
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 20 || text[^1] != 'Z' || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':')
        {
            return false;
        }

        if (!Digits(text[..4], out var year) || !Digits(text.Slice(5, 2), out var month) || !Digits(text.Slice(8, 2), out var day) ||
            !Digits(text.Slice(11, 2), out var hour) || !Digits(text.Slice(14, 2), out var minute) || !Digits(text.Slice(17, 2), out var second))
        {
            return false;
        }

        long ticks = 0;
        var fraction = text[19..^1];
        if (fraction.Length > 0)
        {
            if (fraction[0] != '.' || fraction.Length is < 2 or > 8 || !Digits(fraction[1..], out var digits))
            {
                return false;
            }

            ticks = digits;
            for (var i = fraction.Length - 1; i < 7; i++)
            {
                ticks *= 10;
            }
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(ticks));
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> text, out int number)
    {
        number = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            number = (number * 10) + (c - '0');
        }

        return true;
    }
}
