using Connector.Salesforce.Auth;
using Connector.Salesforce.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Salesforce.Streaming;

/// <summary>Creates streaming clients; each is one Bayeux session (one cookie jar) carrying any number of channels.</summary>
public sealed class StreamingClientFactory
{
    /// <summary>The named HttpClient: auth handler and cookie handler, no resilience handler and no client-wide timeout.</summary>
    public const string HttpClientName = "Connector.Salesforce.Streaming";

    private readonly IHttpClientFactory _http;
    private readonly TokenCache _tokens;
    private readonly IReplayCheckpointStore _checkpoints;
    private readonly SalesforceOptions _salesforce;
    private readonly StreamingClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;

    public StreamingClientFactory(IHttpClientFactory http, TokenCache tokens, IReplayCheckpointStore checkpoints,
        IOptions<SalesforceOptions> salesforce, IOptions<StreamingClientOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        _http = http;
        _tokens = tokens;
        _checkpoints = checkpoints;
        _salesforce = salesforce.Value;
        _options = options.Value;
        _time = time;
        _loggers = loggers;
    }

    /// <param name="checkpoints">Overrides the registered <see cref="IReplayCheckpointStore"/> for this client.</param>
    public StreamingClient Create(IReplayCheckpointStore? checkpoints = null)
    {
        var path = (_options.EndpointPath ?? $"cometd/{_salesforce.ApiVersion}").TrimStart('/');
        var endpoint = new Uri(SalesforceHttp.InstancePlaceholder, path);
        var transport = new BayeuxTransport(_http.CreateClient(HttpClientName), endpoint, _tokens, _time);
        return new StreamingClient(transport, checkpoints ?? _checkpoints, _tokens, _options, _time, _loggers.CreateLogger<StreamingClient>());
    }
}
