using Connector.SalesforceEmulator.Data;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Connector.SalesforceEmulator.Hosting;

/// <summary>
/// The emulator hosted in-process on a real loopback port (tests, demo, benchmarks). Dispose to stop it.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmulatorServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }
    public IServiceProvider Services => _app.Services;
    public OrgStore Store => Services.GetRequiredService<OrgStore>();

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Starts on http://127.0.0.1:0 unless the settings say otherwise (keys as in appsettings, e.g. "Emulator:TokenLifetime").</summary>
    public static async Task<EmulatorServer> StartAsync(
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default)
    {
        var app = EmulatorApp.Build(["--urls", "http://127.0.0.1:0"], settings, configureServices);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EmulatorServer(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
