using System.Data.Common;
using Dapper;

namespace Connector.Ledger.Ledger;

/// <summary>
/// A large load of referrals without the two referral indexes whose keys arrive in random order: the referee's email
/// key and (advocate, state). Each referral inserted into them lands on another page of a large b-tree, which the
/// insert reads back and every commit writes out again; measured on SQLite with the ledger's rows, 850,000 referrals
/// took 72 s with them and 18 s without. Built once at the end, by a sort, they cost a few seconds.
/// <para>SQLite only: the embedded ledger has one process writing it, this one. On PostgreSQL other instances read and
/// write the same tables, and nothing here changes.</para>
/// <para>While they are deferred the apply path still finds a referral by its email key (duplicates are decided on it):
/// every referral row this process writes is recorded, with its rowid, under a hash of its email key, inside the
/// transaction that writes it (<see cref="ReferralEmailCandidates"/>). Lookups read those rowids and filter them on the
/// real column, so a stale or colliding entry matches nothing. Other readers (profiles, console searches) scan the
/// table meanwhile: the profile job waits for <see cref="RestoreAsync"/>.</para>
/// <para>A large load of opportunities goes without the reward entries' (advocate, effective date) index the same
/// way: each won deal's reward lands on a random leaf of it (measured with the ledger's rows: the opportunity writes
/// 29% faster without it). Only the console and the profiles read by it, and profiles wait for any backfill. It goes
/// without (advocate, state) too, when the referrals are no more than ten times the opportunities coming: each deal
/// moving a stage moved its referral's entry to another random leaf. What the apply path reads by it, how many of an
/// advocate's referrals stand won (escalating tiers), a small index of the won referrals alone answers meanwhile
/// (<see cref="WinsIndex"/>): the same rows, so the same counts. Measured on the benchmark's 200,000 opportunities
/// over 850,000 referrals: 13,000–15,667 opportunities/s against 11,200–13,300, for about 1 s more building it at the
/// end. A lead load that such an opportunity load follows leaves it deferred for it: built once, after both.</para>
/// <para>A process that stops before restoring leaves them missing: the migration step at the next start builds them
/// again (<see cref="Migrations.MigrationRunner"/>), before anything reads the ledger.</para>
/// </summary>
public sealed class DeferredIndexes
{
    /// <summary>The indexes deferred, as migrations 0002 and 0007 create them (a test holds the two equal).</summary>
    internal static readonly IReadOnlyList<(string Name, string Create)> Indexes =
    [
        ("ix_referrals_referee_email_key",
            "CREATE INDEX IF NOT EXISTS ix_referrals_referee_email_key ON referrals (referee_email_key) WHERE referee_email_key IS NOT NULL"),
        (StateIndex, $"CREATE INDEX IF NOT EXISTS {StateIndex} ON referrals (advocate_id, state)"),
    ];

    /// <summary>The reward index an opportunity load defers, as migration 0001 creates it (a test holds the two equal).</summary>
    internal static readonly (string Name, string Create) RewardIndex =
        ("ix_reward_entries_advocate_id", "CREATE INDEX IF NOT EXISTS ix_reward_entries_advocate_id ON reward_entries (advocate_id, effective_on)");

    /// <summary>The referrals' (advocate, state) index, which the won counts read when it stands.</summary>
    internal const string StateIndex = "ix_referrals_advocate_state";

    /// <summary>
    /// While (advocate, state) is deferred (a lead load, an opportunity load, or both in a row): the won referrals by
    /// advocate, which the won counts read (<c>WHERE state = 'Won' AND advocate_id …</c>, the state a literal so that
    /// SQLite can match the partial index). A deal won adds one entry; a stage move that is not a win touches none.
    /// </summary>
    internal static readonly (string Name, string Create) WinsIndex =
        ("ix_referrals_advocate_wins_load", "CREATE INDEX IF NOT EXISTS ix_referrals_advocate_wins_load ON referrals (advocate_id) WHERE state = 'Won'");

    // Referrals per incoming opportunity above which (advocate, state) stays: rebuilding it sorts every referral
    // (about 1.2 µs each), keeping it costs a random leaf per stage move (about 25 µs each).
    private const int ReferralsPerOpportunityToDeferStates = 10;

    private readonly LedgerDatabase _database;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Recording: every referral write adds its rowid (set before the indexes go, so no write is missed). Serving:
    // lookups use it instead of the email index (set once the map holds every row).
    private volatile ReferralEmailCandidates? _recording;
    private volatile ReferralEmailCandidates? _serving;

    internal DeferredIndexes(LedgerDatabase database) => _database = database;

    /// <summary>Whether the indexes are deferred now (a large load is under way).</summary>
    public bool Active => _serving is not null;

    /// <summary>Where writes record their referral rows while deferred; null otherwise.</summary>
    internal ReferralEmailCandidates? Recording => _recording;

    /// <summary>What lookups by email key read instead of the index while deferred; null otherwise.</summary>
    internal ReferralEmailCandidates? Serving => _serving;

    /// <summary>
    /// Drops the indexes for a load of about <paramref name="incoming"/> referral records, when that pays: on SQLite,
    /// when the table holds no more rows than are coming (rebuilding costs a sort of the whole table; random inserts
    /// cost a page each). Returns whether they are deferred (already, or now).
    /// </summary>
    public async Task<bool> DeferAsync(long incoming, CancellationToken cancellationToken)
    {
        if (_database.Dialect.Provider != LedgerProvider.Sqlite)
        {
            return false;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_serving is not null)
            {
                return true;
            }

            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var existing = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM referrals", cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (existing > incoming)
            {
                return false;
            }

            // Sized for the load up front (no copy while it grows), up to a million referrals (20 MB); beyond, it grows.
            var candidates = new ReferralEmailCandidates((int)Math.Min(existing + incoming, 1_000_000));
            _recording = candidates;
            try
            {
                // One writer at a time (BEGIN IMMEDIATE): every write committed before this is in the scan; every one
                // after it records itself, since recording started first.
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                var rows = await connection.QueryAsync<(long Rowid, string EmailKey)>(new CommandDefinition(
                    "SELECT rowid, referee_email_key FROM referrals WHERE referee_email_key IS NOT NULL", transaction: transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
                foreach (var (rowid, emailKey) in rows)
                {
                    candidates.Add(emailKey, rowid);
                }

                // The won counts read the wins index meanwhile: it stands before (advocate, state) goes.
                await connection.ExecuteAsync(new CommandDefinition(WinsIndex.Create, transaction: transaction, cancellationToken: cancellationToken))
                    .ConfigureAwait(false);
                foreach (var (name, _) in Indexes)
                {
                    await connection.ExecuteAsync(new CommandDefinition($"DROP INDEX IF EXISTS {name}", transaction: transaction,
                        cancellationToken: cancellationToken)).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _recording = null;
                throw;
            }

            _serving = candidates;
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Drops the reward index for a load of about <paramref name="incoming"/> opportunity records, when that pays (SQLite,
    /// and no more reward entries than records coming), and (advocate, state) for the <see cref="WinsIndex"/> when the
    /// referrals are few enough for its rebuild to cost less than its upkeep. Returns whether anything is deferred;
    /// <see cref="RestoreAsync"/> builds them.
    /// </summary>
    public async Task<bool> DeferForOpportunitiesAsync(long incoming, CancellationToken cancellationToken)
    {
        if (_database.Dialect.Provider != LedgerProvider.Sqlite)
        {
            return false;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var (entries, referrals, stateIndexes) = await connection.QuerySingleAsync<(long, long, long)>(new CommandDefinition($"""
                SELECT (SELECT COUNT(*) FROM reward_entries), (SELECT COUNT(*) FROM referrals),
                       (SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{StateIndex}')
                """, cancellationToken: cancellationToken)).ConfigureAwait(false);
            var rewards = entries <= incoming;
            // Still deferred since the lead load before this one (RestoreAsync keeping it): built after this load.
            var states = stateIndexes == 0 || referrals <= incoming * ReferralsPerOpportunityToDeferStates;
            if (!rewards && !states)
            {
                return false;
            }

            // One transaction: the wins index exists before (advocate, state) goes, so no won count ever scans.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (rewards)
            {
                await connection.ExecuteAsync(new CommandDefinition($"DROP INDEX IF EXISTS {RewardIndex.Name}", transaction: transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
            }

            if (states)
            {
                await connection.ExecuteAsync(new CommandDefinition(WinsIndex.Create, transaction: transaction, cancellationToken: cancellationToken))
                    .ConfigureAwait(false);
                await connection.ExecuteAsync(new CommandDefinition($"DROP INDEX IF EXISTS {StateIndex}", transaction: transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Builds the indexes when they are missing (after a load, or left missing by a process that stopped during one); a no-op otherwise.</summary>
    public Task RestoreAsync(CancellationToken cancellationToken) => RestoreAsync(keepStateIndexDeferred: false, cancellationToken);

    /// <summary>
    /// As <see cref="RestoreAsync(CancellationToken)"/>; with <paramref name="keepStateIndexDeferred"/>, all but
    /// (advocate, state), the <see cref="WinsIndex"/> counting wins meanwhile: a lead load followed by an opportunity
    /// load, which would drop it again, builds it once after both (about 1.1 s for 850,000 referrals). Lookups by email
    /// read the index again from here on either way.
    /// </summary>
    public async Task RestoreAsync(bool keepStateIndexDeferred, CancellationToken cancellationToken)
    {
        if (_database.Dialect.Provider != LedgerProvider.Sqlite)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var columns = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM pragma_table_info('referrals') WHERE name IN ('referee_email_key', 'advocate_id', 'state')",
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            if (columns < 3)
            {
                return; // a schema older than the indexes (migrating step by step): its migrations create them
            }

            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var (name, create) in Indexes.Append(RewardIndex))
                {
                    if (keepStateIndexDeferred && name == StateIndex)
                    {
                        continue;
                    }

                    await connection.ExecuteAsync(new CommandDefinition(create, transaction: transaction, cancellationToken: cancellationToken))
                        .ConfigureAwait(false);
                }

                // (advocate, state) answers the won counts again, or the wins index still does.
                await connection.ExecuteAsync(new CommandDefinition(
                    keepStateIndexDeferred ? WinsIndex.Create : $"DROP INDEX IF EXISTS {WinsIndex.Name}", transaction: transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false);

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            // Lookups read the index from here on; until this line the map still held every row.
            _serving = null;
            _recording = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Records the referral rows <paramref name="referralKeys"/> (just written in <paramref name="transaction"/>) while
    /// deferred, before the transaction commits: the next transaction can only begin after this one committed, so it
    /// finds them. If this one rolls back, the entries match nothing.
    /// </summary>
    internal async Task RecordAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<string> referralKeys, CancellationToken cancellationToken)
    {
        if (_recording is not { } candidates || referralKeys.Count == 0)
        {
            return;
        }

        var rows = await connection.QueryAsync<(long Rowid, string EmailKey)>(new CommandDefinition(
            "SELECT rowid, referee_email_key FROM referrals WHERE referral_key IN (SELECT value FROM json_each(@Keys)) AND referee_email_key IS NOT NULL",
            new { Keys = _database.Dialect.ListValue(referralKeys) }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var (rowid, emailKey) in rows)
        {
            candidates.Add(emailKey, rowid);
        }
    }
}

/// <summary>
/// The rowids of the referral rows that may hold an email key, under a 32-bit hash of it: a superset of the rows that
/// hold it now (a row whose key changed, or a colliding hash, is filtered out by the lookup). Compact on purpose: about
/// 20 bytes a referral, where a map of the keys themselves would take some 150 bytes.
/// </summary>
internal sealed class ReferralEmailCandidates(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, int> _one = new(capacity);
    private readonly Dictionary<int, List<long>> _more = [];

    public void Add(string emailKey, long rowid)
    {
        var hash = Hash(emailKey);
        lock (_lock)
        {
            if (_more.TryGetValue(hash, out var list))
            {
                if (!list.Contains(rowid))
                {
                    list.Add(rowid);
                }
            }
            else if (_one.TryGetValue(hash, out var only))
            {
                if (only != rowid)
                {
                    _one.Remove(hash);
                    _more[hash] = [only, rowid];
                }
            }
            else if (rowid is > 0 and <= int.MaxValue)
            {
                _one[hash] = (int)rowid;
            }
            else
            {
                _more[hash] = [rowid];
            }
        }
    }

    /// <summary>Adds to <paramref name="rowids"/> the rows that may hold <paramref name="emailKey"/>.</summary>
    public void CollectInto(ICollection<long> rowids, string emailKey)
    {
        var hash = Hash(emailKey);
        lock (_lock)
        {
            if (_one.TryGetValue(hash, out var only))
            {
                rowids.Add(only);
            }
            else if (_more.TryGetValue(hash, out var list))
            {
                foreach (var rowid in list)
                {
                    rowids.Add(rowid);
                }
            }
        }
    }

    // FNV-1a over the UTF-16 code units: cheap, and the same in every run (string.GetHashCode is not, which makes collisions hard to reproduce).
    private static int Hash(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }
}
