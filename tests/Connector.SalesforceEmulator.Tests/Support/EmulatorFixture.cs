using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Connector.SalesforceEmulator.Hosting;

namespace Connector.SalesforceEmulator.Tests.Support;

/// <summary>
/// A running emulator on a loopback port, plus an HttpClient already holding an access token for the
/// integration user. Tests that change org-wide state (faults, limits, clock) start their own with
/// <see cref="StartAsync"/> instead of sharing this one.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public EmulatorServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string AccessToken { get; private set; } = string.Empty;
    public const string V = "/services/data/v62.0";

    public async Task InitializeAsync()
    {
        Server = await EmulatorServer.StartAsync();
        (Http, AccessToken) = await LoginAsync(Server);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    public static async Task<(EmulatorServer Server, HttpClient Http)> StartAsync(
        IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var server = await EmulatorServer.StartAsync(settings, services);
        var (http, _) = await LoginAsync(server);
        return (server, http);
    }

    /// <summary>Password-grant login with the default development credentials.</summary>
    public static async Task<(HttpClient Http, string Token)> LoginAsync(EmulatorServer server)
    {
        var http = new HttpClient { BaseAddress = server.BaseUrl };
        var options = server.Get<Microsoft.Extensions.Options.IOptions<EmulatorOptions>>().Value;
        using var response = await http.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = options.ClientId, ["client_secret"] = options.ClientSecret,
            ["username"] = options.Username, ["password"] = options.Password,
        }));
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (http, token);
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "emulator";
}
