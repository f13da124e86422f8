namespace Connector.SalesforceEmulator.Soql;

/// <summary>
/// A relative date literal (TODAY, LAST_N_DAYS:30, THIS_MONTH…). It stands for a range of whole days
/// [Start, End) computed from the org clock when the query runs, in UTC (the emulated org and its
/// integration user live in GMT). Weeks start on Sunday, and the fiscal year is the calendar year, as in
/// an out-of-the-box org.
/// </summary>
public sealed record SoqlDateLiteral(string Name, int? N)
{
    private static readonly HashSet<string> Fixed = new(StringComparer.OrdinalIgnoreCase)
    {
        "YESTERDAY", "TODAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH", "THIS_MONTH",
        "NEXT_MONTH", "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_QUARTER", "LAST_QUARTER", "NEXT_QUARTER", "THIS_YEAR",
        "LAST_YEAR", "NEXT_YEAR", "THIS_FISCAL_QUARTER", "LAST_FISCAL_QUARTER", "NEXT_FISCAL_QUARTER",
        "THIS_FISCAL_YEAR", "LAST_FISCAL_YEAR", "NEXT_FISCAL_YEAR",
    };

    private static readonly HashSet<string> WithN = new(StringComparer.OrdinalIgnoreCase)
    {
        "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS", "N_WEEKS_AGO", "LAST_N_MONTHS",
        "NEXT_N_MONTHS", "N_MONTHS_AGO", "LAST_N_QUARTERS", "NEXT_N_QUARTERS", "N_QUARTERS_AGO", "LAST_N_YEARS",
        "NEXT_N_YEARS", "N_YEARS_AGO", "LAST_N_FISCAL_QUARTERS", "NEXT_N_FISCAL_QUARTERS", "N_FISCAL_QUARTERS_AGO",
        "LAST_N_FISCAL_YEARS", "NEXT_N_FISCAL_YEARS", "N_FISCAL_YEARS_AGO",
    };

    internal static bool IsFixed(string word) => Fixed.Contains(word);

    internal static bool TakesN(string word) => WithN.Contains(word);

    public override string ToString() => N is { } n ? $"{Name}:{n}" : Name;

    /// <summary>The days the literal covers, relative to <paramref name="now"/> (taken in UTC).</summary>
    public (DateOnly Start, DateOnly End) Resolve(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var week = today.AddDays(-(int)today.DayOfWeek);
        var month = new DateOnly(today.Year, today.Month, 1);
        var quarter = new DateOnly(today.Year, (((today.Month - 1) / 3) * 3) + 1, 1);
        var year = new DateOnly(today.Year, 1, 1);
        var n = N ?? 0;
        return Name.Replace("_FISCAL", string.Empty, StringComparison.Ordinal) switch
        {
            "YESTERDAY" => Days(today.AddDays(-1), 1),
            "TODAY" => Days(today, 1),
            "TOMORROW" => Days(today.AddDays(1), 1),
            "LAST_WEEK" => Days(week.AddDays(-7), 7),
            "THIS_WEEK" => Days(week, 7),
            "NEXT_WEEK" => Days(week.AddDays(7), 7),
            "LAST_MONTH" => (month.AddMonths(-1), month),
            "THIS_MONTH" => (month, month.AddMonths(1)),
            "NEXT_MONTH" => (month.AddMonths(1), month.AddMonths(2)),
            // LAST_N_DAYS includes today; NEXT_N_DAYS starts tomorrow (SOQL date formats reference).
            "LAST_90_DAYS" => (today.AddDays(-90), today.AddDays(1)),
            "NEXT_90_DAYS" => Days(today.AddDays(1), 90),
            "LAST_N_DAYS" => (today.AddDays(-n), today.AddDays(1)),
            "NEXT_N_DAYS" => Days(today.AddDays(1), n),
            "N_DAYS_AGO" => Days(today.AddDays(-n), 1),
            "LAST_N_WEEKS" => (week.AddDays(-7 * n), week),
            "NEXT_N_WEEKS" => Days(week.AddDays(7), 7 * n),
            "N_WEEKS_AGO" => Days(week.AddDays(-7 * n), 7),
            "LAST_N_MONTHS" => (month.AddMonths(-n), month),
            "NEXT_N_MONTHS" => (month.AddMonths(1), month.AddMonths(1 + n)),
            "N_MONTHS_AGO" => (month.AddMonths(-n), month.AddMonths(1 - n)),
            "THIS_QUARTER" => (quarter, quarter.AddMonths(3)),
            "LAST_QUARTER" => (quarter.AddMonths(-3), quarter),
            "NEXT_QUARTER" => (quarter.AddMonths(3), quarter.AddMonths(6)),
            "LAST_N_QUARTERS" => (quarter.AddMonths(-3 * n), quarter),
            "NEXT_N_QUARTERS" => (quarter.AddMonths(3), quarter.AddMonths(3 + (3 * n))),
            "N_QUARTERS_AGO" => (quarter.AddMonths(-3 * n), quarter.AddMonths(3 - (3 * n))),
            "THIS_YEAR" => (year, year.AddYears(1)),
            "LAST_YEAR" => (year.AddYears(-1), year),
            "NEXT_YEAR" => (year.AddYears(1), year.AddYears(2)),
            "LAST_N_YEARS" => (year.AddYears(-n), year),
            "NEXT_N_YEARS" => (year.AddYears(1), year.AddYears(1 + n)),
            "N_YEARS_AGO" => (year.AddYears(-n), year.AddYears(1 - n)),
            _ => throw new InvalidOperationException("Unknown date literal " + Name),
        };

        static (DateOnly, DateOnly) Days(DateOnly start, int days) => (start, start.AddDays(days));
    }
}
