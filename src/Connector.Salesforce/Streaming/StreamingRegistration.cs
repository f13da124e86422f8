using Connector.Salesforce.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Connector.Salesforce.Streaming;

public static class StreamingRegistration
{
    /// <summary>
    /// The Streaming API client: <see cref="StreamingClientFactory"/>, options (section "Salesforce:Streaming"),
    /// an in-memory <see cref="IReplayCheckpointStore"/> unless a durable one is registered, and the named
    /// HttpClient for long polls (auth, per-session cookies; deliberately without the resilience handler, whose
    /// retries and per-call timeout would cut held polls).
    /// </summary>
    public static IServiceCollection AddSalesforceStreaming(this IServiceCollection services)
    {
        services.AddOptions<StreamingClientOptions>()
            .BindConfiguration(StreamingClientOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IReplayCheckpointStore, InMemoryReplayCheckpointStore>();
        services.TryAddSingleton<StreamingClientFactory>();
        services.AddHttpClient(StreamingClientFactory.HttpClientName)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            })
            .AddHttpMessageHandler<AuthHandler>()
            .AddHttpMessageHandler(() => new BayeuxCookieHandler());
        return services;
    }
}
