using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Rest;

namespace Connector.SalesforceEmulator.Faults;

/// <summary>Decides, per request, whether to misbehave, and keeps count of what it injected.</summary>
public sealed class FaultInjector
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private FaultSettings _settings;
    private Random _random;
    private long _injected503;
    private long _injected500;
    private long _injectedLock;
    private long _injectedTimeouts;
    private long _droppedConnections;
    private long _heldByLatency;

    public FaultInjector(FaultSettings settings, TimeProvider time)
    {
        settings.Validate();
        _settings = settings;
        _random = new Random(settings.Seed);
        _time = time;
    }

    public FaultSettings Settings
    {
        get
        {
            lock (_lock)
            {
                return _settings;
            }
        }
    }

    /// <summary>Replaces the settings and reseeds the generator, so the same settings give the same faults.</summary>
    public void Configure(FaultSettings settings)
    {
        settings.Validate();
        lock (_lock)
        {
            _settings = settings;
            _random = new Random(settings.Seed);
        }
    }

    public IReadOnlyDictionary<string, long> Counters => new Dictionary<string, long>
    {
        ["http503"] = Interlocked.Read(ref _injected503),
        ["http500"] = Interlocked.Read(ref _injected500),
        ["unableToLockRow"] = Interlocked.Read(ref _injectedLock),
        ["timeouts"] = Interlocked.Read(ref _injectedTimeouts),
        ["droppedStreamingConnections"] = Interlocked.Read(ref _droppedConnections),
    };

    /// <summary>REST calls held by the injected latency right now (arrived, not yet handled): a call is then in flight.</summary>
    public long HeldByLatency => Interlocked.Read(ref _heldByLatency);

    /// <summary>Applies latency and maybe an error to a REST call; null means "carry on normally".</summary>
    public async Task<IResult?> InjectRestFaultAsync(HttpContext http, string endpointKey, CancellationToken cancellationToken)
    {
        FaultSettings s;
        double roll;
        int jitter;
        lock (_lock)
        {
            s = _settings;
            if (s.EndpointFilter is { } filter && !endpointKey.Contains(filter, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            roll = _random.NextDouble();
            jitter = s.JitterMs > 0 ? _random.Next(s.JitterMs + 1) : 0;
        }

        var delay = s.LatencyMs + jitter;
        if (delay > 0)
        {
            Interlocked.Increment(ref _heldByLatency);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delay), _time, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _heldByLatency);
            }
        }

        if (roll < s.TimeoutRate)
        {
            Interlocked.Increment(ref _injectedTimeouts);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(s.TimeoutHoldMs), _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The client gave up first, which is the point.
            }

            http.Abort();
            return Results.Empty;
        }

        roll -= s.TimeoutRate;
        if (roll < s.Http503Rate)
        {
            Interlocked.Increment(ref _injected503);
            return RestErrors.From(new SalesforceException(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable, please retry."));
        }

        roll -= s.Http503Rate;
        if (roll < s.Http500Rate)
        {
            Interlocked.Increment(ref _injected500);
            return RestErrors.From(new SalesforceException(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)"));
        }

        roll -= s.Http500Rate;
        if (roll < s.UnableToLockRowRate)
        {
            Interlocked.Increment(ref _injectedLock);
            return RestErrors.From(new SalesforceException(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records: 00Q5g00000EMULATED", []));
        }

        return null;
    }

    /// <summary>Streaming asks this before answering a long poll: true means cut the connection instead.</summary>
    public bool ShouldDropStreamingConnection()
    {
        lock (_lock)
        {
            if (_settings.DropStreamingConnectionRate > 0 && _random.NextDouble() < _settings.DropStreamingConnectionRate)
            {
                Interlocked.Increment(ref _droppedConnections);
                return true;
            }

            return false;
        }
    }

    public TimeSpan EventDeliveryDelay => TimeSpan.FromMilliseconds(Settings.EventDeliveryDelayMs);
}
