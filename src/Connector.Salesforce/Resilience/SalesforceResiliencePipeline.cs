using System.Net.Http.Json;
using Connector.Salesforce.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Connector.Salesforce.Resilience;

/// <summary>
/// The org's one pipeline (a singleton, so the circuit breaker sees every call): retry with jittered
/// exponential backoff → circuit breaker → per-attempt timeout. What is retried is decided by
/// <see cref="OutcomeClassifier"/>; the breaker counts only server and transport failures.
/// </summary>
public sealed class SalesforceResiliencePipeline
{
    internal static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("sf.request");

    private readonly ILogger _logger;
    private readonly CircuitBreakerStateProvider _circuit = new();

    public SalesforceResiliencePipeline(
        IOptions<SalesforceResilienceOptions> options, IOptions<SalesforceOptions> client, TimeProvider time, ILogger<SalesforceResiliencePipeline> logger)
    {
        _logger = logger;
        Options = options.Value;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time, Name = "Salesforce" };
        if (Options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = Options.BaseDelay,
                MaxDelay = Options.MaxDelay,
                ShouldHandle = args => ShouldRetryAsync(args.Outcome, args.Context),
                OnRetry = OnRetryAsync,
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = Options.CircuitFailureRatio,
            MinimumThroughput = Options.CircuitMinimumThroughput,
            SamplingDuration = Options.CircuitSamplingDuration,
            BreakDuration = Options.CircuitBreakDuration,
            StateProvider = _circuit,
            ShouldHandle = args => IsFailureAsync(args.Outcome, args.Context),
            OnOpened = async args =>
            {
                Log.CircuitOpened(_logger, args.BreakDuration.TotalSeconds, await DescribeAsync(args.Outcome, args.Context).ConfigureAwait(false), RequestOf(args.Context));
            },
            OnHalfOpened = args =>
            {
                Log.CircuitHalfOpened(_logger, RequestOf(args.Context));
                return default;
            },
            OnClosed = args =>
            {
                Log.CircuitClosed(_logger, RequestOf(args.Context));
                return default;
            },
        });

        builder.AddTimeout(new TimeoutStrategyOptions
        {
            Timeout = client.Value.RequestTimeout,
            OnTimeout = args =>
            {
                Log.AttemptTimedOut(_logger, RequestOf(args.Context), (long)args.Timeout.TotalMilliseconds);
                return default;
            },
        });

        Pipeline = builder.Build();
    }

    public SalesforceResilienceOptions Options { get; }

    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    /// <summary>Closed, Open, HalfOpen or Isolated (for health checks and tests).</summary>
    public CircuitState CircuitState => _circuit.CircuitState;

    /// <summary>Whether the bytes of the request can go out again: a stream body can be read only once.</summary>
    internal static bool CanResend(HttpRequestMessage request) =>
        request.Content is null or ByteArrayContent or JsonContent;

    private async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        var request = context.Properties.GetValue(RequestKey, null!);
        var idempotent = SalesforceRequest.IsIdempotent(request);
        var action = await ClassifyAsync(outcome, idempotent, context).ConfigureAwait(false);
        if (action != OutcomeAction.Retry)
        {
            if (!idempotent && action == OutcomeAction.Fail && await ClassifyAsync(outcome, idempotent: true, context).ConfigureAwait(false) == OutcomeAction.Retry)
            {
                Log.NotRetriedNotIdempotent(_logger, SalesforceRequest.Describe(request), await DescribeAsync(outcome, context).ConfigureAwait(false));
            }

            return false;
        }

        if (!CanResend(request))
        {
            Log.NotRetriedNotReplayable(_logger, SalesforceRequest.Describe(request), await DescribeAsync(outcome, context).ConfigureAwait(false));
            return false;
        }

        return true;
    }

    private static async ValueTask<OutcomeAction> ClassifyAsync(Outcome<HttpResponseMessage> outcome, bool idempotent, ResilienceContext context)
    {
        if (outcome.Exception is { } e)
        {
            return OutcomeClassifier.Classify(e, idempotent, context.CancellationToken.IsCancellationRequested);
        }

        var response = outcome.Result!;
        var code = await ErrorBody.ReadErrorCodeAsync(response, context.CancellationToken).ConfigureAwait(false);
        return OutcomeClassifier.Classify(response.StatusCode, code, idempotent);
    }

    private static async ValueTask<bool> IsFailureAsync(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        if (outcome.Exception is { } e)
        {
            return !context.CancellationToken.IsCancellationRequested && OutcomeClassifier.IsTransportFailure(e);
        }

        var response = outcome.Result!;
        if ((int)response.StatusCode < 500 && response.StatusCode != System.Net.HttpStatusCode.BadRequest)
        {
            return false;
        }

        var code = await ErrorBody.ReadErrorCodeAsync(response, context.CancellationToken).ConfigureAwait(false);
        return OutcomeClassifier.IsServerFailure(response.StatusCode, code);
    }

    private async ValueTask OnRetryAsync(OnRetryArguments<HttpResponseMessage> args)
    {
        Log.Retrying(
            _logger, RequestOf(args.Context), await DescribeAsync(args.Outcome, args.Context).ConfigureAwait(false),
            args.AttemptNumber + 2, Options.MaxAttempts, (long)args.RetryDelay.TotalMilliseconds);
    }

    /// <summary>"503 SERVER_UNAVAILABLE" or the exception's type: never bodies or query strings.</summary>
    private static async ValueTask<string> DescribeAsync(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        if (outcome.Exception is { } e)
        {
            return e.GetType().Name;
        }

        var response = outcome.Result!;
        var code = await ErrorBody.ReadErrorCodeAsync(response, context.CancellationToken).ConfigureAwait(false);
        return code is null ? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{(int)response.StatusCode} {code}";
    }

    private static string RequestOf(ResilienceContext context) =>
        context.Properties.TryGetValue(RequestKey, out var request) ? SalesforceRequest.Describe(request) : "request";
}
