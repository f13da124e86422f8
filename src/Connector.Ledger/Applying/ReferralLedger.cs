using System.Collections.Immutable;
using System.Data.Common;
using System.Text.Json;
using System.Text.RegularExpressions;
using Connector.Ledger.Checkpoints;
using Connector.Ledger.Ledger;
using Connector.Ledger.Outbox;
using Connector.Ledger.Programs;
using Connector.Ledger.Quarantine;
using Connector.Ledger.Rewards;
using Connector.Referrals;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;

namespace Connector.Ledger.Applying;

/// <summary>A change as delivered, with the stream position it moves the stream to once handled.</summary>
public sealed record IncomingChange(SalesforceChange Change, StreamPosition? Checkpoint);

/// <summary>
/// The apply path: one Salesforce change, delivered at least once, has its effects exactly once. In ONE transaction:
/// skip a change whose event key was applied; load the rows the processor asks for; decide (processor, then the
/// reward engine for each evaluation it requests); write the new values, history, rewards, audit, outbox and
/// quarantine rows, the event key when the change had an effect, and the stream's new position. A crash anywhere
/// leaves all of it — checkpoint included — as before the change, so redelivery from the checkpoint completes it.
/// <para>Ignored changes write nothing (a redelivered stream changes no row); quarantined ones write their
/// quarantine row once and stay unapplied, to be re-applied with <see cref="ReapplyQuarantinedAsync"/>.</para>
/// </summary>
public sealed partial class ReferralLedger
{
    private readonly LedgerStore _store;
    private readonly ILedgerProgramSource _programs;

    public ReferralLedger(LedgerStore store, LedgerProgram program)
        : this(store, new FixedLedgerProgramSource(program))
    {
    }

    /// <summary>A ledger applying whatever program <paramref name="programs"/> has current (admins save new versions).</summary>
    public ReferralLedger(LedgerStore store, ILedgerProgramSource programs)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(programs);
        _store = store;
        _programs = programs;
    }

    public LedgerProgram Program => _programs.Current;

    // Read per use: a version published while a change is decided affects at most that change's later reads.
    private LedgerProgram _program => _programs.Current;

    /// <summary>Test seam: runs after a change is decided and before its rows are written (a throw simulates a crash).</summary>
    internal Action<SalesforceChange>? BeforeWrite { get; set; }

    public async Task<ApplyOutcome> ApplyAsync(SalesforceChange change, StreamPosition? checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return (await ApplyInOneTransactionAsync([new IncomingChange(change, checkpoint)], cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// Consecutive changes in one transaction (one commit): each still decided on the ledger as the ones before it in
    /// the batch left it, each guarded by its own event key. All or nothing: a failure rolls back the whole batch and
    /// every stream stays where it was.
    /// </summary>
    public Task<IReadOnlyList<ApplyOutcome>> ApplyBatchAsync(IReadOnlyList<IncomingChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return ApplyInOneTransactionAsync(changes, cancellationToken);
    }

    /// <summary>
    /// Runs a quarantined change through the same path again (after the mapping is fixed, the advocate arrived…). The
    /// quarantine entry is resolved unless the change is quarantined again; no stream moves. Null when there is no
    /// open entry with that id.
    /// </summary>
    public Task<ApplyOutcome?> ReapplyQuarantinedAsync(long quarantineId, CancellationToken cancellationToken) =>
        RetryingAsync(() => _store.InTransactionAsync<ApplyOutcome?>(async (tx, ct) =>
        {
            var entries = await tx.QueryAsync<QuarantineEntry>("""
                SELECT id, source_event_key, entity, record_id, reason_code, reason, payload, received_at, resolved_at, reapplied_event_key
                FROM quarantine WHERE id = @Id AND resolved_at IS NULL
                """, new { Id = quarantineId }, ct).ConfigureAwait(false);
            if (entries is not [var entry])
            {
                return null;
            }

            var change = ChangeJson.Deserialize(entry.Payload);
            var view = await WorkingView.LoadAsync(tx, [change], ct, _store.EmailCandidates).ConfigureAwait(false);
            return await ApplyInTransactionAsync(tx, view, change, null, entry.Id, ct).ConfigureAwait(false);
        }, cancellationToken));

    /// <summary>
    /// The changes in one transaction: the rows they look up read once (<see cref="WorkingView"/>), their writes sent
    /// together with the stream positions, then one commit — a few round trips per batch instead of a dozen per change.
    /// </summary>
    private Task<IReadOnlyList<ApplyOutcome>> ApplyInOneTransactionAsync(IReadOnlyList<IncomingChange> changes, CancellationToken cancellationToken) =>
        RetryingAsync(() => _store.InTransactionAsync<IReadOnlyList<ApplyOutcome>>(async (tx, ct) =>
        {
            var view = await WorkingView.LoadAsync(tx, [.. changes.Select(c => c.Change)], ct, _store.EmailCandidates).ConfigureAwait(false);
            var outcomes = new List<ApplyOutcome>(changes.Count);
            var positions = new Dictionary<string, StreamPosition>(StringComparer.Ordinal);
            foreach (var incoming in changes)
            {
                outcomes.Add(await ApplyInTransactionAsync(tx, view, incoming.Change, incoming.Checkpoint, null, ct).ConfigureAwait(false));
                if (incoming.Checkpoint is { } position)
                {
                    positions[position.Stream] = position;
                }
            }

            // Only each stream's last position matters, and it commits with the effects or not at all.
            foreach (var position in positions.Values)
            {
                await tx.SaveCheckpointAsync(position, ct).ConfigureAwait(false);
            }

            return outcomes;
        }, cancellationToken));

    /// <summary>
    /// Runs <paramref name="apply"/> again once when it failed on a unique key: another instance recorded one of the
    /// event keys after this transaction checked them. The retry sees the key applied and reports a duplicate; a
    /// unique violation with another cause fails the same way again and propagates. Likewise once after a deadlock
    /// (two batches locking the same referrals in another order): the engine ended this one, the other went on.
    /// </summary>
    private async Task<T> RetryingAsync<T>(Func<Task<T>> apply)
    {
        try
        {
            return await apply().ConfigureAwait(false);
        }
        catch (DbException exception) when (_store.IsUniqueViolation(exception) || _store.IsDeadlock(exception))
        {
            return await apply().ConfigureAwait(false);
        }
    }

    /// <summary>The users who can own leads, as the worker reads them from Salesforce (routing needs active/inactive).</summary>
    public Task SaveSalesRepsAsync(IEnumerable<SalesRep> reps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reps);
        var rows = reps.ToList();
        return _store.InTransactionAsync(async (tx, ct) =>
        {
            var sql = tx.Dialect.Upsert("sales_reps", "user_id", "user_id, is_active, name, updated_at",
                "@UserId, @IsActive, @Name, @UpdatedAt", "is_active, name, updated_at");
            foreach (var rep in rows)
            {
                await tx.ExecuteAsync(sql, new { rep.UserId, rep.IsActive, rep.Name, UpdatedAt = tx.Now }, ct).ConfigureAwait(false);
            }

            return rows.Count;
        }, cancellationToken);
    }

    private async ValueTask<ApplyOutcome> ApplyInTransactionAsync(
        ILedgerTransaction tx, WorkingView working, SalesforceChange change, StreamPosition? checkpoint, long? reappliedQuarantineId, CancellationToken ct)
    {
        if (working.IsApplied(change.EventKey))
        {
            if (reappliedQuarantineId is { } done)
            {
                // Applied meanwhile (redelivered after the fix): nothing left to do for the quarantine entry.
                Write(tx, working, new AppliedChange { EventKey = change.EventKey, RecordsEventKey = false, ReappliedQuarantineIds = [done] });
            }

            return new ApplyOutcome(change.EventKey, ApplyStatus.Duplicate, []);
        }

        var view = await working.ViewForAsync(tx, working.LookupFor(change), ct).ConfigureAwait(false);
        var result = ReferralProcessor.Process(change, view, _program.Config);
        var effects = await EffectsAsync(tx, working, change, view, result, reappliedQuarantineId is null, ct).ConfigureAwait(false);
        var quarantined = result.Decisions.Any(d => d is Quarantined);
        var status = result.MarksEventApplied ? ApplyStatus.Applied : quarantined ? ApplyStatus.Quarantined : ApplyStatus.Ignored;

        BeforeWrite?.Invoke(change);
        var resolves = reappliedQuarantineId is { } id && !quarantined;
        if (result.MarksEventApplied || effects.Quarantine.Count > 0 || resolves)
        {
            Write(tx, working, new AppliedChange
            {
                EventKey = change.EventKey,
                RecordsEventKey = result.MarksEventApplied,
                Checkpoint = checkpoint,
                Advocates = result.Advocate is { } advocate ? [DomainRows.ToRow(advocate, tx.Now)] : [],
                Referrals = result.Referral is { } referral ? [DomainRows.ToRow(referral, tx.Now)] : [],
                StateChanges = effects.StateChanges,
                RewardEntries = effects.Rewards,
                Audit = result.MarksEventApplied ? effects.Audit : [.. effects.Audit.Where(a => a.DecisionKind == nameof(Quarantined))],
                Outbox = result.MarksEventApplied ? effects.Outbox : [],
                Quarantined = effects.Quarantine,
                ReappliedQuarantineIds = resolves ? [reappliedQuarantineId!.Value] : [],
            });
        }

        return new ApplyOutcome(change.EventKey, status, result.Decisions, effects.Rewards.Count);
    }

    /// <summary>Queues the change's rows (sent with the next read or the checkpoint) and lets the later changes of the transaction see them.</summary>
    private static void Write(ILedgerTransaction tx, WorkingView working, AppliedChange change)
    {
        if (change.Referrals.Count > 0 && working.UnchangedColumns(change.Referrals) is { Count: > 0 } unchanged)
        {
            change = change with { ReferralsUnchanged = unchanged };
        }

        tx.Enqueue(change);
        working.Record(change);
    }

    private sealed record Effects(
        List<ReferralStateChangeRow> StateChanges, List<RewardEntryRow> Rewards, List<AuditRow> Audit, List<OutboxMessageRow> Outbox, List<QuarantineRow> Quarantine);

    private async ValueTask<Effects> EffectsAsync(
        ILedgerTransaction tx, WorkingView working, SalesforceChange change, LedgerView view, ProcessingResult result, bool quarantineIfNew, CancellationToken ct)
    {
        var mappingVersion = _program.Config.Mapping.Version;
        var effects = new Effects([], [], [], [], []);
        if (result.Referral is { } referral)
        {
            var before = view.Referrals.FirstOrDefault(r => r.Id == referral.Id)?.History.Count ?? 0;
            effects.StateChanges.AddRange(referral.History.Skip(before).Select(h => DomainRows.ToRow(referral.Id, h)));
        }

        var emitted = new List<Referrals.Rewards.RewardEntry>();
        foreach (var decision in result.Decisions)
        {
            switch (decision)
            {
                case Ignored:
                    continue;
                case RewardEvaluationRequested request:
                    await EvaluateRewardsAsync(tx, request, result.Referral, emitted, effects, ct, working).ConfigureAwait(false);
                    break;
                case RoutingDecision { ChangesOwner: true } routing:
                    effects.Outbox.Add(new OutboxMessageRow
                    {
                        Kind = OutboxKinds.OwnerChange,
                        TargetSObject = "Lead",
                        TargetId = routing.LeadId,
                        Payload = JsonSerializer.Serialize(new Dictionary<string, string?> { ["OwnerId"] = routing.OwnerId }),
                        IdempotencyKey = $"owner:{routing.LeadId}:{routing.OwnerId}",
                    });
                    break;
                case AdvocateInvitationRequested invitation:
                    // One-click invitation: an Advocate__c upserted by external id, so a re-dispatch finds the same record.
                    effects.Outbox.Add(new OutboxMessageRow
                    {
                        Kind = OutboxKinds.ProfileUpsert,
                        TargetSObject = "Advocate__c",
                        TargetId = $"contact:{invitation.ContactId}",
                        Payload = JsonSerializer.Serialize(new Dictionary<string, string?>
                        {
                            ["External_Key__c"] = $"contact:{invitation.ContactId}",
                            ["Contact__c"] = invitation.ContactId,
                            ["Account__c"] = invitation.AccountId,
                            ["OwnerId"] = invitation.OwnerUserId,
                            ["Status__c"] = AdvocateStatus.Invited.ToPicklist(),
                            ["Referral_Code__c"] = ReferralCodes.For(invitation.ContactId),
                        }),
                        IdempotencyKey = $"invite:{invitation.ContactId}",
                    });
                    break;
                case AdvocateUpdated { Created: true, ContactLinked: false, Advocate.ContactId: { } contactId } created:
                    // The contact's advocate lookup, so reps see the profile from the contact (one-click invitation's last step).
                    effects.Outbox.Add(new OutboxMessageRow
                    {
                        Kind = OutboxKinds.ProfileUpdate,
                        TargetSObject = "Contact",
                        TargetId = contactId,
                        Payload = JsonSerializer.Serialize(new Dictionary<string, string?> { ["Advocate__c"] = created.Advocate.Id }),
                        IdempotencyKey = $"contact-advocate:{contactId}:{created.Advocate.Id}",
                    });
                    break;
                case Quarantined quarantine when quarantineIfNew:
                    if (!await working.HasOpenQuarantineAsync(tx, change.EventKey, ct).ConfigureAwait(false))
                    {
                        effects.Quarantine.Add(new QuarantineRow
                        {
                            Entity = change.Entity.ToString(),
                            RecordId = change.RecordId.Length <= 18 ? change.RecordId : null,
                            ReasonCode = quarantine.Code.ToString(),
                            Reason = DomainRows.Cut(quarantine.Reason),
                            Payload = ChangeJson.Serialize(change),
                        });
                    }

                    break;
            }

            effects.Audit.Add(new AuditRow
            {
                DecisionKind = decision.GetType().Name,
                Subject = DomainRows.Cut(SubjectOf(decision, change), 200),
                Reason = DomainRows.Cut(decision.Reason),
                RuleId = RuleIdOf(decision),
                MappingVersion = mappingVersion,
                At = tx.Now,
            });
        }

        return effects;
    }

    private async Task EvaluateRewardsAsync(
        ILedgerTransaction tx, RewardEvaluationRequested request, Referral? referral, List<Referrals.Rewards.RewardEntry> emitted, Effects effects, CancellationToken ct,
        WorkingView? working = null)
    {
        // The working view's reward state when it loaded it (a batch of opportunity changes); otherwise the tables, the
        // queued writes sent first.
        var (existing, paid, priorWins) = working?.RewardStateFor(request.ReferralId, request.AdvocateId)
            ?? await DomainRows.LoadRewardStateAsync(tx, request.ReferralId, request.AdvocateId, ct).ConfigureAwait(false);
        var facts = request.ToRewardFacts(priorWins, referral?.LeadId);
        var evaluation = RewardEngine.Evaluate(facts, _program.Rules, [.. existing, .. emitted], paid, DateOnly.FromDateTime(tx.Now.UtcDateTime), _program.Rates);
        emitted.AddRange(evaluation.NewEntries);
        effects.Rewards.AddRange(evaluation.NewEntries.Select(e => DomainRows.ToRow(e, request.AdvocateId)));
        effects.Audit.AddRange(evaluation.Issues.Select(issue => new AuditRow
        {
            DecisionKind = "RewardIssue",
            Subject = $"Referral:{request.ReferralId}",
            Reason = DomainRows.Cut($"{issue.Code}: {issue.Message}"),
            RuleId = _program.Rules.VersionId,
            MappingVersion = _program.Config.Mapping.Version,
            At = tx.Now,
        }));
    }

    private static string SubjectOf(ReferralDecision decision, SalesforceChange change) => decision switch
    {
        ReferralRegistered d => $"Referral:{d.ReferralId}",
        StateChanged d => $"Referral:{d.ReferralId}",
        OpportunityLinked d => $"Referral:{d.ReferralId}",
        DuplicateDetected d => $"Referral:{d.DuplicateReferralId ?? d.OriginalReferralId}",
        RoutingDecision d => $"Referral:{d.ReferralId}",
        RewardEvaluationRequested d => $"Referral:{d.ReferralId}",
        ResyncRequested d => $"{d.Entity}:{d.RecordId}",
        AdvocateUpdated d => $"Advocate:{d.Advocate.Id}",
        AdvocateInvitationRequested d => $"Contact:{d.ContactId}",
        _ => $"{change.Entity}:{change.RecordId}",
    };

    private string? RuleIdOf(ReferralDecision decision) => decision switch
    {
        StateChanged d => d.RuleId,
        RoutingDecision d => d.RuleId,
        RewardEvaluationRequested => _program.Rules.VersionId,
        Quarantined d => $"Q-{d.Code}",
        _ => RulePrefixOf(decision.Reason),
    };

    // The match without its colon (the pattern is anchored): no Match object for each of a backfill's decisions.
    private static string? RulePrefixOf(string reason)
    {
        foreach (var match in RulePrefix().EnumerateMatches(reason))
        {
            return reason[..(match.Length - 1)];
        }

        return null;
    }

    [GeneratedRegex(@"^([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+):")]
    private static partial Regex RulePrefix();
}
