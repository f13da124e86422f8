namespace Connector.Referrals.Rewards;

/// <summary>Whether a payee's paid rewards in a calendar year reached the tax-form threshold (W-9/W-8 collection).</summary>
public sealed record TaxFormStatus(string PayeeId, int Year, Money PaidTotal, Money Threshold, bool FormRequired, IReadOnlyList<RewardIssue> Issues);

public static class TaxForms
{
    /// <summary>
    /// Sums the payee's paid entries (Earned/Matured whose key is in <paramref name="paidEntryKeys"/>) dated in
    /// <paramref name="year"/>, in the threshold's currency. Gross: clawbacks do not lower the total, because a form
    /// collected once too often is harmless and one missing is not. Entries in another currency are converted with
    /// the rate effective on their date; without a rate they are left out and reported.
    /// </summary>
    public static TaxFormStatus Evaluate(
        string payeeId,
        int year,
        IEnumerable<RewardEntry> entries,
        IReadOnlySet<string> paidEntryKeys,
        Money threshold,
        ExchangeRates? rates = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(paidEntryKeys);
        rates ??= ExchangeRates.None;
        var issues = new List<RewardIssue>();
        var total = Money.Zero(threshold.Currency);
        foreach (var entry in entries.Where(e => e.BeneficiaryId == payeeId && e.IsPayable && e.EffectiveDate.Year == year && paidEntryKeys.Contains(e.IdempotencyKey)))
        {
            if (entry.Amount.Currency == threshold.Currency)
            {
                total += entry.Amount;
            }
            else if (rates.RateOn(entry.Amount.Currency, threshold.Currency, entry.EffectiveDate) is { } rate)
            {
                total += entry.Amount.ConvertTo(threshold.Currency, rate);
            }
            else
            {
                issues.Add(new RewardIssue(RewardIssueCode.ExchangeRateMissing, $"No {entry.Amount.Currency}->{threshold.Currency} rate on {entry.EffectiveDate:yyyy-MM-dd}: paid {RewardCalculator.Format(entry.Amount)} ({entry.IdempotencyKey}) is left out of the {year} total."));
            }
        }

        return new TaxFormStatus(payeeId, year, total.Round(), threshold, total.Amount >= threshold.Amount, issues);
    }
}
