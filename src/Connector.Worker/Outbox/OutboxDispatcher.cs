using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.Ledger.Outbox;
using Connector.Referrals;
using Connector.Salesforce;
using Connector.Salesforce.Http;
using Connector.Salesforce.Query;
using Connector.Salesforce.Writes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Outbox;

/// <summary>
/// Sends the ledger's outbox to Salesforce in micro-batches, each flush one Composite call (one API call) carrying up to
/// five sObject Collections subrequests of up to 200 records: owner changes (Sforce-Auto-Assign: FALSE in each of their
/// subrequests), profile updates and profile upserts by External_Key__c ride together, so up to 1,000 writes cost one
/// call. When to flush adapts to the traffic: at once when the batch is full; when the leads stop coming (no new
/// message for <see cref="OutboxOptions.QuietPeriod"/>), since waiting longer would gain nothing; and at the latest when
/// the oldest owner change has waited <see cref="OutboxOptions.Linger"/>. Profile writes are not urgent: they wait up to
/// <see cref="OutboxOptions.BackgroundLinger"/> and mostly ride along with owner changes. Owner changes are verified by
/// the change event their write causes (or, with <see cref="OutboxOptions.VerifyOwners"/>, by re-reading the owners in
/// one query per flush). Per record: success marks the message dispatched, a failure costs it an attempt (retried with
/// backoff, left for an operator after <see cref="OutboxOptions.MaxAttempts"/>). A subrequest refused as a whole is
/// halved and sent again in the same flush until the records at fault are alone, so they do not take innocent ones
/// down with them. A transient failure of a whole call pauses the dispatcher without charging anyone. Every write is
/// idempotent, so sending a message twice (a crash before it was marked) is harmless. One pass at a time: not for
/// concurrent callers.
/// </summary>
public sealed class OutboxDispatcher : IDisposable
{
    private readonly OutboxStore _store;
    private readonly SalesforceWrites _writes;
    private readonly SalesforceQueries _queries;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxDispatcher> _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _running;
    private int _transientFailures;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;

    public OutboxDispatcher(OutboxStore store, SalesforceWrites writes, SalesforceQueries queries, IOptions<OutboxOptions> options, TimeProvider time, ILogger<OutboxDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _writes = writes;
        _queries = queries;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Wakes a waiting <see cref="RunAsync"/> now (new messages were committed), instead of at its next poll.</summary>
    public void Notify()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another Notify got there first: one wake-up is enough.
            }
        }
    }

    /// <summary>Dispatches until cancelled; a pass that fails (the ledger unreachable) is logged and tried again later.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Log.Started(_logger, _options.BatchSize, (long)_options.Linger.TotalMilliseconds, (long)_options.QuietPeriod.TotalMilliseconds,
            (long)_options.BackgroundLinger.TotalMilliseconds, _options.MaxAttempts);
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan next;
            try
            {
                var pass = await DispatchOnceAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
                // After a flush more may be waiting (a full batch left some behind): look again at once.
                next = pass.Sent > 0 && !pass.Deferred ? TimeSpan.Zero : pass.NextCheck;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must outlive any one failed pass; the failure is logged with its exception.
            catch (Exception e)
#pragma warning restore CA1031
            {
                next = _options.TransientDelay(++failures);
                Log.PassFailed(_logger, e, (long)next.TotalMilliseconds);
            }

            await WaitAsync(next, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One pass: takes the ready messages (not waiting out a retry backoff), sends them if the batch is full or the
    /// oldest has lingered long enough, and records each message's outcome.
    /// </summary>
    public async Task<OutboxPass> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("The outbox dispatcher runs one pass at a time.");
        }

        try
        {
            return await PassAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task<OutboxPass> PassAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (now < _pausedUntil)
        {
            return OutboxPass.Waiting(0, _pausedUntil - now, deferred: true);
        }

        var pending = await _store.TakeBatchAsync(_options.BatchSize + _options.LookAhead, _options.MaxAttempts, cancellationToken).ConfigureAwait(false);
        var ready = pending.Where(m => DueAt(m) <= now).ToList();
        if (ready.Count == 0)
        {
            var nextDue = pending.Count == 0 ? now + _options.PollInterval : pending.Min(DueAt);
            return OutboxPass.Waiting(0, Cap(nextDue - now));
        }

        var state = new PassState();
        var (groups, taken, full) = Prepare(ready, state);
        if (!full && FlushAt(taken) is var flushAt && flushAt > now)
        {
            return OutboxPass.Waiting(taken.Count, Cap(flushAt - now));
        }

        var deferred = false;
        try
        {
            await WriteAsync(groups, state, cancellationToken).ConfigureAwait(false);
            _transientFailures = 0;
        }
        catch (Exception e) when (OutboxFailures.IsTransient(e) || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Budget waits, outages and timeouts are nobody's fault: what was confirmed is recorded below, the rest
            // stays as it was and the whole dispatcher steps back.
            deferred = true;
            var delay = _options.TransientDelay(++_transientFailures);
            // From now, not from the pass's start: a budget wait may have taken longer than the pause itself.
            _pausedUntil = _time.GetUtcNow() + delay;
            var code = e is SalesforceApiException api ? api.ErrorCode : e.GetType().Name;
            Log.Deferred(_logger, code, (long)delay.TotalMilliseconds, taken.Count - state.Dispatched.Count - state.Failures.Count);
        }

        await _store.MarkDispatchedAsync(state.Dispatched, cancellationToken).ConfigureAwait(false);
        foreach (var (message, error) in state.Failures)
        {
            await _store.MarkFailedAsync(message.Id, error, cancellationToken).ConfigureAwait(false);
            var attempt = message.Attempts + 1;
            if (attempt >= _options.MaxAttempts)
            {
                Log.MessageGaveUp(_logger, message.Id, message.Kind, message.TargetSObject, message.TargetId, attempt, OutboxFailures.CodeOf(error));
            }
            else
            {
                Log.MessageFailed(_logger, message.Id, message.Kind, message.TargetSObject, message.TargetId, attempt, _options.MaxAttempts, OutboxFailures.CodeOf(error));
            }
        }

        var sent = state.Dispatched.Count + state.Failures.Count;
        Log.BatchDispatched(_logger, taken.Count, state.Dispatched.Count, state.Failures.Count, state.Overridden, state.Calls);
        var nextCheck = deferred ? _pausedUntil - _time.GetUtcNow() : TimeSpan.Zero;
        return new OutboxPass(sent, state.Dispatched.Count, state.Failures.Count, state.Overridden, state.Calls, 0, deferred, nextCheck);
    }

    private DateTimeOffset DueAt(OutboxMessage message) =>
        message.Attempts == 0 || message.LastAttemptAt is not { } last ? DateTimeOffset.MinValue : last + _options.RetryDelay(message.Attempts);

    private TimeSpan Cap(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > _options.PollInterval ? _options.PollInterval : wait;

    /// <summary>
    /// When a batch that is not full goes out: when its oldest owner change has lingered, when its oldest background
    /// write has, or as soon as arrivals stop (nothing new for QuietPeriod: a burst is over or a trickle is passing,
    /// and waiting longer would only add latency). Messages back from a retry are as old as their first try: they go
    /// at once.
    /// </summary>
    private DateTimeOffset FlushAt(List<OutboxMessage> taken)
    {
        var flushAt = DateTimeOffset.MaxValue;
        var urgent = taken.Where(m => !IsBackground(m)).ToList();
        if (urgent.Count > 0)
        {
            flushAt = urgent.Min(m => m.CreatedAt) + _options.Linger;
            var quietAt = taken.Max(m => m.CreatedAt) + _options.QuietPeriod;
            flushAt = quietAt < flushAt ? quietAt : flushAt;
        }

        foreach (var m in taken.Where(IsBackground))
        {
            var at = m.CreatedAt + _options.BackgroundLinger;
            flushAt = at < flushAt ? at : flushAt;
        }

        return flushAt;
    }

    /// <summary>Profile writes: reps see them on the advocate's record, but nobody waits on them the way routing is waited on.</summary>
    private static bool IsBackground(OutboxMessage message) => message.Kind is not OutboxKinds.OwnerChange;

    /// <summary>
    /// Takes, oldest first, the messages one Composite call can carry (at most <see cref="OutboxOptions.BatchSize"/>
    /// messages in at most five collection subrequests) and groups them by kind and object. A later message for the same
    /// record supersedes an earlier one (Salesforce refuses the same id twice in one call anyway); the one sent carries
    /// the others' outcome. Messages whose payload cannot be sent are failed here. Full: something was left for the next
    /// flush, or the batch reached its size.
    /// </summary>
    private (List<Group> Groups, List<OutboxMessage> Taken, bool Full) Prepare(List<OutboxMessage> ready, PassState state)
    {
        var groups = new Dictionary<(string Kind, string SObject), Dictionary<string, Item>>();
        var taken = new List<OutboxMessage>();
        var subrequests = 0;
        var full = false;
        foreach (var message in ready)
        {
            if (taken.Count >= _options.BatchSize)
            {
                full = true;
                break;
            }

            var (record, error) = OutboxPayloads.ToRecord(message);
            if (record is null)
            {
                taken.Add(message);
                state.Failures.Add((message, error!));
                continue;
            }

            var key = (message.Kind, message.TargetSObject);
            var target = message.Kind is OutboxKinds.OwnerChange or OutboxKinds.ProfileUpdate ? RecordIds.Key(message.TargetId) : message.TargetId;
            groups.TryGetValue(key, out var byTarget);
            var newRecord = byTarget is null || !byTarget.ContainsKey(target);
            if (newRecord && (byTarget?.Count ?? 0) % SalesforceWrites.MaxBatch == 0)
            {
                // This record opens a new subrequest; the call has room for five.
                if (subrequests == SalesforceWrites.MaxCollectionSubrequests)
                {
                    full = true;
                    continue;
                }

                subrequests++;
            }

            if (byTarget is null)
            {
                groups[key] = byTarget = new Dictionary<string, Item>(StringComparer.Ordinal);
            }

            taken.Add(message);
            byTarget[target] = byTarget.TryGetValue(target, out var earlier)
                ? new Item(message, record, [.. earlier.Messages, message])
                : new Item(message, record, [message]);
        }

        return ([.. groups.Select(g => new Group(g.Key.Kind, g.Key.SObject, [.. g.Value.Values]))], taken, full);
    }

    /// <summary>
    /// Sends the groups in one Composite call and records each record's outcome. Records of a subrequest refused as a
    /// whole (a field the org lacks, a malformed value the org refuses for the entire request) are halved and sent again
    /// in a further call until the ones at fault are alone; so is a Composite call refused as a whole.
    /// </summary>
    private async Task WriteAsync(List<Group> groups, PassState state, CancellationToken cancellationToken)
    {
        while (groups.Count > 0)
        {
            var writes = groups.Select(Write).ToList();
            IReadOnlyList<IReadOnlyList<RecordResult>> results;
            try
            {
                var priority = groups.Any(g => g.Kind == OutboxKinds.OwnerChange) ? CallPriority.Normal : CallPriority.Background;
                results = await _writes.WriteCompositeAsync(writes, priority, cancellationToken).ConfigureAwait(false);
                state.Calls++;
            }
            catch (SalesforceApiException e) when (!OutboxFailures.IsTransient(e))
            {
                state.Calls++;
                // The call was refused as a whole (malformed, too large): halve it until the messages at fault are alone.
                groups = Halve(groups, OutboxFailures.Describe(e), state);
                continue;
            }

            var again = new List<Group>();
            var verify = new List<(string SObject, List<Item> Written)>();
            for (var g = 0; g < groups.Count; g++)
            {
                var group = groups[g];
                var written = new List<Item>(group.Items.Count);
                var refused = new List<Item>();
                var refusal = string.Empty;
                foreach (var result in results[g])
                {
                    var item = group.Items[result.Index];
                    if (result.Success)
                    {
                        written.Add(item);
                    }
                    else if (result.CallRefused)
                    {
                        refused.Add(item);
                        refusal = OutboxFailures.Describe(result.Errors);
                    }
                    else
                    {
                        state.Fail(item, OutboxFailures.Describe(result.Errors));
                    }
                }

                if (refused.Count > 0)
                {
                    again.AddRange(Halve([group with { Items = refused }], refusal, state));
                }

                if (group.Kind == OutboxKinds.OwnerChange && _options.VerifyOwners && written.Count > 0)
                {
                    verify.Add((group.SObject, written));
                }
                else
                {
                    state.Succeed(written);
                }
            }

            // 200 ids a query keep its URL well under Salesforce's 16 KB limit.
            foreach (var (sObject, written) in verify)
            {
                foreach (var chunk in written.Chunk(SalesforceWrites.MaxBatch))
                {
                    await VerifyOwnersAsync(sObject, [.. chunk], state, cancellationToken).ConfigureAwait(false);
                }
            }

            groups = again;
        }
    }

    private static CollectionWrite Write(Group group)
    {
        var records = group.Items.Select(i => i.Record).ToList();
        return group.Kind switch
        {
            // FALSE in each owner subrequest: otherwise the org's assignment rule would overwrite the owner chosen (§3.1).
            OutboxKinds.OwnerChange => CollectionWrite.Update(group.SObject, records, autoAssign: false),
            OutboxKinds.ProfileUpdate => CollectionWrite.Update(group.SObject, records),
            _ => CollectionWrite.Upsert(group.SObject, OutboxPayloads.ExternalIdField, records),
        };
    }

    /// <summary>Refused groups of one record fail with the refusal; larger ones come back as two halves to try again.</summary>
    private static List<Group> Halve(IEnumerable<Group> refused, string error, PassState state)
    {
        var halves = new List<Group>();
        foreach (var group in refused)
        {
            if (group.Items.Count == 1)
            {
                state.Fail(group.Items[0], error);
                continue;
            }

            var half = group.Items.Count / 2;
            halves.Add(group with { Items = group.Items[..half] });
            halves.Add(group with { Items = group.Items[half..] });
        }

        return halves;
    }

    /// <summary>
    /// Reads the owners back in one query: Sforce-Auto-Assign: FALSE keeps assignment rules out, but a flow, trigger
    /// or a proxy dropping the header can still move the lead, and routing must not silently lose to them.
    /// </summary>
    private async Task VerifyOwnersAsync(string sObject, List<Item> written, PassState state, CancellationToken cancellationToken)
    {
        var query = Soql.From(sObject).Select("Id", "OwnerId").Where(Soql.Field("Id").InIds(written.Select(i => i.Message.TargetId)));
        var owners = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            await foreach (var row in _queries.QueryAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var owner = row.TryGetProperty("OwnerId", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
                owners[RecordIds.Key(row.GetProperty("Id").GetString()!)] = owner;
            }

            state.Calls++;
        }
        catch (SalesforceApiException e) when (!OutboxFailures.IsTransient(e))
        {
            state.Calls++;
            foreach (var item in written)
            {
                state.Fail(item, "VERIFY_FAILED: " + OutboxFailures.Describe(e));
            }

            return;
        }

        var verified = new List<Item>(written.Count);
        foreach (var item in written)
        {
            var expected = OutboxPayloads.OwnerOf(item.Record);
            if (!owners.TryGetValue(RecordIds.Key(item.Message.TargetId), out var actual))
            {
                state.Fail(item, $"{OutboxFailures.NotFoundOnVerify}: {sObject} {item.Message.TargetId} was not found when its owner was read back");
            }
            else if (actual is null || !RecordIds.Same(actual, expected))
            {
                state.Overridden++;
                Log.OwnerOverridden(_logger, sObject, item.Message.TargetId, actual ?? "(none)", expected, item.Message.Id);
                state.Fail(item, $"{OutboxFailures.OwnerOverridden}: owner is {actual ?? "(none)"} after the write, expected {expected}");
            }
            else
            {
                verified.Add(item);
            }
        }

        state.Succeed(verified);
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(delay, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _wake.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The wait ran out (time to look again) or the host is stopping (the loop sees the token).
        }
    }

    public void Dispose() => _wake.Dispose();

    private sealed record Item(OutboxMessage Message, JsonObject Record, IReadOnlyList<OutboxMessage> Messages);

    private sealed record Group(string Kind, string SObject, List<Item> Items);

    private sealed class PassState
    {
        public List<long> Dispatched { get; } = [];
        public List<(OutboxMessage Message, string Error)> Failures { get; } = [];
        public int Overridden { get; set; }
        public int Calls { get; set; }

        public void Succeed(IEnumerable<Item> items) => Dispatched.AddRange(items.SelectMany(i => i.Messages).Select(m => m.Id));

        public void Fail(Item item, string error) => Failures.AddRange(item.Messages.Select(m => (m, error)));
    }
}
