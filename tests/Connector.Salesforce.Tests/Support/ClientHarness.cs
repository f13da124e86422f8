using System.Collections.Concurrent;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Connector.Salesforce.Tests.Support;

/// <summary>
/// An emulated org on a loopback port plus a Salesforce client wired to it exactly as the connector wires it
/// (AddSalesforceClient, JWT bearer with the emulator's development key). Logs of both go to <see cref="CapturedLogs"/>.
/// </summary>
public sealed class ClientHarness : IAsyncDisposable
{
    public const string DevKeyFileName = "jwt-signing-key.DEVELOPMENT-ONLY.pem";

    private ClientHarness(EmulatorServer emulator, ServiceProvider services)
    {
        Emulator = emulator;
        Services = services;
    }

    public EmulatorServer Emulator { get; }
    public ServiceProvider Services { get; }

    public static string DevKeyPath => Path.Combine(AppContext.BaseDirectory, "Dev", DevKeyFileName);

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <param name="emulatorSettings">Emulator configuration ("Emulator:…").</param>
    /// <param name="clientSettings">Overrides of the client configuration ("Salesforce:…").</param>
    /// <param name="configure">Extra service registrations (a fake TimeProvider, test doubles).</param>
    public static async Task<ClientHarness> StartAsync(
        IDictionary<string, string?>? emulatorSettings = null,
        IDictionary<string, string?>? clientSettings = null,
        Action<IServiceCollection>? configure = null,
        Action<IServiceCollection>? configureEmulator = null)
    {
        var emulator = await EmulatorServer.StartAsync(emulatorSettings, s =>
        {
            s.AddSingleton<ILoggerProvider, CapturedLogs>();
            configureEmulator?.Invoke(s);
        });
        var settings = new Dictionary<string, string?>
        {
            ["Salesforce:LoginUrl"] = emulator.BaseUrl.ToString(),
            ["Salesforce:ClientId"] = "emulator-client",
            ["Salesforce:Username"] = "integration@emulator.local",
            ["Salesforce:PrivateKeyFile"] = DevKeyPath,
            ["Salesforce:ApiVersion"] = "62.0",
        };
        foreach (var (key, value) in clientSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturedLogs()));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSalesforceClient(configuration);
        configure?.Invoke(services);
        return new ClientHarness(emulator, services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
    }

    /// <summary>Every token the emulators of disposed harnesses issued in this run (for the secret scan).</summary>
    public static ConcurrentQueue<string> IssuedTokens { get; } = new();

    public async ValueTask DisposeAsync()
    {
        foreach (var token in Emulator.Get<Connector.SalesforceEmulator.Auth.TokenStore>().IssuedTokens)
        {
            IssuedTokens.Enqueue(token);
        }

        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
