using System.Text;
using Connector.Ledger.Dialects;
using Connector.Ledger.Ledger;
using Connector.Referrals;
using Connector.Referrals.Processing;
using Dapper;
using DomainRewardEntry = Connector.Referrals.Rewards.RewardEntry;

namespace Connector.Ledger.Applying;

/// <summary>
/// The ledger rows a transaction's changes decide on, read for all of them at once (two commands), then kept current with
/// the rows each change writes: the next change decides on the ledger as the earlier ones left it, as if the tables
/// were read again after every write (<see cref="DomainRows"/> holds the rows to that round-trip contract).
/// <para>Complete by construction: the load covers every key any of the changes looks up (lead, opportunity, referee
/// email, advocate, contact, referral code) and every row this transaction writes is recorded here, so the rows
/// matching a lookup are the loaded rows nobody touched plus the touched rows as written — filtered here on their
/// current values exactly as the SELECTs would filter them. Sales reps are not written by the apply path; an owner not
/// loaded yet (an advocate's owner changed in the batch) is read when a view needs it.</para>
/// </summary>
internal sealed class WorkingView
{
    private readonly LedgerProvider _provider;
    private readonly HashSet<string> _applied;
    private readonly Dictionary<string, bool> _openQuarantine = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ReferralRow Row, List<RecordedStateChange> History)> _referrals;
    private readonly Dictionary<string, AdvocateRow> _advocates;
    private readonly Dictionary<string, SalesRep?> _reps;

    // Reward state, loaded with the rows when the changes can request reward evaluations (see RewardStateFor).
    private readonly RewardState? _rewardState;

    // What each change of the load looks up (by reference), computed once for the load and the change's own view.
    private Dictionary<SalesforceChange, LedgerLookup>? _lookups;

    // Which rows ever held a key, so a lookup filters a few candidates rather than every row of a large batch (a
    // backfill's 1,000 changes would otherwise scan 1,000 rows each). Never pruned: a candidate is still filtered on
    // its current values, so one whose key changed since is not matched. Order of first sight keeps the result in the
    // order the rows were loaded or written, as a scan of the rows would give it.
    private readonly Dictionary<string, int> _referralOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _advocateOrder = new(StringComparer.Ordinal);
    private readonly KeyIndex _referralsByLead = new();
    private readonly KeyIndex _referralsByOpportunity = new();
    private readonly KeyIndex _referralsByEmail = new();
    private readonly KeyIndex _advocatesByContact = new();
    private readonly KeyIndex _advocatesByCode = new();

    private WorkingView(
        LedgerProvider provider, IEnumerable<string> applied, IEnumerable<ReferralRow> referrals,
        IEnumerable<RecordedStateChange> history, IEnumerable<AdvocateRow> advocates, IEnumerable<SalesRep> reps, IEnumerable<string> owners,
        RewardState? rewardState = null)
    {
        _provider = provider;
        _rewardState = rewardState;
        _applied = new HashSet<string>(applied, StringComparer.Ordinal);
        var historyByKey = history.ToLookup(h => h.ReferralKey, StringComparer.Ordinal);
        _referrals = referrals.ToDictionary(r => r.ReferralKey, r => (r, historyByKey[r.ReferralKey].ToList()), StringComparer.Ordinal);
        _advocates = advocates.ToDictionary(a => a.AdvocateId, StringComparer.Ordinal);
        foreach (var (key, (row, _)) in _referrals)
        {
            Index(key, row);
        }

        foreach (var advocate in _advocates.Values)
        {
            Index(advocate);
        }

        _reps = owners.Distinct(StringComparer.Ordinal).ToDictionary(o => o, _ => (SalesRep?)null, StringComparer.Ordinal);
        foreach (var rep in reps)
        {
            _reps[rep.UserId] = rep;
        }
    }

    /// <summary>Reads, in two commands, what <paramref name="changes"/> can look up: applied keys, referrals with their history, advocates and their reps.</summary>
    /// <param name="emailCandidates">While the email index is deferred (<see cref="DeferredIndexes"/>): where the
    /// rows holding an email key may be. Null: the index answers.</param>
    public static async Task<WorkingView> LoadAsync(
        ILedgerTransaction tx, IReadOnlyList<SalesforceChange> changes, CancellationToken cancellationToken, ReferralEmailCandidates? emailCandidates = null)
    {
        var d = tx.Dialect;
        var lookups = new List<LedgerLookup>(changes.Count);
        var lookupsByChange = new Dictionary<SalesforceChange, LedgerLookup>(changes.Count, ReferenceEqualityComparer.Instance);
        foreach (var change in changes)
        {
            var lookup = ReferralProcessor.LookupFor(change);
            lookups.Add(lookup);
            lookupsByChange.TryAdd(change, lookup);
        }

        var emailKeys = Distinct(lookups.Select(l => EmailKey(l.RefereeEmail)));
        var keys = new KeyLists(d, new Dictionary<string, (string Column, string[] Values)>(StringComparer.Ordinal)
        {
            ["EventKeys"] = ("event_key", Distinct(changes.Select(c => c.EventKey))),
            ["LeadIds"] = ("lead_id", Distinct(lookups.Select(l => l.LeadId))),
            ["OpportunityIds"] = ("opportunity_id", Distinct(lookups.Select(l => l.OpportunityId))),
            ["EmailKeys"] = ("referee_email_key", emailKeys),
            ["AdvocateIds"] = ("advocate_id", Distinct(lookups.Select(l => l.AdvocateId))),
            ["ContactIds"] = ("contact_id", Distinct(lookups.Select(l => l.ContactId))),
            ["CodeKeys"] = ("UPPER(TRIM(referral_code))", Distinct(lookups.Select(l => CodeKey(l.ReferralCode)))),
        });

        // Only the keys present become conditions: an OR with a condition no index serves makes PostgreSQL scan the table.
        var referralMatch = emailCandidates is null
            ? keys.Any("LeadIds", "OpportunityIds", "EmailKeys")
            : Or(keys.Any("LeadIds", "OpportunityIds"), EmailCandidateCondition(emailCandidates, emailKeys, keys));
        var advocateMatch = keys.Any("AdvocateIds", "ContactIds", "CodeKeys");

        // The referrals first, locked where the engine lets writers interleave (PostgreSQL, read committed): another
        // transaction changing one of them (a second stream, a payout) waits for this one, or this one for it, and
        // every statement after the lock reads what it committed. Without it, the last full-row upsert would win and a
        // reward decision could miss a payout committed meanwhile.
        var locks = referralMatch is not null && d.ForUpdate.Length > 0;
        var sql = new StringBuilder(locks
            ? $"""
                SELECT referral_key FROM referrals WHERE {referralMatch} ORDER BY referral_key{d.ForUpdate};

                """
            : string.Empty);

        // Open quarantine entries are not read here: a change is rarely quarantined (HasOpenQuarantineAsync asks then).
        sql.Append($"""
            SELECT event_key FROM applied_events WHERE {keys.Condition("EventKeys")};

            """);
        if (referralMatch is not null)
        {
            sql.Append($"""
                SELECT {DomainRows.ReferralColumns} FROM referrals WHERE {referralMatch};

                """);
        }

        if (advocateMatch is not null)
        {
            sql.Append($"""
                SELECT {DomainRows.AdvocateColumns} FROM advocates WHERE {advocateMatch};

                """);
        }

        var (applied, referrals, advocates) = await tx.ReadAsync(sql.ToString(), keys.Parameters, async grid =>
        {
            if (locks)
            {
                await grid.ReadAsync<string>().ConfigureAwait(false);
            }

            var applied = await grid.ReadAsync<string>().ConfigureAwait(false);
            var referrals = referralMatch is null ? [] : (await grid.ReadAsync<ReferralRow>().ConfigureAwait(false)).ToList();
            var advocates = advocateMatch is null ? [] : (await grid.ReadAsync<AdvocateRow>().ConfigureAwait(false)).ToList();
            return (applied, referrals, advocates);
        }, cancellationToken).ConfigureAwait(false);

        // Then what hangs off the rows found, by their keys: repeating the lookups as subqueries cost more than this
        // second command (measured: twice the time on SQLite for a backfill's batch, most of it finding nothing).
        // Opportunity changes request reward evaluations: the state those need comes here too, so a won deal does not
        // send the batch's queued writes and read the tables between two changes.
        var referralKeys = Distinct(referrals.Select(r => r.ReferralKey));
        var owners = Distinct(advocates.SelectMany(DomainRows.Owners));
        var rewards = referralMatch is not null && changes.Any(c => c.Entity == ChangeEntity.Opportunity);
        var related = new StringBuilder();
        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        if (referralKeys.Length > 0)
        {
            parameters["ReferralKeys"] = d.ListValue(referralKeys);
            related.Append($"""
                SELECT {DomainRows.HistoryColumns} FROM referral_state_changes WHERE {d.InListValue("referral_key", "@ReferralKeys")} ORDER BY id;

                """);
            if (rewards)
            {
                parameters["ReferralAdvocates"] = d.ListValue(Distinct(referrals.Select(r => r.AdvocateId)));
                related.Append($"""
                    SELECT {Rewards.RewardLedgerQueries.Columns}
                    FROM reward_entries e LEFT JOIN reward_payouts p ON p.reward_entry_id = e.id
                    WHERE {d.InListValue("e.referral_key", "@ReferralKeys")} ORDER BY e.id;
                    SELECT advocate_id, COUNT(*) AS won FROM referrals
                    WHERE state = '{nameof(ReferralState.Won)}' AND {d.InListValue("advocate_id", "@ReferralAdvocates")}
                    GROUP BY advocate_id;

                    """);
            }
        }

        if (owners.Length > 0)
        {
            parameters["Owners"] = d.ListValue(owners);
            related.Append($"""
                SELECT {DomainRows.RepColumns} FROM sales_reps WHERE {d.InListValue("user_id", "@Owners")};

                """);
        }

        IEnumerable<RecordedStateChange> history = [];
        IEnumerable<Rewards.RewardEntry> entries = [];
        IEnumerable<WonCount> won = [];
        IEnumerable<DomainRows.RepRow> reps = [];
        if (related.Length > 0)
        {
            await tx.ReadAsync(related.ToString(), parameters, async grid =>
            {
                if (referralKeys.Length > 0)
                {
                    history = await grid.ReadAsync<RecordedStateChange>().ConfigureAwait(false);
                    if (rewards)
                    {
                        entries = await grid.ReadAsync<Rewards.RewardEntry>().ConfigureAwait(false);
                        won = await grid.ReadAsync<WonCount>().ConfigureAwait(false);
                    }
                }

                if (owners.Length > 0)
                {
                    reps = await grid.ReadAsync<DomainRows.RepRow>().ConfigureAwait(false);
                }

                return true;
            }, cancellationToken).ConfigureAwait(false);
        }

        return new WorkingView(d.Provider, applied, referrals, history, advocates, reps.Select(DomainRows.FromRow), owners,
            rewards ? new RewardState(referrals, entries, won) : null) { _lookups = lookupsByChange };
    }

    /// <summary>
    /// Without the email index: the candidate rows by rowid, filtered on the column as the index lookup would match it
    /// (null when no row can hold any of the keys). Rowids come as JSON numbers: <c>rowid IN</c> compares integers.
    /// </summary>
    private static string? EmailCandidateCondition(ReferralEmailCandidates candidates, string[] emailKeys, KeyLists keys)
    {
        var rowids = new HashSet<long>();
        foreach (var key in emailKeys)
        {
            candidates.CollectInto(rowids, key);
        }

        if (rowids.Count == 0)
        {
            return null;
        }

        keys.Parameters["EmailRowids"] = $"[{string.Join(',', rowids.Select(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
        return $"(rowid IN (SELECT value FROM json_each(@EmailRowids)) AND {keys.Condition("EmailKeys")})";
    }

    private static string? Or(string? left, string? right) => left is null ? right : right is null ? left : $"{left} OR {right}";

    public bool IsApplied(string eventKey) => _applied.Contains(eventKey);

    /// <summary>What <paramref name="change"/> looks up: as the load computed it when the change was one of its own.</summary>
    public LedgerLookup LookupFor(SalesforceChange change) =>
        _lookups is not null && _lookups.TryGetValue(change, out var lookup) ? lookup : ReferralProcessor.LookupFor(change);

    /// <summary>Whether <paramref name="eventKey"/> has an unresolved quarantine entry (read once, then kept current).</summary>
    public async Task<bool> HasOpenQuarantineAsync(ILedgerReader reader, string eventKey, CancellationToken cancellationToken)
    {
        if (!_openQuarantine.TryGetValue(eventKey, out var open))
        {
            open = (await reader.QueryAsync<long>(
                "SELECT COUNT(*) FROM quarantine WHERE source_event_key = @EventKey AND resolved_at IS NULL", new { EventKey = eventKey },
                cancellationToken).ConfigureAwait(false))[0] > 0;
            _openQuarantine[eventKey] = open;
        }

        return open;
    }

    /// <summary>The rows the SELECTs of the one-by-one path would return for <paramref name="lookup"/> now.</summary>
    /// <remarks>Loops rather than LINQ, and no task unless an owner must be read: a backfill asks once per change.</remarks>
    public ValueTask<LedgerView> ViewForAsync(ILedgerReader reader, LedgerLookup lookup, CancellationToken cancellationToken)
    {
        var emailKey = EmailKey(lookup.RefereeEmail);
        var referrals = new List<Referral>();
        List<string>? found = null;
        _referralsByLead.CollectInto(ref found, lookup.LeadId);
        _referralsByOpportunity.CollectInto(ref found, lookup.OpportunityId);
        _referralsByEmail.CollectInto(ref found, emailKey);
        foreach (var key in InOrderFirstSeen(found, _referralOrder))
        {
            var referral = _referrals[key];
            if ((lookup.LeadId is not null && referral.Row.LeadId == lookup.LeadId) ||
                (lookup.OpportunityId is not null && referral.Row.OpportunityId == lookup.OpportunityId) ||
                (emailKey is not null && referral.Row.RefereeEmailKey == emailKey))
            {
                referrals.Add(DomainRows.FromRow(referral.Row, referral.History));
            }
        }

        var codeKey = CodeKey(lookup.ReferralCode);
        var byId = lookup.AdvocateId is not null && _advocates.ContainsKey(lookup.AdvocateId) ? lookup.AdvocateId : null;
        var advocates = new List<Advocate>();
        List<string>? owners = null;
        found = null;
        _advocatesByContact.CollectInto(ref found, lookup.ContactId);
        _advocatesByCode.CollectInto(ref found, codeKey);
        KeyIndex.AddDistinct(ref found, byId);
        foreach (var id in InOrderFirstSeen(found, _advocateOrder))
        {
            var advocate = _advocates[id];
            if ((lookup.AdvocateId is not null && advocate.AdvocateId == lookup.AdvocateId) ||
                (lookup.ContactId is not null && advocate.ContactId == lookup.ContactId) ||
                (codeKey is not null && AdvocateCodeKey(advocate) == codeKey))
            {
                advocates.Add(DomainRows.FromRow(advocate));
                KeyIndex.AddDistinct(ref owners, advocate.OwnerId);
                KeyIndex.AddDistinct(ref owners, advocate.ContactOwnerId);
                KeyIndex.AddDistinct(ref owners, advocate.AccountOwnerId);
            }
        }

        List<string>? missing = null;
        foreach (var owner in owners ?? [])
        {
            if (!_reps.ContainsKey(owner))
            {
                (missing ??= []).Add(owner);
            }
        }

        return missing is null
            ? ValueTask.FromResult(View(referrals, advocates, owners))
            : LoadRepsThenViewAsync(reader, missing, referrals, advocates, owners!, cancellationToken);
    }

    /// <summary>Reads the reps of owners not loaded yet (an advocate's owner changed in the batch), then the view.</summary>
    private async ValueTask<LedgerView> LoadRepsThenViewAsync(
        ILedgerReader reader, List<string> missing, List<Referral> referrals, List<Advocate> advocates, List<string> owners, CancellationToken cancellationToken)
    {
        foreach (var owner in missing)
        {
            _reps[owner] = null;
        }

        foreach (var rep in await reader.QueryAsync<DomainRows.RepRow>(
            $"SELECT {DomainRows.RepColumns} FROM sales_reps WHERE {reader.Dialect.InListValue("user_id", "@Owners")}", new { Owners = reader.Dialect.ListValue(missing) },
            cancellationToken).ConfigureAwait(false))
        {
            _reps[rep.UserId] = DomainRows.FromRow(rep);
        }

        return View(referrals, advocates, owners);
    }

    private LedgerView View(List<Referral> referrals, List<Advocate> advocates, List<string>? owners)
    {
        var reps = new List<SalesRep>(owners?.Count ?? 0);
        foreach (var owner in owners ?? [])
        {
            if (_reps[owner] is { } rep)
            {
                reps.Add(rep);
            }
        }

        return new LedgerView { Referrals = [.. referrals], Advocates = [.. advocates], Reps = [.. reps] };
    }

    /// <summary>
    /// What a reward evaluation of <paramref name="referralKey"/> needs (its entries, which are paid, how many of
    /// <paramref name="advocateId"/>'s other referrals stand won), as the tables hold it now; null when this view did not
    /// load it (the caller reads the tables). Payouts cannot change underneath: a payout locks its referral first, and
    /// this transaction holds the lock on every referral it loaded (SQLite: the only writer).
    /// </summary>
    public (List<DomainRewardEntry> Entries, HashSet<string> Paid, int OtherWins)? RewardStateFor(string referralKey, string advocateId) =>
        _rewardState?.For(referralKey, advocateId);

    /// <summary>
    /// Which indexed columns of <paramref name="rows"/> (about to be written) hold what this view has for them: the
    /// rows as loaded or last written in this transaction. A row the view does not have is not listed (written whole).
    /// </summary>
    public IReadOnlyDictionary<string, UnchangedReferralColumns> UnchangedColumns(IReadOnlyList<ReferralRow> rows)
    {
        Dictionary<string, UnchangedReferralColumns>? unchanged = null; // none for a new referral (every lead of a first load)
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (_referrals.TryGetValue(row.ReferralKey, out var known) && known.Row is var stored &&
                stored.ReferralId == row.ReferralId && stored.AdvocateId == row.AdvocateId && stored.LeadId == row.LeadId &&
                stored.OpportunityId == row.OpportunityId && stored.RefereeEmailKey == row.RefereeEmailKey)
            {
                (unchanged ??= new Dictionary<string, UnchangedReferralColumns>(StringComparer.Ordinal))[row.ReferralKey] =
                    stored.State == row.State ? UnchangedReferralColumns.KeysAndState : UnchangedReferralColumns.Keys;
            }
        }

        return unchanged ?? AppliedChange.EmptyUnchanged;
    }

    /// <summary>Takes in the rows <paramref name="written"/> writes, as the store will hold them.</summary>
    public void Record(AppliedChange written)
    {
        if (written.RecordsEventKey)
        {
            _applied.Add(written.EventKey);
        }

        if (written.Quarantined.Count > 0)
        {
            _openQuarantine[written.EventKey] = true;
        }

        foreach (var advocate in written.Advocates)
        {
            _advocates[advocate.AdvocateId] = advocate with
            {
                UpdatedAt = Stored(advocate.UpdatedAt),
                Watermark = Stored(advocate.Watermark),
            };
            Index(advocate);
        }

        for (var i = 0; i < written.Referrals.Count; i++) // indexed: a foreach over the interface allocates an enumerator per change
        {
            var referral = written.Referrals[i];
            var known = _referrals.TryGetValue(referral.ReferralKey, out var existing);
            var row = referral with
            {
                // An upsert never updates submitted_at.
                SubmittedAt = known ? existing.Row.SubmittedAt : Stored(referral.SubmittedAt),
                UpdatedAt = Stored(referral.UpdatedAt),
                WonAt = Stored(referral.WonAt),
                LeadWatermark = Stored(referral.LeadWatermark),
                OpportunityWatermark = Stored(referral.OpportunityWatermark),
                DealRevenue = StoredMoney(referral.DealRevenue),
                DealRewardOverride = StoredMoney(referral.DealRewardOverride),
            };
            _referrals[referral.ReferralKey] = (row, known ? existing.History : []);
            Index(referral.ReferralKey, row);
        }

        _rewardState?.Record(written);

        for (var i = 0; i < written.StateChanges.Count; i++)
        {
            var change = written.StateChanges[i];
            _referrals[change.ReferralKey].History.Add(new RecordedStateChange
            {
                ReferralKey = change.ReferralKey,
                FromState = change.FromState,
                ToState = change.ToState,
                OccurredAt = Stored(change.OccurredAt),
                EventKey = written.EventKey,
                Reason = change.Reason,
                RuleId = change.RuleId,
                MappingVersion = change.MappingVersion,
            });
        }
    }

    private void Index(string referralKey, ReferralRow row)
    {
        _referralOrder.TryAdd(referralKey, _referralOrder.Count);
        _referralsByLead.Add(row.LeadId, referralKey);
        _referralsByOpportunity.Add(row.OpportunityId, referralKey);
        _referralsByEmail.Add(row.RefereeEmailKey, referralKey);
    }

    private void Index(AdvocateRow advocate)
    {
        _advocateOrder.TryAdd(advocate.AdvocateId, _advocateOrder.Count);
        _advocatesByContact.Add(advocate.ContactId, advocate.AdvocateId);
        _advocatesByCode.Add(AdvocateCodeKey(advocate), advocate.AdvocateId);
    }

    /// <summary>The candidates found (each once), in the order their rows were first seen, as a scan of the rows would give them.</summary>
    private static IReadOnlyList<string> InOrderFirstSeen(List<string>? found, Dictionary<string, int> order)
    {
        if (found is null)
        {
            return [];
        }

        if (found.Count > 1)
        {
            found.Sort((a, b) => order[a].CompareTo(order[b]));
        }

        return found;
    }

    /// <summary>
    /// The rows that ever held a key. Most keys name one row: those take one dictionary entry, not a set each (a
    /// backfill batch indexes thousands of referrals, and the sets outlived the GC's first generation).
    /// </summary>
    private sealed class KeyIndex
    {
        private readonly Dictionary<string, string> _one = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _more = new(StringComparer.Ordinal);

        public void Add(string? key, string row)
        {
            if (key is null)
            {
                return;
            }

            if (_more.TryGetValue(key, out var rows))
            {
                if (!rows.Contains(row))
                {
                    rows.Add(row);
                }
            }
            else if (!_one.TryAdd(key, row) && _one[key] != row)
            {
                _more[key] = [_one[key], row];
                _one.Remove(key);
            }
        }

        /// <summary>Adds to <paramref name="found"/> (created when needed) the rows under <paramref name="key"/> it does not hold yet.</summary>
        public void CollectInto(ref List<string>? found, string? key)
        {
            if (key is null)
            {
                return;
            }

            if (_one.TryGetValue(key, out var row))
            {
                AddDistinct(ref found, row);
            }
            else if (_more.TryGetValue(key, out var rows))
            {
                foreach (var each in rows)
                {
                    AddDistinct(ref found, each);
                }
            }
        }

        public static void AddDistinct(ref List<string>? found, string? row)
        {
            if (row is null)
            {
                return;
            }

            found ??= new List<string>(2);
            if (!found.Contains(row))
            {
                found.Add(row);
            }
        }
    }

    // As the SELECT compares it: UPPER(TRIM(referral_code)).
    private static string? AdvocateCodeKey(AdvocateRow advocate) => advocate.ReferralCode is null ? null : advocate.ReferralCode.Trim(' ').ToUpperInvariant();

    private static DateTimeOffset Stored(DateTimeOffset value) => LedgerTypeHandlers.ToStoredPrecision(value);

    private static DateTimeOffset? Stored(DateTimeOffset? value) => value is { } v ? LedgerTypeHandlers.ToStoredPrecision(v) : null;

    /// <summary>PostgreSQL's NUMERIC(18,4) reads back with four decimal places; SQLite keeps the text it was given.</summary>
    private decimal? StoredMoney(decimal? value) => value is { } v && _provider == LedgerProvider.PostgreSql
        ? decimal.Round(v, 4, MidpointRounding.AwayFromZero) + 0.0000m
        : value;

    private static string? EmailKey(string? email) => string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToUpperInvariant();

    private static string? CodeKey(string? code) => string.IsNullOrWhiteSpace(code) ? null : code.Trim().ToUpperInvariant();

    private static string[] Distinct(IEnumerable<string?> values) => [.. values.OfType<string>().Distinct(StringComparer.Ordinal)];

    /// <summary>How many referrals of one of the loaded referrals' advocates stand won.</summary>
    private sealed record WonCount
    {
        public required string AdvocateId { get; init; }
        public required long Won { get; init; }
    }

    /// <summary>
    /// Reward entries (with which are paid) of the loaded referrals, and how many referrals of their advocates stand
    /// won, kept current with the entries and referral rows the transaction writes. Complete only for the referrals and
    /// advocates loaded: a referral registered in the transaction, or an advocate none of them had, is read from the
    /// tables. Counts, not the won referrals themselves: an advocate's referrals that the transaction does not load
    /// cannot change in it, and the ones it loads carry their state (reading every won referral's key cost twice as
    /// long, and one row per win, for each batch of opportunities).
    /// </summary>
    private sealed class RewardState
    {
        private readonly Dictionary<string, List<DomainRewardEntry>> _entries = new(StringComparer.Ordinal);
        private readonly HashSet<string> _paid = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _wonByAdvocate = new(StringComparer.Ordinal);

        // The referrals counted in _wonByAdvocate that this view knows, with the advocate they count for.
        private readonly Dictionary<string, string> _counted = new(StringComparer.Ordinal);

        public RewardState(IEnumerable<ReferralRow> referrals, IEnumerable<Rewards.RewardEntry> entries, IEnumerable<WonCount> won)
        {
            // The wins were counted for these referrals' advocates: one without any has none (known, not missing).
            foreach (var referral in referrals)
            {
                _entries[referral.ReferralKey] = [];
                _wonByAdvocate[referral.AdvocateId] = 0;
                if (referral.State == nameof(ReferralState.Won))
                {
                    _counted[referral.ReferralKey] = referral.AdvocateId;
                }
            }

            foreach (var entry in entries)
            {
                if (!_entries.TryGetValue(entry.ReferralKey, out var list))
                {
                    continue; // a referral committed between the two reads (PostgreSQL, read committed): not in this view
                }

                list.Add(DomainRows.FromRow(entry));
                if (entry.PaidAt is not null)
                {
                    _paid.Add(entry.IdempotencyKey);
                }
            }

            foreach (var count in won)
            {
                _wonByAdvocate[count.AdvocateId] = (int)count.Won;
            }
        }

        public (List<DomainRewardEntry> Entries, HashSet<string> Paid, int OtherWins)? For(string referralKey, string advocateId)
        {
            if (!_entries.TryGetValue(referralKey, out var entries) || !_wonByAdvocate.TryGetValue(advocateId, out var won))
            {
                return null;
            }

            var paid = entries.Where(e => _paid.Contains(e.IdempotencyKey)).Select(e => e.IdempotencyKey).ToHashSet(StringComparer.Ordinal);
            var self = _counted.TryGetValue(referralKey, out var countedFor) && countedFor == advocateId ? 1 : 0;
            return ([.. entries], paid, won - self);
        }

        public void Record(AppliedChange written)
        {
            foreach (var row in written.RewardEntries)
            {
                // As the table keeps it: the first entry of a key (the insert ignores a duplicate), timestamps as stored.
                if (_entries.TryGetValue(row.ReferralKey, out var entries) && !entries.Any(e => e.IdempotencyKey == row.IdempotencyKey))
                {
                    entries.Add(DomainRows.FromRow(DomainRows.AsStored(row, written.EventKey)));
                }
            }

            for (var i = 0; i < written.Referrals.Count; i++)
            {
                var referral = written.Referrals[i];
                if (_counted.Remove(referral.ReferralKey, out var before))
                {
                    _wonByAdvocate[before]--;
                }

                if (referral.State == nameof(ReferralState.Won) && _wonByAdvocate.TryGetValue(referral.AdvocateId, out var won))
                {
                    _wonByAdvocate[referral.AdvocateId] = won + 1;
                    _counted[referral.ReferralKey] = referral.AdvocateId;
                }
            }
        }
    }

    /// <summary>
    /// The keys looked up, by parameter name, and the conditions matching them. A list is bound as one value
    /// (<see cref="ISqlDialect.InListValue"/>); on SQLite a single key (every one-change transaction) is compared with
    /// <c>=</c> instead: SQLite prepares every statement afresh, and a json_each subquery costs more to prepare than the lookup.
    /// </summary>
    private sealed class KeyLists
    {
        private readonly ISqlDialect _dialect;
        private readonly Dictionary<string, (string Column, string[] Values)> _keys;

        public KeyLists(ISqlDialect dialect, Dictionary<string, (string Column, string[] Values)> keys)
        {
            _dialect = dialect;
            _keys = keys;
            Parameters = keys.ToDictionary(k => k.Key, k => Scalar(k.Value.Values) ? k.Value.Values[0] : dialect.ListValue(k.Value.Values), StringComparer.Ordinal);
        }

        /// <summary>The values to bind, by parameter name.</summary>
        public Dictionary<string, object> Parameters { get; }

        public string Condition(string name) => _keys[name] is var (column, values) && Scalar(values)
            ? $"{column} = @{name}"
            : _dialect.InListValue(_keys[name].Column, "@" + name);

        /// <summary>The conditions of the lists that have keys, OR-ed; null when none has.</summary>
        public string? Any(params string[] names) =>
            names.Where(n => _keys[n].Values.Length > 0).Select(Condition).ToList() is { Count: > 0 } conditions ? string.Join(" OR ", conditions) : null;

        private bool Scalar(string[] values) => values.Length == 1 && _dialect.Provider == LedgerProvider.Sqlite;
    }
}
