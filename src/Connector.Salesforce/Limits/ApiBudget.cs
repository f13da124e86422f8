using System.Diagnostics.Metrics;
using System.Text.Json;
using Connector.Salesforce.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Salesforce.Limits;

/// <summary>
/// The org's daily API allocation as last seen (Sforce-Limit-Info on every answer, /limits at first use and
/// while calls wait), and the rule that keeps <see cref="SalesforceOptions.ReservePercent"/> of it for the
/// org's own users: a non-critical call is let through only if it cannot push the remaining allocation below
/// the reserve (background calls stop a few points earlier). Calls in flight count, so a burst cannot
/// overshoot between two answers.
/// </summary>
public sealed class ApiBudget
{
    public const string MeterName = "Connector.Salesforce";

    private readonly Lock _lock = new();
    private readonly SalesforceBudgetOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<CancellationToken, Task<JsonElement>> _readLimits;
    private readonly Counter<long> _gatedWaits;
    private int _used;
    private int _max = -1;
    private int _inFlight;
    private int _waiting;
    private TaskCompletionSource _changed = NewSignal();
    private Task? _refresh;
    private DateTimeOffset _nextRefresh = DateTimeOffset.MinValue;
    private TimeSpan _refreshInterval;

    public ApiBudget(
        IOptions<SalesforceOptions> client, IOptions<SalesforceBudgetOptions> options, TimeProvider time,
        IServiceProvider services, IMeterFactory meters, ILogger<ApiBudget> logger)
        : this(client.Value.ReservePercent, options.Value, time, ReadLimitsThrough(services), meters, logger)
    {
    }

    /// <param name="readLimits">GET /limits; it must not pass through the gate's waiting (the DI path sends it as Critical).</param>
    internal ApiBudget(
        int reservePercent, SalesforceBudgetOptions options, TimeProvider time,
        Func<CancellationToken, Task<JsonElement>> readLimits, IMeterFactory meters, ILogger logger)
    {
        ReservePercent = reservePercent;
        _options = options;
        _time = time;
        _readLimits = readLimits;
        _logger = logger;
        _refreshInterval = options.RecheckInterval;

        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("salesforce.api.used", () => Measure(b => b.Used), "{request}", "API requests used in the org's rolling 24 hours");
        meter.CreateObservableGauge("salesforce.api.remaining", () => Measure(b => b.Remaining), "{request}", "API requests left in the org's rolling 24 hours");
        meter.CreateObservableGauge("salesforce.api.max", () => Measure(b => b.Max), "{request}", "The org's daily API allocation");
        _gatedWaits = meter.CreateCounter<long>("salesforce.api.gated_waits", "{call}", "Calls held back because the API budget reached the reserve");
    }

    public int ReservePercent { get; }

    /// <summary>Calls currently held back by the reserve.</summary>
    public int WaitingCalls => Volatile.Read(ref _waiting);

    /// <summary>Whether the allocation is known yet (from a header or /limits).</summary>
    public bool IsKnown
    {
        get
        {
            lock (_lock)
            {
                return _max >= 0;
            }
        }
    }

    /// <summary>The last known (used, max), or null before the first answer.</summary>
    public (int Used, int Max)? Snapshot
    {
        get
        {
            lock (_lock)
            {
                return _max >= 0 ? (_used, _max) : null;
            }
        }
    }

    /// <summary>Records what /limits reported. Usage can exceed the maximum (Salesforce lets some calls overshoot).</summary>
    public void Observe(int used, int max) => Observe(used, max, fromAnswerHeader: false);

    /// <summary>
    /// Records the Sforce-Limit-Info of an answer. Answers to concurrent calls arrive out of order, so an older,
    /// lower count must not undo a newer one (that would let a burst overshoot the reserve): headers only raise
    /// the count. It comes down through /limits, read while calls wait.
    /// </summary>
    public void ObserveLimitInfo(int used, int max) => Observe(used, max, fromAnswerHeader: true);

    private void Observe(int used, int max, bool fromAnswerHeader)
    {
        lock (_lock)
        {
            used = Math.Max(0, used);
            max = Math.Max(0, max);
            _used = fromAnswerHeader && max == _max ? Math.Max(_used, used) : used;
            _max = max;
            if (AllowsLocked(CallPriority.Background))
            {
                _refreshInterval = _options.RecheckInterval;
            }
        }

        Pulse();
    }

    /// <summary>Salesforce refused a call with REQUEST_LIMIT_EXCEEDED: nothing non-critical goes out until it recovers.</summary>
    public void MarkExhausted()
    {
        lock (_lock)
        {
            _max = Math.Max(_max, 0);
            _used = Math.Max(_used, _max);

            // Asking /limits right away would only be refused too.
            _nextRefresh = _time.GetUtcNow() + _refreshInterval;
        }

        Pulse();
    }

    /// <summary>Reads /limits now (single-flight with any read already under way).</summary>
    public Task RefreshAsync(CancellationToken cancellationToken)
    {
        Task refresh;
        lock (_lock)
        {
            refresh = _refresh is { IsCompleted: false } running ? running : _refresh = RefreshCoreAsync();
        }

        return refresh.WaitAsync(cancellationToken);
    }

    /// <summary>Reads /limits once before the first non-critical call, unless a recent read failed.</summary>
    internal async Task EnsureKnownAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_max >= 0 || _time.GetUtcNow() < _nextRefresh)
            {
                return;
            }
        }

        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until a call of <paramref name="priority"/> fits above the reserve and reserves a slot for it;
    /// throws <see cref="ApiBudgetExhaustedException"/> after <see cref="SalesforceBudgetOptions.MaxWait"/>.
    /// </summary>
    internal async ValueTask<IDisposable> AcquireAsync(CallPriority priority, string request, CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        var waited = false;
        try
        {
            return await WaitForSlotAsync().ConfigureAwait(false);
        }
        finally
        {
            if (waited)
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        async ValueTask<IDisposable> WaitForSlotAsync()
        {
            while (true)
            {
                Task changed;
                int used, max;
                lock (_lock)
                {
                    if (AllowsLocked(priority))
                    {
                        _inFlight++;
                        if (waited)
                        {
                            Log.Recovered(_logger, _used, _max, request, (long)(_time.GetUtcNow() - started).TotalMilliseconds);
                        }

                        return new Slot(this);
                    }

                    changed = _changed.Task;
                    (used, max) = (_used, _max);
                }

                if (!waited)
                {
                    waited = true;
                    Interlocked.Increment(ref _waiting);
                    _gatedWaits.Add(1, new KeyValuePair<string, object?>("priority", priority.ToString()));
                    Log.Waiting(_logger, used, max, ReservePercent, priority.ToString(), request);
                }

                var now = _time.GetUtcNow();
                var left = started + _options.MaxWait - now;
                if (left <= TimeSpan.Zero)
                {
                    Log.WaitTimedOut(_logger, used, max, request, (long)(now - started).TotalMilliseconds);
                    throw new ApiBudgetExhaustedException(request, used, max, ReservePercent, rejectedBySalesforce: false);
                }

                TimeSpan untilRefresh;
                lock (_lock)
                {
                    untilRefresh = _nextRefresh - now;
                }

                if (untilRefresh <= TimeSpan.Zero)
                {
                    // Nothing else may be talking to Salesforce while everything waits: look at /limits ourselves.
                    await RefreshAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(left < untilRefresh ? left : untilRefresh, _time, wake.Token);
                await Task.WhenAny(changed, delay).ConfigureAwait(false);
                await wake.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    internal ApiBudgetExhaustedException RejectedBySalesforce(string request)
    {
        Log.LimitExceeded(_logger, request);
        lock (_lock)
        {
            return new ApiBudgetExhaustedException(request, _used, _max, ReservePercent, rejectedBySalesforce: true);
        }
    }

    /// <summary>DailyApiRequests {Max, Remaining} of a /limits answer.</summary>
    public static bool TryParseDailyApiRequests(JsonElement limits, out int max, out int remaining)
    {
        max = remaining = 0;
        return limits.ValueKind == JsonValueKind.Object
            && limits.TryGetProperty("DailyApiRequests", out var daily)
            && daily.ValueKind == JsonValueKind.Object
            && daily.TryGetProperty("Max", out var m) && m.TryGetInt32(out max)
            && daily.TryGetProperty("Remaining", out var r) && r.TryGetInt32(out remaining);
    }

    private static Func<CancellationToken, Task<JsonElement>> ReadLimitsThrough(IServiceProvider services) =>
        cancellationToken =>
        {
            // Resolved per call: SalesforceHttp's handler chain holds this budget, so it can't be a constructor dependency.
            var http = services.GetRequiredService<SalesforceHttp>();
            return http.GetJsonAsync(http.Api("limits"), CallPriority.Critical, cancellationToken);
        };

    private async Task RefreshCoreAsync()
    {
        try
        {
            // Not the caller's token: other callers share this read.
            var limits = await _readLimits(CancellationToken.None).ConfigureAwait(false);
            if (TryParseDailyApiRequests(limits, out var max, out var remaining))
            {
                Observe(max - remaining, max);
                Log.Refreshed(_logger, max - remaining, max);
            }
        }
        catch (ApiBudgetExhaustedException)
        {
            // Salesforce refused /limits itself: the budget is already marked exhausted.
        }
        catch (Exception e) when (e is SalesforceApiException or HttpRequestException or TimeoutException or IOException or OperationCanceledException or JsonException)
        {
            Log.RefreshFailed(_logger, e is SalesforceApiException s ? s.ErrorCode : e.GetType().Name, _refreshInterval.TotalSeconds);
        }
        finally
        {
            lock (_lock)
            {
                _nextRefresh = _time.GetUtcNow() + _refreshInterval;
                if (!AllowsLocked(CallPriority.Background))
                {
                    _refreshInterval = TimeSpan.FromTicks(Math.Min(_refreshInterval.Ticks * 2, _options.RecheckMaxInterval.Ticks));
                }
            }

            Pulse();
        }
    }

    private bool AllowsLocked(CallPriority priority)
    {
        if (priority == CallPriority.Critical || _max < 0)
        {
            return true;
        }

        var percent = Math.Min(99, ReservePercent + (priority == CallPriority.Background ? _options.BackgroundExtraReservePercent : 0));
        var reserve = (int)Math.Ceiling(_max * percent / 100.0);
        return (long)_used + _inFlight + 1 <= _max - reserve;
    }

    private void Release()
    {
        lock (_lock)
        {
            _inFlight--;
        }

        Pulse();
    }

    private void Pulse()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IEnumerable<Measurement<long>> Measure(Func<(int Used, int Remaining, int Max), int> pick)
    {
        lock (_lock)
        {
            return _max < 0 ? [] : [new Measurement<long>(pick((_used, Math.Max(0, _max - _used), _max)))];
        }
    }

    private sealed class Slot(ApiBudget budget) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Release();
            }
        }
    }
}
