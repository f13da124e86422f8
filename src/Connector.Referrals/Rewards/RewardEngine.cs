namespace Connector.Referrals.Rewards;

/// <summary>What one evaluation adds to the ledger (new entries only) and the outcomes worth telling someone about.</summary>
public sealed record RewardEvaluation(IReadOnlyList<RewardEntry> NewEntries, IReadOnlyList<RewardIssue> Issues);

/// <summary>
/// Turns the facts of one referral into ledger entries. Pure: no I/O, no clock; the caller passes the ledger so far,
/// which of its entries were paid, and today's date. Evaluating the same inputs again yields the same entries with
/// the same keys, and evaluating after appending them yields nothing.
/// </summary>
/// <remarks>
/// The rules it keeps:
/// <list type="bullet">
/// <item>Nothing is earned before the win (nor when the win date is after today).</item>
/// <item>A win opens a <em>cycle</em>: one Earned entry per stage due on the win (and the referee's), one Scheduled
/// entry per later stage. A Scheduled entry matures (a Matured entry, payable) once today reaches its day and the deal
/// still stands, or stood through that day before a reversal.</item>
/// <item>A reversal inside the retention period (<c>reversal &lt; win + retention</c>) voids the cycle: unpaid entries
/// are Cancelled, paid ones Clawed back. A reversal on or after the last day of retention changes nothing: the deal
/// stood for the whole period and the rewards stand.</item>
/// <item>A win is identified by its instant (<see cref="RewardFacts.WonAt"/>), not its day: a deal won, reversed inside
/// retention and won again the same day is a new win. Days (<see cref="RewardFacts.WonDate"/>) only count retention,
/// maturity and effective dates. When either side lacks the instant (facts or entries written without it), wins are
/// compared by day.</item>
/// <item>A re-win after a voiding reversal opens the next cycle (won strictly later than the voided win), so exactly
/// what was cancelled or clawed back is earned again, never more. Facts naming the voided win itself again are a
/// replay and earn nothing. A re-win while a cycle still stands (the reversal came after retention) earns nothing
/// new.</item>
/// <item>Facts naming a win older than the ledger's are a replay of an old state: reported and ignored.</item>
/// </list>
/// </remarks>
public static class RewardEngine
{
    public static RewardEvaluation Evaluate(
        RewardFacts facts,
        RewardRules rules,
        IReadOnlyList<RewardEntry> existingEntriesForReferral,
        IReadOnlySet<string> paidEntryKeys,
        DateOnly today,
        ExchangeRates? rates = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(existingEntriesForReferral);
        ArgumentNullException.ThrowIfNull(paidEntryKeys);

        var run = new Run(facts, rules, existingEntriesForReferral, paidEntryKeys, today, rates ?? ExchangeRates.None);
        run.Execute();
        return new RewardEvaluation(run.Emitted, run.Issues);
    }

    private sealed class Run
    {
        private readonly RewardFacts facts;
        private readonly RewardRules rules;
        private readonly IReadOnlySet<string> paid;
        private readonly DateOnly today;
        private readonly ExchangeRates rates;
        private readonly List<RewardEntry> ledger;
        private readonly HashSet<string> keys;

        public Run(RewardFacts facts, RewardRules rules, IReadOnlyList<RewardEntry> existing, IReadOnlySet<string> paid, DateOnly today, ExchangeRates rates)
        {
            this.facts = facts;
            this.rules = rules;
            this.paid = paid;
            this.today = today;
            this.rates = rates;
            ledger = existing.Where(e => e.ReferralId == facts.ReferralId).ToList();
            keys = ledger.Select(e => e.IdempotencyKey).ToHashSet(StringComparer.Ordinal);
            if (ledger.Count != existing.Count)
            {
                Issues.Add(new RewardIssue(RewardIssueCode.EntriesOfOtherReferral, $"{existing.Count - ledger.Count} entries passed for referral {facts.ReferralId} belong to other referrals: ignored."));
            }
        }

        public List<RewardEntry> Emitted { get; } = [];

        public List<RewardIssue> Issues { get; } = [];

        public void Execute()
        {
            var ruleErrors = rules.Validate();
            if (ruleErrors.Count > 0)
            {
                Issues.Add(new RewardIssue(RewardIssueCode.RulesInvalid, $"Rules {rules.VersionId} are invalid, nothing evaluated: {string.Join(" ", ruleErrors)}"));
                return;
            }

            if (string.IsNullOrWhiteSpace(facts.ReferralId) || string.IsNullOrWhiteSpace(facts.AdvocateId))
            {
                Issues.Add(new RewardIssue(RewardIssueCode.FactsInvalid, "ReferralId and AdvocateId are required: nothing evaluated."));
                return;
            }

            if (facts.Won && facts.WonDate is null)
            {
                Issues.Add(new RewardIssue(RewardIssueCode.FactsInvalid, $"Referral {facts.ReferralId} is won without a WonDate: nothing evaluated."));
                return;
            }

            SettlePaymentsAfterCancellation();
            if (facts.Won && facts.WonDate > today)
            {
                Issues.Add(new RewardIssue(RewardIssueCode.WonDateInFuture, $"Referral {facts.ReferralId} is won on {facts.WonDate:yyyy-MM-dd}, after today ({today:yyyy-MM-dd}): nothing earned before the win."));
                return;
            }

            var latest = LatestCycle();
            var live = latest is not null && IsLive(latest.Value) ? latest : null;
            if (live is { } current && facts.Won)
            {
                var wonDate = facts.WonDate!.Value;
                var order = CompareToFactsWin(current);
                if (order < 0)
                {
                    Issues.Add(new RewardIssue(RewardIssueCode.StaleFacts, $"Facts name a win on {FactsWin()}, older than the ledger's win on {current.Describe()}: a replay of an old state, ignored."));
                    return;
                }

                if (order > 0)
                {
                    // A later win means the earlier one was reversed at some point we never saw, at the latest on the
                    // day of the new win. Before the end of retention that certainly voids it; after, we cannot tell.
                    if (wonDate < current.RetentionEndsOn)
                    {
                        Void(current, wonDate, $"reversal implied by a new win on {FactsWin()} inside the retention period ending {current.RetentionEndsOn:yyyy-MM-dd}");
                        live = null;
                    }
                    else
                    {
                        Issues.Add(new RewardIssue(RewardIssueCode.ReversalDateUnknown, $"Facts name a new win on {FactsWin()} but the ledger's win of {current.Describe()} was never seen reversed; its retention ended {current.RetentionEndsOn:yyyy-MM-dd}, so its rewards stand and the new win earns nothing more."));
                        Mature(current, today);
                        return;
                    }
                }
            }

            if (live is { } stillLive)
            {
                ContinueCycle(stillLive);
                return;
            }

            StartCycle(latest);
        }

        private void ContinueCycle(Cycle cycle)
        {
            if (facts.Stands)
            {
                Mature(cycle, today);
                Fill(cycle, today);
                return;
            }

            var reversal = ReversalDate();
            if (reversal < cycle.WonDate)
            {
                Issues.Add(new RewardIssue(RewardIssueCode.ReversalBeforeWin, $"Reversal on {reversal:yyyy-MM-dd} is before the win on {cycle.WonDate:yyyy-MM-dd}: treated as a reversal on the day of the win."));
                reversal = cycle.WonDate;
            }

            if (reversal < cycle.RetentionEndsOn)
            {
                Void(cycle, reversal, $"win of {cycle.WonDate:yyyy-MM-dd} reversed on {reversal:yyyy-MM-dd}, inside the retention period ending {cycle.RetentionEndsOn:yyyy-MM-dd}");
                return;
            }

            Issues.Add(new RewardIssue(RewardIssueCode.ReversalAfterRetention, $"Win of {cycle.WonDate:yyyy-MM-dd} reversed on {reversal:yyyy-MM-dd}, on or after the end of retention ({cycle.RetentionEndsOn:yyyy-MM-dd}): the rewards stand."));
            Mature(cycle, Min(reversal, today));
        }

        private void StartCycle(Cycle? latest)
        {
            if (!facts.Won)
            {
                return;
            }

            var wonDate = facts.WonDate!.Value;
            var next = new Cycle(latest is null ? 0 : latest.Value.Number + 1, wonDate, facts.WonAt, wonDate.AddDays(rules.EffectiveRetentionDays));
            if (latest is { } previous && CompareToFactsWin(previous) <= 0)
            {
                // That win's rewards were already voided; only a later win earns them again. Wins are compared by
                // instant, so a re-win later the same day earns; without instants a same-day re-win cannot be told
                // from a replay of the old state, so it is reported, not paid.
                if (facts.Stands)
                {
                    Issues.Add(new RewardIssue(RewardIssueCode.StaleFacts, $"Facts name a win on {FactsWin()}, not later than the voided win of {previous.Describe()}: treated as a replay, nothing earned."));
                }

                return;
            }

            if (facts.Stands)
            {
                Fill(next, today);
                return;
            }

            // Won and reversed before we recorded anything for this win: it earns only if it stood through retention.
            var reversal = ReversalDate();
            if (reversal >= next.RetentionEndsOn)
            {
                Issues.Add(new RewardIssue(RewardIssueCode.ReversalAfterRetention, $"Win of {wonDate:yyyy-MM-dd} reversed on {reversal:yyyy-MM-dd}, on or after the end of retention ({next.RetentionEndsOn:yyyy-MM-dd}): the rewards stand."));
                Fill(next, Min(reversal, today));
            }
        }

        private DateOnly ReversalDate()
        {
            if (facts.ReversalDate is { } date)
            {
                return date;
            }

            Issues.Add(new RewardIssue(RewardIssueCode.ReversalDateMissing, $"Referral {facts.ReferralId}'s win no longer stands but no reversal date was given: today ({today:yyyy-MM-dd}) is used."));
            return today;
        }

        /// <summary>Earns/schedules every slot the cycle lacks under the current rules, then matures what is due by <paramref name="matureUpTo"/>.</summary>
        private void Fill(Cycle cycle, DateOnly matureUpTo)
        {
            var inCycle = EntriesOf(cycle).ToList();
            if (inCycle.Count > 0 && inCycle.Any(e => e.RuleId != rules.RuleId || e.RuleVersion != rules.Version))
            {
                // The win was rewarded under other rules; a change of rules never rewrites or tops up a past win.
                return;
            }

            foreach (var slot in RewardCalculator.Compute(facts, rules, cycle.WonDate, rates, Issues))
            {
                var existing = inCycle.FirstOrDefault(e => e.Beneficiary == slot.Beneficiary && e.Stage == slot.Stage && e.Kind is RewardEntryKind.Earned or RewardEntryKind.Scheduled);
                if (existing is not null)
                {
                    if (existing.Amount != slot.Amount)
                    {
                        Issues.Add(new RewardIssue(RewardIssueCode.AmountChangedAfterEarning, $"{existing.IdempotencyKey} was recorded at {RewardCalculator.Format(existing.Amount)}; the facts now compute {RewardCalculator.Format(slot.Amount)}. Recorded rewards are not rewritten."));
                    }

                    continue;
                }

                var kind = slot.DelayDays == 0 ? RewardEntryKind.Earned : RewardEntryKind.Scheduled;
                Emit(new RewardEntry
                {
                    IdempotencyKey = RewardEntry.KeyFor(facts.ReferralId, rules.RuleId, rules.Version, cycle.Number, slot.Beneficiary, slot.Stage, kind),
                    ReferralId = facts.ReferralId,
                    Beneficiary = slot.Beneficiary,
                    BeneficiaryId = slot.BeneficiaryId,
                    Kind = kind,
                    Amount = slot.Amount,
                    EffectiveDate = cycle.WonDate,
                    Reason = slot.Reason,
                    RuleId = rules.RuleId,
                    RuleVersion = rules.Version,
                    Stage = slot.Stage,
                    Cycle = cycle.Number,
                    WonDate = cycle.WonDate,
                    WonAt = cycle.WonAt,
                    RetentionEndsOn = cycle.RetentionEndsOn,
                    MaturesOn = kind == RewardEntryKind.Scheduled ? cycle.WonDate.AddDays(slot.DelayDays) : null,
                    ChoiceOptions = slot.Beneficiary == RewardBeneficiary.Advocate ? rules.ChoiceOptions : [],
                });
            }

            Mature(cycle, matureUpTo);
        }

        /// <summary>Matures scheduled entries whose day has come, never later than <paramref name="upTo"/> (today, or the reversal).</summary>
        private void Mature(Cycle cycle, DateOnly upTo)
        {
            foreach (var scheduled in EntriesOf(cycle).Where(e => e.Kind == RewardEntryKind.Scheduled && IsPending(e)).ToList())
            {
                var maturesOn = scheduled.MaturesOn ?? scheduled.WonDate;
                if (maturesOn > upTo || maturesOn > today)
                {
                    continue;
                }

                Emit(Derived(scheduled, RewardEntryKind.Matured, scheduled.Amount, maturesOn, $"{scheduled.RuleId}@v{scheduled.RuleVersion} stage '{scheduled.Stage}' matured on {maturesOn:yyyy-MM-dd}: the deal stood since the win of {scheduled.WonDate:yyyy-MM-dd}") with
                {
                    ChoiceOptions = scheduled.ChoiceOptions,
                });
            }
        }

        /// <summary>Cancels what is not yet paid and claws back what was: a voided cycle nets to zero.</summary>
        private void Void(Cycle cycle, DateOnly on, string why)
        {
            foreach (var entry in EntriesOf(cycle).ToList())
            {
                if ((entry.IsPayable && !IsVoided(entry)) || (entry.Kind == RewardEntryKind.Scheduled && IsPending(entry)))
                {
                    var kind = entry.IsPayable && paid.Contains(entry.IdempotencyKey) ? RewardEntryKind.Clawback : RewardEntryKind.Cancelled;
                    var what = kind == RewardEntryKind.Clawback ? "claws back paid" : "cancels unpaid";
                    Emit(Derived(entry, kind, -entry.Amount, on, $"{why}: {what} {entry.Kind} {RewardCalculator.Format(entry.Amount)} ({entry.IdempotencyKey})"));
                }
            }
        }

        /// <summary>A payout that went out after its entry was cancelled is money to recover: record the clawback.</summary>
        private void SettlePaymentsAfterCancellation()
        {
            foreach (var entry in ledger.Where(e => e.IsPayable && paid.Contains(e.IdempotencyKey)).ToList())
            {
                var voids = ledger.Where(v => v.RelatedEntryKey == entry.IdempotencyKey && v.IsVoid).ToList();
                if (voids.Count > 0 && voids.All(v => v.Kind == RewardEntryKind.Cancelled))
                {
                    Issues.Add(new RewardIssue(RewardIssueCode.PaidAfterCancellation, $"{entry.IdempotencyKey} was paid after it was cancelled: clawed back."));
                    Emit(Derived(entry, RewardEntryKind.Clawback, -entry.Amount, today, $"paid after cancellation: claws back paid {entry.Kind} {RewardCalculator.Format(entry.Amount)} ({entry.IdempotencyKey})"));
                }
            }
        }

        private RewardEntry Derived(RewardEntry related, RewardEntryKind kind, Money amount, DateOnly on, string reason) => related with
        {
            IdempotencyKey = RewardEntry.KeyFor(related.ReferralId, related.RuleId, related.RuleVersion, related.Cycle, related.Beneficiary, related.Stage, kind),
            Kind = kind,
            Amount = amount,
            EffectiveDate = on,
            Reason = reason,
            RelatedEntryKey = related.IdempotencyKey,
            MaturesOn = null,
            ChoiceOptions = [],
        };

        private void Emit(RewardEntry entry)
        {
            // The key is the identity of an effect: if it exists, the effect happened (the store's unique constraint
            // is the last line of defence; this keeps an evaluation from ever proposing a duplicate).
            if (keys.Add(entry.IdempotencyKey))
            {
                ledger.Add(entry);
                Emitted.Add(entry);
            }
        }

        private Cycle? LatestCycle()
        {
            var anchors = ledger.Where(e => e.Kind is RewardEntryKind.Earned or RewardEntryKind.Scheduled).ToList();
            if (anchors.Count == 0)
            {
                return null;
            }

            var number = anchors.Max(e => e.Cycle);
            var first = anchors.First(e => e.Cycle == number);
            return new Cycle(number, first.WonDate, first.WonAt, first.RetentionEndsOn);
        }

        /// <summary>
        /// How the facts' win orders against <paramref name="cycle"/>'s: by instant when both carry one (a same-day
        /// re-win is later), else by day (entries written before instants were kept).
        /// </summary>
        private int CompareToFactsWin(Cycle cycle) =>
            facts.WonAt is { } at && cycle.WonAt is { } cycleAt
                ? at.CompareTo(cycleAt)
                : facts.WonDate!.Value.CompareTo(cycle.WonDate);

        private string FactsWin() => Cycle.Describe(facts.WonDate!.Value, facts.WonAt);

        private IEnumerable<RewardEntry> EntriesOf(Cycle cycle) => ledger.Where(e => e.Cycle == cycle.Number);

        private bool IsLive(Cycle cycle) =>
            EntriesOf(cycle).Any(e => (e.IsPayable && !IsVoided(e)) || (e.Kind == RewardEntryKind.Scheduled && IsPending(e)));

        private bool IsVoided(RewardEntry entry) => ledger.Any(v => v.IsVoid && v.RelatedEntryKey == entry.IdempotencyKey);

        /// <summary>A scheduled entry neither matured nor cancelled.</summary>
        private bool IsPending(RewardEntry scheduled) =>
            !ledger.Any(e => e.RelatedEntryKey == scheduled.IdempotencyKey && e.Kind is RewardEntryKind.Matured or RewardEntryKind.Cancelled);

        private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
    }

    /// <summary>One win and what it earned: <see cref="WonAt"/> (when known) identifies it, <see cref="WonDate"/> dates it.</summary>
    private readonly record struct Cycle(int Number, DateOnly WonDate, DateTimeOffset? WonAt, DateOnly RetentionEndsOn)
    {
        public string Describe() => Describe(WonDate, WonAt);

        public static string Describe(DateOnly date, DateTimeOffset? at) =>
            at is { } instant
                ? instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
                : date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
    }
}
