using System.Data.Common;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Dialects;
using Connector.Ledger.Outbox;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Rewards;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Connector.Ledger.Ledger;

/// <summary>
/// Writes the referral ledger: each incoming change in one transaction with its event key and stream position
/// (exactly-once effects over at-least-once delivery), and reward payouts. Reads what the domain needs to decide.
/// </summary>
public sealed class LedgerStore
{
    private const decimal MaxAmount = 100_000_000_000_000m; // NUMERIC(18,4): 14 integer digits

    private readonly LedgerDatabase _database;
    private readonly TimeProvider _time;

    private readonly RowStatement _insertAppliedEvent;
    private readonly RowStatement _saveCheckpoint;
    private readonly RowStatement _upsertAdvocate;
    private readonly RowStatement _upsertReferral;
    private readonly RowStatement _upsertReferralKeepingKeys;
    private readonly RowStatement _upsertReferralKeepingKeysAndState;
    private readonly RowStatement _insertStateChange;
    private readonly RowStatement _insertRewardEntry;
    private readonly RowStatement _insertQuarantine;
    private readonly RowStatement _insertAudit;
    private readonly RowStatement _insertOutbox;

    // Queued writes (ILedgerTransaction.Enqueue) record event keys with a plain INSERT: the caller checked them in
    // the transaction, so a key recorded meanwhile by a concurrent transaction violates the primary key and rolls
    // everything back instead of being skipped silently after its effects were written.
    private readonly RowStatement _recordAppliedEvent;
    private readonly RowStatement _markReapplied;

    public LedgerStore(LedgerDatabase database, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time;
        var d = database.Dialect;

        const string appliedEventColumns = "event_key, stream, applied_at";
        const string appliedEventValues = "@EventKey, @Stream, @AppliedAt";
        _insertAppliedEvent = new(appliedEventValues, rows => d.InsertIgnoringDuplicate("applied_events", "event_key", appliedEventColumns, rows));
        _recordAppliedEvent = new(appliedEventValues, rows => $"INSERT INTO applied_events ({appliedEventColumns}) VALUES {Tuples(rows)}");
        _saveCheckpoint = new(CheckpointSql.Values, rows => CheckpointSql.Save(d, rows));
        _upsertAdvocate = new(
            "@AdvocateId, @ContactId, @AccountId, @OwnerId, @Name, @Status, @ReferralCode, @EnrolledOn, @UpdatedAt, @Watermark, @ContactOwnerId, @AccountOwnerId",
            rows => d.Upsert("advocates", "advocate_id",
                "advocate_id, contact_id, account_id, owner_id, name, status, referral_code, enrolled_on, updated_at, watermark, contact_owner_id, account_owner_id", rows,
                "contact_id, account_id, owner_id, name, status, referral_code, enrolled_on, updated_at, watermark, contact_owner_id, account_owner_id"));
        // Three texts for one upsert: the whole row, or without the indexed columns a write leaves as they are
        // (AppliedChange.ReferralsUnchanged). A row that turns out not to exist is inserted whole by any of them.
        const string identityColumns = "referral_id, advocate_id, lead_id, opportunity_id, referee_email_key";
        const string otherColumns = """
            method, logged_by_id, referee_name, referee_email, referee_company, referee_phone, updated_at,
            duplicate_of, won_at, lead_watermark, opportunity_watermark,
            deal_stage, deal_revenue, deal_currency, deal_reward_override, deal_close_date
            """;
        RowStatement ReferralUpsert(string updated) => new(
            """
            @ReferralKey, @ReferralId, @AdvocateId, @State, @Method, @LeadId, @OpportunityId, @LoggedById,
            @RefereeName, @RefereeEmail, @RefereeCompany, @RefereePhone, @SubmittedAt, @UpdatedAt,
            @RefereeEmailKey, @DuplicateOf, @WonAt, @LeadWatermark, @OpportunityWatermark,
            @DealStage, @DealRevenue, @DealCurrency, @DealRewardOverride, @DealCloseDate
            """,
            rows => d.Upsert("referrals", "referral_key",
                """
                referral_key, referral_id, advocate_id, state, method, lead_id, opportunity_id, logged_by_id,
                referee_name, referee_email, referee_company, referee_phone, submitted_at, updated_at,
                referee_email_key, duplicate_of, won_at, lead_watermark, opportunity_watermark,
                deal_stage, deal_revenue, deal_currency, deal_reward_override, deal_close_date
                """,
                rows, updated));
        _upsertReferral = ReferralUpsert($"{identityColumns}, state, {otherColumns}");
        _upsertReferralKeepingKeys = ReferralUpsert($"state, {otherColumns}");
        _upsertReferralKeepingKeysAndState = ReferralUpsert(otherColumns);
        // History and audit are plain inserts: the unique constraints are the last line of defence. A reward or a
        // Salesforce write decided again (from another event) is skipped by its idempotency key.
        _insertStateChange = new("@ReferralKey, @FromState, @ToState, @OccurredAt, @EventKey, @Reason, @RuleId, @MappingVersion, @RecordedAt",
            rows => $"""
                INSERT INTO referral_state_changes (referral_key, from_state, to_state, occurred_at, event_key, reason, rule_id, mapping_version, recorded_at)
                VALUES {Tuples(rows)}
                """);
        _insertRewardEntry = new(
            """
            @IdempotencyKey, @ReferralKey, @AdvocateId, @Beneficiary, @Kind, @Amount, @Currency, @EffectiveOn, @Reason,
            @RuleId, @RelatedKey, @EventKey, @RecordedAt, @BeneficiaryId, @RuleVersion, @Stage, @Cycle, @WonOn,
            @RetentionEndsOn, @MaturesOn, @ChoiceOptions, @WonAt
            """,
            rows => d.InsertIgnoringDuplicate("reward_entries", "idempotency_key",
                """
                idempotency_key, referral_key, advocate_id, beneficiary, kind, amount, currency, effective_on, reason,
                rule_id, related_key, event_key, recorded_at, beneficiary_id, rule_version, stage, cycle, won_on,
                retention_ends_on, matures_on, choice_options, won_at
                """, rows));
        _insertQuarantine = new($"@EventKey, @Entity, @RecordId, @ReasonCode, @Reason, {d.JsonParameter("@Payload")}, @RecordedAt",
            rows => $"""
                INSERT INTO quarantine (source_event_key, entity, record_id, reason_code, reason, payload, received_at)
                VALUES {Tuples(rows)}
                """);
        // An UPDATE per entry: the "row" is the whole statement.
        _markReapplied = new(QuarantineSql.MarkReapplied, statements => string.Join(";\n", statements));
        _insertAudit = new("@DecisionKind, @Subject, @Reason, @RuleId, @MappingVersion, @EventKey, @At",
            rows => $"""
                INSERT INTO audit_entries (decision_kind, subject, reason, rule_id, mapping_version, event_key, at)
                VALUES {Tuples(rows)}
                """);
        _insertOutbox = new($"@Kind, @TargetSObject, @TargetId, {d.JsonParameter("@Payload")}, @IdempotencyKey, @RecordedAt",
            rows => d.InsertIgnoringDuplicate("outbox_messages", "idempotency_key",
                "kind, target_sobject, target_id, payload, idempotency_key, created_at", rows));

        if (d.Provider == LedgerProvider.PostgreSql)
        {
            // Each table's queued rows as one statement of column arrays whose text never changes: prepared once per
            // connection instead of parsed and planned per batch (see ColumnArrays). Same conflict handling as above.
            _upsertAdvocate.AsColumnArrays(typeof(AdvocateRow));
            _upsertReferral.AsColumnArrays(typeof(ReferralRow));
            _upsertReferralKeepingKeys.AsColumnArrays(typeof(ReferralRow));
            _upsertReferralKeepingKeysAndState.AsColumnArrays(typeof(ReferralRow));
            _insertStateChange.AsColumnArrays(typeof(ReferralStateChangeRow));
            _insertRewardEntry.AsColumnArrays(typeof(RewardEntryRow));
            _insertQuarantine.AsColumnArrays(typeof(QuarantineRow));
            _insertAudit.AsColumnArrays(typeof(AuditRow));
            _insertOutbox.AsColumnArrays(typeof(OutboxMessageRow));
            _recordAppliedEvent.AsColumnArrays(typeof(AppliedEventValues));
            _saveCheckpoint.AsColumnArrays(typeof(CheckpointValues));
            // One UPDATE for all entries. An entry re-applied twice in the transaction keeps the first event key, as
            // consecutive UPDATEs (the second finds it resolved) would: one row per id, the first queued.
            _markReapplied.AsColumnArrays(ColumnArrays.Custom(["Id", "ReappliedEventKey", "ResolvedAt"], typeof(ReappliedValues), $$"""
                UPDATE quarantine SET resolved_at = f."ResolvedAt", reapplied_event_key = f."ReappliedEventKey"
                FROM (SELECT DISTINCT ON (u."Id") u."Id", u."ReappliedEventKey", u."ResolvedAt" FROM {{ColumnArrays.Source}} ORDER BY u."Id", u."Ordinal") AS f
                WHERE quarantine.id = f."Id" AND quarantine.resolved_at IS NULL
                """));
        }
    }

    // The values of rows that have no record of their own (their properties type the PostgreSQL column arrays).
    private sealed record AppliedEventValues(string EventKey, string? Stream, DateTimeOffset AppliedAt);

    private sealed record CheckpointValues(string Stream, long? ReplayId, string? Cursor, DateTimeOffset UpdatedAt);

    private sealed record ReappliedValues(long Id, string ReappliedEventKey, DateTimeOffset ResolvedAt);

    private static string Tuples(IReadOnlyList<string> rows) => string.Join(", ", rows.Select(r => $"({r})"));

    /// <summary>Where lookups by email key find referrals while the email index is deferred (read inside the transaction); null otherwise.</summary>
    internal ReferralEmailCandidates? EmailCandidates => _database.DeferredIndexes.Serving;

    /// <summary>Whether <paramref name="exception"/> is the engine refusing a duplicate of a unique key.</summary>
    public bool IsUniqueViolation(DbException exception) => _database.Dialect.IsUniqueViolation(exception);

    /// <summary>Whether <paramref name="exception"/> is the engine ending a transaction to break a deadlock.</summary>
    public bool IsDeadlock(DbException exception) => _database.Dialect.IsDeadlock(exception);

    /// <summary>
    /// Applies <paramref name="change"/> in one transaction: records its event key, advances its stream, writes its
    /// effects. Returns false, writing nothing, when the event key was applied before. Any failure (a constraint
    /// violation, a lost connection) rolls everything back, the stream position included, and propagates.
    /// </summary>
    public async Task<bool> ApplyAsync(AppliedChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return await ApplyBatchAsync([change], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Applies consecutive changes of a stream in one transaction (one commit, one fsync: how a worker keeps up with a
    /// burst on PostgreSQL). Each change is still guarded by its own event key: those applied before are skipped, the
    /// others applied in order, so the stream ends at the last new change's position. All or nothing: if any change
    /// fails, none is applied; the caller can then apply them one by one to find the one to quarantine.
    /// Returns how many changes were new.
    /// </summary>
    public async Task<int> ApplyBatchAsync(IReadOnlyList<AppliedChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(change.EventKey);
            foreach (var entry in change.RewardEntries)
            {
                EnsureStorable(entry.Amount, entry.IdempotencyKey);
            }
        }

        var now = _time.GetUtcNow();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var applied = 0;
        var positions = new Dictionary<string, StreamPosition>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (await ApplyInTransactionAsync(connection, transaction, change, now, cancellationToken).ConfigureAwait(false))
            {
                applied++;
                if (change.Checkpoint is { } position)
                {
                    positions[position.Stream] = position;
                }
            }
        }

        // Only each stream's last position matters, and it commits with the effects or not at all.
        foreach (var position in positions.Values)
        {
            await ExecuteAsync(connection, transaction, _saveCheckpoint.Single,
                new { position.Stream, position.ReplayId, position.Cursor, UpdatedAt = now }, cancellationToken).ConfigureAwait(false);
        }

        if (applied > 0)
        {
            if (_database.DeferredIndexes.Recording is not null)
            {
                await _database.DeferredIndexes.RecordAsync(connection, transaction,
                    [.. changes.SelectMany(c => c.Referrals).Select(r => r.ReferralKey).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return applied;
    }

    private async Task<bool> ApplyInTransactionAsync(DbConnection connection, DbTransaction transaction, AppliedChange change, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (change.RecordsEventKey)
        {
            var first = await ExecuteAsync(connection, transaction, _insertAppliedEvent.Single,
                new { change.EventKey, change.Checkpoint?.Stream, AppliedAt = now }, cancellationToken).ConfigureAwait(false);
            if (first == 0)
            {
                return false;
            }
        }

        await ExecuteManyAsync(connection, transaction, _upsertAdvocate.Single, change.Advocates, cancellationToken).ConfigureAwait(false);
        await ExecuteManyAsync(connection, transaction, _upsertReferral.Single, change.Referrals, cancellationToken).ConfigureAwait(false);
        await ExecuteManyAsync(connection, transaction, _insertStateChange.Single, Stamped(change.StateChanges, change.EventKey, now), cancellationToken).ConfigureAwait(false);
        await ExecuteManyAsync(connection, transaction, _insertRewardEntry.Single, Stamped(change.RewardEntries, change.EventKey, now), cancellationToken).ConfigureAwait(false);
        await ExecuteManyAsync(connection, transaction, _insertQuarantine.Single, Stamped(change.Quarantined, change.EventKey, now), cancellationToken).ConfigureAwait(false);
        await ExecuteManyAsync(connection, transaction, _markReapplied.Single,
            change.ReappliedQuarantineIds.Select(id => new { Id = id, ReappliedEventKey = change.EventKey, ResolvedAt = now }), cancellationToken).ConfigureAwait(false);
        await ExecuteManyAsync(connection, transaction, _insertAudit.Single, Stamped(change.Audit, change.EventKey, now), cancellationToken).ConfigureAwait(false);
        await ExecuteManyAsync(connection, transaction, _insertOutbox.Single, Stamped(change.Outbox, change.EventKey, now), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Queued changes (in order) and stream positions as multi-row statements, tables in the order the foreign keys
    /// need (advocates, referrals, then the rows that refer to them). Upserted rows are folded to one per key, since one
    /// statement may not update a row twice: the last values win, and a referral keeps the <c>submitted_at</c> it was
    /// first inserted with (not an updated column) — what consecutive upserts would have left.
    /// </summary>
    private void Render(IReadOnlyList<AppliedChange> changes, IReadOnlyCollection<StreamPosition> positions, DateTimeOffset now, WriteCommand command)
    {
        var advocates = new Dictionary<string, AdvocateRow>(StringComparer.Ordinal);
        var referrals = new Dictionary<string, (ReferralRow Row, UnchangedReferralColumns? Unchanged)>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            foreach (var advocate in change.Advocates)
            {
                advocates[advocate.AdvocateId] = advocate;
            }

            for (var i = 0; i < change.Referrals.Count; i++) // indexed: a foreach over the interface allocates an enumerator per change
            {
                var referral = change.Referrals[i];
                UnchangedReferralColumns? unchanged = change.ReferralsUnchanged.TryGetValue(referral.ReferralKey, out var u) ? u : null;
                // Folded writes leave a column out only if each of them did: each was compared with the row before it,
                // the first with the row this statement finds.
                referrals[referral.ReferralKey] = referrals.TryGetValue(referral.ReferralKey, out var first)
                    ? (referral with { SubmittedAt = first.Row.SubmittedAt }, Weakest(first.Unchanged, unchanged))
                    : (referral, unchanged);
            }
        }

        RenderRows(_upsertAdvocate, [.. advocates.Values.Select(a => RowStatement.ValuesOf(a))]);
        RenderRows(_upsertReferral, [.. referrals.Values.Where(r => r.Unchanged is null).Select(r => RowStatement.ValuesOf(r.Row))]);
        RenderRows(_upsertReferralKeepingKeys, [.. referrals.Values.Where(r => r.Unchanged is UnchangedReferralColumns.Keys).Select(r => RowStatement.ValuesOf(r.Row))]);
        RenderRows(_upsertReferralKeepingKeysAndState,
            [.. referrals.Values.Where(r => r.Unchanged is UnchangedReferralColumns.KeysAndState).Select(r => RowStatement.ValuesOf(r.Row))]);

        // The rows that hang off each change, stamped with its event key: one pass, no iterator per change and table.
        var stateChanges = new List<StampedRow>();
        var rewardEntries = new List<StampedRow>();
        var quarantined = new List<StampedRow>();
        var reapplied = new List<StampedRow>();
        var audit = new List<StampedRow>(changes.Count * 2);
        var outbox = new List<StampedRow>();
        var appliedEvents = new List<StampedRow>(changes.Count);
        foreach (var c in changes)
        {
            Stamp(stateChanges, c.StateChanges, c.EventKey);
            Stamp(rewardEntries, c.RewardEntries, c.EventKey);
            Stamp(quarantined, c.Quarantined, c.EventKey);
            foreach (var id in c.ReappliedQuarantineIds)
            {
                reapplied.Add(RowStatement.ValuesOf(new ReappliedValues(id, c.EventKey, now)));
            }

            Stamp(audit, c.Audit, c.EventKey);
            Stamp(outbox, c.Outbox, c.EventKey);
            if (c.RecordsEventKey)
            {
                appliedEvents.Add(RowStatement.ValuesOf(new AppliedEventValues(c.EventKey, c.Checkpoint?.Stream, now)));
            }
        }

        RenderRows(_insertStateChange, stateChanges);
        RenderRows(_insertRewardEntry, rewardEntries);
        RenderRows(_insertQuarantine, quarantined);
        RenderRows(_markReapplied, reapplied);
        RenderRows(_insertAudit, audit);
        RenderRows(_insertOutbox, outbox);
        RenderRows(_recordAppliedEvent, appliedEvents);
        RenderRows(_saveCheckpoint, [.. positions.Select(p => RowStatement.ValuesOf(new CheckpointValues(p.Stream, p.ReplayId, p.Cursor, now)))]);

        void Stamp<TRow>(List<StampedRow> into, IReadOnlyList<TRow> rows, string eventKey)
            where TRow : notnull
        {
            foreach (var row in rows)
            {
                into.Add(RowStatement.ValuesOf(row, eventKey, now));
            }
        }

        void RenderRows(RowStatement statement, List<StampedRow> rows)
        {
            if (rows.Count > 0)
            {
                statement.Render(rows, command);
            }
        }
    }

    private static UnchangedReferralColumns? Weakest(UnchangedReferralColumns? first, UnchangedReferralColumns? second) =>
        first is null || second is null ? null : first < second ? first : second;

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction that reads, decides and writes: what it reads through the
    /// <see cref="ILedgerTransaction"/> is the state its writes build on, and everything (effects, event keys,
    /// checkpoints) commits together when it returns, or not at all when it throws. This is how a change is applied
    /// exactly once: check the event key, load what the domain needs, decide, write, advance the stream.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<ILedgerTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (_database.Dialect is SqliteDialect sqlite)
        {
            // A kept connection whose commands stay compiled (SqliteSession); one that failed is not kept.
            var session = await sqlite.Sessions.TakeAsync(cancellationToken).ConfigureAwait(false);
            T result;
            try
            {
                result = await RunAsync(session.Connection, session, work, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await session.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            await sqlite.Sessions.GiveBackAsync(session).ConfigureAwait(false);
            return result;
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(connection, null, work, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> RunAsync<T>(DbConnection connection, SqliteSession? session, Func<ILedgerTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var scope = new TransactionScope(this, connection, transaction, session, _time.GetUtcNow());
        var result = await work(scope, cancellationToken).ConfigureAwait(false);
        await scope.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _database.DeferredIndexes.RecordAsync(connection, transaction, scope.WrittenReferralKeys, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// One change decided inside its transaction: <paramref name="decide"/> sees the ledger as of this transaction
    /// (null: nothing to write); the event key is checked first and a change applied before is not decided again.
    /// The stream moves to <paramref name="checkpoint"/> whether or not the change had effects: it was handled.
    /// Returns false when the event key was already applied.
    /// </summary>
    public Task<bool> ApplyAsync(
        string eventKey, Func<ILedgerReader, CancellationToken, Task<AppliedChange?>> decide, StreamPosition? checkpoint, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventKey);
        ArgumentNullException.ThrowIfNull(decide);
        return InTransactionAsync(async (tx, ct) =>
        {
            var fresh = !await tx.IsAppliedAsync(eventKey, ct).ConfigureAwait(false);
            if (fresh && await decide(tx, ct).ConfigureAwait(false) is { } change)
            {
                fresh = await tx.WriteAsync(change, ct).ConfigureAwait(false);
            }

            if (checkpoint is not null)
            {
                await tx.SaveCheckpointAsync(checkpoint, ct).ConfigureAwait(false);
            }

            return fresh;
        }, cancellationToken);
    }

    // Row values per PostgreSQL command (see SendAllButLastAsync).
    private const int MaxValuesPerRoundTrip = 20_000;

    private sealed class TransactionScope(LedgerStore store, DbConnection connection, DbTransaction transaction, SqliteSession? session, DateTimeOffset now) : ILedgerTransaction
    {
        private readonly List<AppliedChange> _queued = [];
        private readonly Dictionary<string, StreamPosition> _positions = new(StringComparer.Ordinal);

        // Kept only while the referral indexes are deferred (DeferredIndexes records these rows' rowids).
        private readonly HashSet<string>? _writtenReferralKeys = store._database.DeferredIndexes.Recording is null ? null : new(StringComparer.Ordinal);

        /// <summary>The referrals this transaction wrote, while the referral indexes are deferred; empty otherwise.</summary>
        public IReadOnlyCollection<string> WrittenReferralKeys => (IReadOnlyCollection<string>?)_writtenReferralKeys ?? [];

        public ISqlDialect Dialect => store._database.Dialect;

        public DateTimeOffset Now => now;

        public async Task<bool> IsAppliedAsync(string eventKey, CancellationToken cancellationToken) =>
            (await QueryAsync<long>("SELECT COUNT(*) FROM applied_events WHERE event_key = @EventKey", new { EventKey = eventKey }, cancellationToken)
                .ConfigureAwait(false))[0] > 0;

        public Task<IReadOnlyList<TRow>> QueryAsync<TRow>(string sql, object? parameters, CancellationToken cancellationToken) =>
            ReadAsync<IReadOnlyList<TRow>>(sql, parameters, async grid => [.. await grid.ReadAsync<TRow>().ConfigureAwait(false)], cancellationToken);

        public async Task<T> ReadAsync<T>(string sql, object? parameters, Func<ILedgerResults, Task<T>> read, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(read);
            var command = Command();
            command.Append(sql, parameters);
            var (text, bound, flags) = await SendAllButLastAsync(command, cancellationToken).ConfigureAwait(false);
            if (session is not null && DirectParameters.TryBind(parameters, out var bind))
            {
                var cached = session.Command(text, (SqliteTransaction)transaction);
                bind(cached);
                await using var reader = await cached.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await read(new ReaderResults(reader)).ConfigureAwait(false);
            }

            await using var grid = await connection.QueryMultipleAsync(
                new CommandDefinition(text, bound, transaction, flags: flags, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return await read(new GridResults(grid)).ConfigureAwait(false);
        }

        public void Enqueue(AppliedChange change)
        {
            ArgumentNullException.ThrowIfNull(change);
            ArgumentException.ThrowIfNullOrWhiteSpace(change.EventKey);
            foreach (var entry in change.RewardEntries)
            {
                EnsureStorable(entry.Amount, entry.IdempotencyKey);
            }

            _queued.Add(change);
            NoteReferrals(change);
        }

        private void NoteReferrals(AppliedChange change)
        {
            if (_writtenReferralKeys is not null)
            {
                for (var i = 0; i < change.Referrals.Count; i++)
                {
                    var referral = change.Referrals[i];
                    _writtenReferralKeys.Add(referral.ReferralKey);
                }
            }
        }

        public async Task<bool> WriteAsync(AppliedChange change, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(change);
            ArgumentException.ThrowIfNullOrWhiteSpace(change.EventKey);
            foreach (var entry in change.RewardEntries)
            {
                EnsureStorable(entry.Amount, entry.IdempotencyKey);
            }

            await FlushAsync(cancellationToken).ConfigureAwait(false);
            NoteReferrals(change);
            return await store.ApplyInTransactionAsync(connection, transaction, change, now, cancellationToken).ConfigureAwait(false);
        }

        public async Task<int> ExecuteAsync(string sql, object? parameters, CancellationToken cancellationToken)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            return await connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        public Task SaveCheckpointAsync(StreamPosition position, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(position);
            _positions[position.Stream] = position;
            return FlushAsync(cancellationToken);
        }

        /// <summary>Sends what is queued; nothing when nothing is.</summary>
        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            var command = Command();
            if (!command.IsEmpty)
            {
                var (text, bound, flags) = await SendAllButLastAsync(command, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(text, bound, flags, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>The queued writes, then forgotten: the caller sends them now.</summary>
        private WriteCommand Command()
        {
            // SQLite runs each statement as its own command: numbered from 0 in each, a statement's text is the same
            // every time it writes as many rows, so its kept command is found again.
            var command = new WriteCommand(namesPerStatement: Dialect.Provider == LedgerProvider.Sqlite);
            store.Render(_queued, _positions.Values, now, command);
            _queued.Clear();
            _positions.Clear();
            return command;
        }

        /// <summary>
        /// Where each command is a round trip (PostgreSQL), returns everything as one command to send; otherwise
        /// (SQLite, in-process) sends all statements but the last one by one and returns that last one.
        /// </summary>
        private async Task<(string Sql, SqlMapper.IDynamicParameters Parameters, CommandFlags Flags)> SendAllButLastAsync(
            WriteCommand command, CancellationToken cancellationToken)
        {
            // Rendered rows make a new text each time: Dapper's statement cache would only fill up with them. A read
            // alone keeps its cache entry (the parsing of its rows).
            const CommandFlags rows = CommandFlags.Buffered | CommandFlags.NoCache;
            if (Dialect.Provider == LedgerProvider.PostgreSql)
            {
                // One round trip: each table's rows are one statement of column arrays (a parameter per column, see
                // ColumnArrays), so even a backfill batch's writes stay far below the split, which only statements
                // rendered row by row would reach. Npgsql prepares each statement of the command on its own.
                var commands = command.Combined(MaxValuesPerRoundTrip);
                foreach (var (sql, parameters) in commands.Take(commands.Count - 1))
                {
                    await ExecuteAsync(sql, parameters, rows, cancellationToken).ConfigureAwait(false);
                }

                return (commands[^1].Sql, commands[^1].Parameters, command.Rendered ? rows : CommandFlags.Buffered);
            }

            var statements = command.Separate().ToList();
            foreach (var (sql, parameters) in statements[..^1])
            {
                await ExecuteAsync(sql, parameters, rows, cancellationToken).ConfigureAwait(false);
            }

            var flags = command.EndsWithRead ? CommandFlags.Buffered : rows;
            return (statements[^1].Sql, statements[^1].Parameters, flags);
        }

        /// <summary>A statement of rows (its parameters bound directly): through the session's kept command when there is one.</summary>
        private async Task ExecuteAsync(string sql, SqlMapper.IDynamicParameters parameters, CommandFlags flags, CancellationToken cancellationToken)
        {
            if (session is not null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (WriteCommand.RowValues(parameters) is { } values && session.TryExecuteRows(sql, values))
                {
                    return;
                }

                var cached = session.Command(sql, (SqliteTransaction)transaction, keepParameters: true);
                if (!WriteCommand.TryRebind(parameters, cached))
                {
                    cached.Parameters.Clear();
                    parameters.AddParameters(cached, null!);
                }

                await cached.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            await connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, flags: flags, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>Records that a reward entry was paid. The unique entry id in <c>reward_payouts</c> makes a second payout impossible.</summary>
    public async Task<PayoutOutcome> RecordPayoutAsync(string rewardIdempotencyKey, string payoutReference, DateTimeOffset paidAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rewardIdempotencyKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(payoutReference);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The entry's referral is locked first, as the apply path locks the referrals it changes: a reversal being
        // applied makes the payout wait and then see its cancellation; a payout first makes the reversal wait and then
        // see the payout (and claw back). Read committed would otherwise let each miss the other.
        await ExecuteAsync(connection, transaction, $"""
            SELECT referral_key FROM referrals
            WHERE referral_key = (SELECT referral_key FROM reward_entries WHERE idempotency_key = @Key){_database.Dialect.ForUpdate}
            """, new { Key = rewardIdempotencyKey }, cancellationToken).ConfigureAwait(false);

        // Only a payable entry (Earned, Matured) that nothing has voided can be paid: a payout racing a reversal must
        // not pay what the advocate no longer earns. The unique constraint on reward_entry_id stops paying twice.
        var inserted = await ExecuteAsync(connection, transaction, """
            INSERT INTO reward_payouts (reward_entry_id, paid_at, payout_reference, recorded_at)
            SELECT e.id, @PaidAt, @PayoutReference, @RecordedAt FROM reward_entries e
            WHERE e.idempotency_key = @Key AND e.kind IN ('Earned', 'Matured')
              AND NOT EXISTS (SELECT 1 FROM reward_entries v WHERE v.related_key = e.idempotency_key AND v.kind IN ('Cancelled', 'Clawback'))
            ON CONFLICT (reward_entry_id) DO NOTHING
            """, new { Key = rewardIdempotencyKey, PaidAt = paidAt, PayoutReference = payoutReference, RecordedAt = _time.GetUtcNow() },
            cancellationToken).ConfigureAwait(false);
        var outcome = inserted == 1 ? PayoutOutcome.Recorded : await connection.QuerySingleOrDefaultAsync<(long Entries, long Payouts)>(new CommandDefinition("""
                SELECT COUNT(*), (SELECT COUNT(*) FROM reward_payouts p JOIN reward_entries x ON x.id = p.reward_entry_id WHERE x.idempotency_key = @Key)
                FROM reward_entries WHERE idempotency_key = @Key
                """, new { Key = rewardIdempotencyKey }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false) switch
            {
                (0, _) => PayoutOutcome.NoSuchEntry,
                (_, > 0) => PayoutOutcome.AlreadyPaid,
                _ => PayoutOutcome.NotPayable,
            };
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    public async Task<bool> IsAppliedAsync(string eventKey, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM applied_events WHERE event_key = @EventKey", new { EventKey = eventKey },
            cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    public async Task<AdvocateRow?> GetAdvocateAsync(string advocateId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<AdvocateRow>(new CommandDefinition("""
            SELECT advocate_id, contact_id, account_id, owner_id, name, status, referral_code, enrolled_on, updated_at
            FROM advocates WHERE advocate_id = @AdvocateId
            """, new { AdvocateId = advocateId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public Task<ReferralRow?> GetReferralAsync(string referralKey, CancellationToken cancellationToken) =>
        QueryReferralAsync("referral_key = @Value", referralKey, cancellationToken);

    public Task<ReferralRow?> FindReferralByLeadAsync(string leadId, CancellationToken cancellationToken) =>
        QueryReferralAsync("lead_id = @Value", leadId, cancellationToken);

    public Task<ReferralRow?> FindReferralByOpportunityAsync(string opportunityId, CancellationToken cancellationToken) =>
        QueryReferralAsync("opportunity_id = @Value", opportunityId, cancellationToken);

    /// <summary>A referral's transitions in the order they were recorded.</summary>
    public async Task<IReadOnlyList<RecordedStateChange>> GetHistoryAsync(string referralKey, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<RecordedStateChange>(new CommandDefinition("""
            SELECT id, referral_key, from_state, to_state, occurred_at, event_key, reason, rule_id, mapping_version, recorded_at
            FROM referral_state_changes WHERE referral_key = @ReferralKey ORDER BY id
            """, new { ReferralKey = referralKey }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    public async Task<IReadOnlyList<RecordedAudit>> GetAuditTrailAsync(string subject, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<RecordedAudit>(new CommandDefinition("""
            SELECT id, decision_kind, subject, reason, rule_id, mapping_version, event_key, at
            FROM audit_entries WHERE subject = @Subject ORDER BY id
            """, new { Subject = subject }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows];
    }

    private async Task<ReferralRow?> QueryReferralAsync(string condition, string value, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<ReferralRow>(new CommandDefinition($"""
            SELECT referral_key, referral_id, advocate_id, state, method, lead_id, opportunity_id, logged_by_id,
                   referee_name, referee_email, referee_company, referee_phone, submitted_at, updated_at
            FROM referrals WHERE {condition}
            """, new { Value = value }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Amounts PostgreSQL would round or reject must not reach it, and SQLite must not store what PostgreSQL could not.</summary>
    private static void EnsureStorable(decimal amount, string idempotencyKey)
    {
        if (decimal.Round(amount, 4) != amount || Math.Abs(amount) >= MaxAmount)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount,
                $"Reward entry {idempotencyKey}: amounts are stored as NUMERIC(18,4) (at most 4 decimal places, 14 integer digits); round in the domain first.");
        }
    }

    /// <summary>Adds the event key and the ledger's clock to rows that carry neither.</summary>
    private static IEnumerable<DynamicParameters> Stamped<T>(IReadOnlyList<T> rows, string eventKey, DateTimeOffset now)
        where T : class
    {
        foreach (var row in rows)
        {
            var parameters = new DynamicParameters(row);
            parameters.Add("EventKey", eventKey);
            parameters.Add("RecordedAt", now);
            yield return parameters;
        }
    }

    private static async Task ExecuteManyAsync(DbConnection connection, DbTransaction transaction, string sql, IEnumerable<object> rows, CancellationToken cancellationToken)
    {
        foreach (var row in rows)
        {
            await ExecuteAsync(connection, transaction, sql, row, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, object parameters, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken));
}
