using System.Runtime.ExceptionServices;
using Connector.Salesforce.Http;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Connector.Salesforce.Resilience;

/// <summary>
/// Runs each call through the org's <see cref="SalesforceResiliencePipeline"/>. Sits outside the auth handler,
/// so every attempt is signed with the current session; a replay resends the same request message (JSON and
/// byte bodies are produced again on each send).
/// </summary>
public sealed class ResilienceHandler : DelegatingHandler
{
    private readonly SalesforceResiliencePipeline _pipeline;

    public ResilienceHandler(SalesforceResiliencePipeline pipeline) => _pipeline = pipeline;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(SalesforceResiliencePipeline.RequestKey, request);
        try
        {
            var outcome = await _pipeline.Pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    try
                    {
                        return Outcome.FromResult(await state.Handler.SendAttemptAsync(state.Request, ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception e)
                    {
                        return Outcome.FromException<HttpResponseMessage>(e);
                    }
                },
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);

            if (outcome.Exception is { } exception)
            {
                throw Translate(exception, request);
            }

            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendAttemptAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    /// <summary>Polly's exceptions stay inside the library: callers see Salesforce-named or BCL types.</summary>
    private static Exception Translate(Exception exception, HttpRequestMessage request)
    {
        switch (exception)
        {
            case BrokenCircuitException broken:
                return new SalesforceUnavailableException(SalesforceRequest.Describe(request), broken.RetryAfter, broken);
            case TimeoutRejectedException timeout:
                return new TimeoutException($"{SalesforceRequest.Describe(request)} timed out after {timeout.Timeout.TotalSeconds:0.###} s (per attempt).", timeout);
            default:
                ExceptionDispatchInfo.Capture(exception).Throw();
                return exception;
        }
    }
}
