using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.Ledger.Outbox;
using Connector.Salesforce;
using Connector.Salesforce.Http;
using Connector.Salesforce.Query;
using Connector.Salesforce.Writes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Outbox;

/// <summary>
/// Sends the ledger's outbox to Salesforce in micro-batches: a batch goes out when <see cref="OutboxOptions.BatchSize"/>
/// messages are ready or the oldest has waited <see cref="OutboxOptions.Linger"/>, whichever comes first. Owner changes
/// are sObject Collections updates with Sforce-Auto-Assign: FALSE, verified by re-reading the owners (one query per
/// batch); profile upserts go by External_Key__c. Per record: success marks the message dispatched, a failure costs it
/// an attempt (retried with backoff, left for an operator after <see cref="OutboxOptions.MaxAttempts"/>). A transient
/// failure of a whole call pauses the dispatcher without charging anyone. Every write is idempotent, so sending a
/// message twice (a crash before it was marked) is harmless. One pass at a time: not for concurrent callers.
/// </summary>
public sealed class OutboxDispatcher : IDisposable
{
    private static readonly WriteOptions OwnerWrite = new() { AutoAssign = false, Priority = CallPriority.Normal };
    private static readonly WriteOptions ProfileWrite = new() { Priority = CallPriority.Background };

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
        Log.Started(_logger, _options.BatchSize, (long)_options.Linger.TotalMilliseconds, _options.MaxAttempts);
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan next;
            try
            {
                var pass = await DispatchOnceAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
                // A full batch means more may be waiting: go again at once.
                next = pass.Sent >= _options.BatchSize && !pass.Deferred ? TimeSpan.Zero : pass.NextCheck;
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
        var ready = pending.Where(m => DueAt(m) <= now).Take(_options.BatchSize).ToList();
        if (ready.Count == 0)
        {
            var nextDue = pending.Count == 0 ? now + _options.PollInterval : pending.Min(DueAt);
            return OutboxPass.Waiting(0, Cap(nextDue - now));
        }

        var flushAt = ready.Min(m => m.CreatedAt) + _options.Linger;
        if (ready.Count < _options.BatchSize && flushAt > now)
        {
            return OutboxPass.Waiting(ready.Count, Cap(flushAt - now));
        }

        var state = new PassState();
        var deferred = false;
        try
        {
            foreach (var group in Prepare(ready, state))
            {
                await WriteAsync(group.Kind, group.SObject, group.Items, state, cancellationToken).ConfigureAwait(false);
            }

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
            Log.Deferred(_logger, code, (long)delay.TotalMilliseconds, ready.Count - state.Dispatched.Count - state.Failures.Count);
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
        Log.BatchDispatched(_logger, ready.Count, state.Dispatched.Count, state.Failures.Count, state.Overridden, state.Calls);
        var nextCheck = deferred ? _pausedUntil - _time.GetUtcNow() : TimeSpan.Zero;
        return new OutboxPass(sent, state.Dispatched.Count, state.Failures.Count, state.Overridden, state.Calls, 0, deferred, nextCheck);
    }

    private DateTimeOffset DueAt(OutboxMessage message) =>
        message.Attempts == 0 || message.LastAttemptAt is not { } last ? DateTimeOffset.MinValue : last + _options.RetryDelay(message.Attempts);

    private TimeSpan Cap(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > _options.PollInterval ? _options.PollInterval : wait;

    /// <summary>
    /// Groups the batch into one call per kind and object. A later message for the same record supersedes an earlier
    /// one (Salesforce refuses the same id twice in one call anyway); the one sent carries the others' outcome.
    /// </summary>
    private static List<Group> Prepare(List<OutboxMessage> ready, PassState state)
    {
        var groups = new Dictionary<(string Kind, string SObject), Dictionary<string, Item>>();
        foreach (var message in ready)
        {
            var (record, error) = OutboxPayloads.ToRecord(message);
            if (record is null)
            {
                state.Failures.Add((message, error!));
                continue;
            }

            var key = (message.Kind, message.TargetSObject);
            if (!groups.TryGetValue(key, out var byTarget))
            {
                groups[key] = byTarget = new Dictionary<string, Item>(StringComparer.Ordinal);
            }

            var target = message.Kind is OutboxKinds.OwnerChange or OutboxKinds.ProfileUpdate ? OutboxPayloads.IdKey(message.TargetId) : message.TargetId;
            byTarget[target] = byTarget.TryGetValue(target, out var earlier)
                ? new Item(message, record, [.. earlier.Messages, message])
                : new Item(message, record, [message]);
        }

        return [.. groups.Select(g => new Group(g.Key.Kind, g.Key.SObject, [.. g.Value.Values]))];
    }

    private async Task WriteAsync(string kind, string sObject, List<Item> items, PassState state, CancellationToken cancellationToken)
    {
        IReadOnlyList<RecordResult> results;
        try
        {
            var records = items.Select(i => i.Record).ToList();
            results = kind switch
            {
                OutboxKinds.OwnerChange => await _writes.UpdateAsync(sObject, records, OwnerWrite, cancellationToken).ConfigureAwait(false),
                OutboxKinds.ProfileUpdate => await _writes.UpdateAsync(sObject, records, ProfileWrite, cancellationToken).ConfigureAwait(false),
                _ => await _writes.UpsertAsync(sObject, OutboxPayloads.ExternalIdField, records, ProfileWrite, cancellationToken).ConfigureAwait(false),
            };
            state.Calls++;
        }
        catch (SalesforceApiException e) when (!OutboxFailures.IsTransient(e))
        {
            state.Calls++;
            // The call was refused as a whole (a field the org lacks, a malformed id): halve it until the messages
            // at fault are alone, so they do not take the innocent ones down with them.
            if (items.Count == 1)
            {
                state.Fail(items[0], OutboxFailures.Describe(e));
                return;
            }

            var half = items.Count / 2;
            await WriteAsync(kind, sObject, items[..half], state, cancellationToken).ConfigureAwait(false);
            await WriteAsync(kind, sObject, items[half..], state, cancellationToken).ConfigureAwait(false);
            return;
        }

        var written = new List<Item>(items.Count);
        foreach (var result in results)
        {
            var item = items[result.Index];
            if (result.Success)
            {
                written.Add(item);
            }
            else
            {
                state.Fail(item, OutboxFailures.Describe(result.Errors));
            }
        }

        if (kind == OutboxKinds.OwnerChange && _options.VerifyOwners && written.Count > 0)
        {
            await VerifyOwnersAsync(sObject, written, state, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            state.Succeed(written);
        }
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
                owners[OutboxPayloads.IdKey(row.GetProperty("Id").GetString()!)] = owner;
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
            if (!owners.TryGetValue(OutboxPayloads.IdKey(item.Message.TargetId), out var actual))
            {
                state.Fail(item, $"{OutboxFailures.NotFoundOnVerify}: {sObject} {item.Message.TargetId} was not found when its owner was read back");
            }
            else if (actual is null || !string.Equals(OutboxPayloads.IdKey(actual), OutboxPayloads.IdKey(expected), StringComparison.Ordinal))
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
