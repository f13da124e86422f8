using System.Net;
using Connector.Ledger;
using Dapper;

namespace Connector.Admin.Tests;

/// <summary>
/// Two console replicas behind a load balancer: the Data Protection key ring is kept in the ledger, so a sign-in cookie
/// one replica issued is accepted by the other; a replica on another ledger (another key ring) does not accept it.
/// </summary>
public sealed class SharedKeyRingTests : IAsyncLifetime
{
    private readonly string _sharedLedger = Path.Combine(Path.GetTempPath(), $"admin-shared-{Guid.NewGuid():N}.db");
    private ConsoleHost _first = null!;
    private ConsoleHost _second = null!;
    private ConsoleHost _elsewhere = null!;

    public async Task InitializeAsync()
    {
        _first = new ConsoleHost(_sharedLedger, ownsLedger: false);
        _second = new ConsoleHost(_sharedLedger, ownsLedger: false);
        _elsewhere = new ConsoleHost();
        await _first.InitializeAsync();
        await _second.InitializeAsync();
        await _elsewhere.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _elsewhere.DisposeAsync();
        ConsoleHost.DeleteLedger(_sharedLedger);
    }

    [Fact]
    public async Task SignInCookie_IssuedByOneReplica_AcceptedByAnotherOnTheSameLedger()
    {
        var cookies = new CookieContainer();
        using var first = _first.Client(cookies);
        var token = await ConsoleAuthTests.AntiforgeryTokenAsync(first, "/admin/signin");
        using var signIn = await first.PostAsync("/admin/signin/local", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["username"] = ConsoleHost.LocalAdmin,
            ["password"] = ConsoleHost.LocalPassword,
            ["returnUrl"] = "/admin",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/admin", signIn.Headers.Location!.OriginalString);

        // Cookies are not port-specific: the same container sends the first replica's cookies to the others.
        using var second = _second.Client(cookies);
        using var elsewhere = _elsewhere.Client(cookies);
        using var onFirst = await first.GetAsync("/admin/stages");
        using var onSecond = await second.GetAsync("/admin/stages");
        using var onElsewhere = await elsewhere.GetAsync("/admin/stages");

        Assert.Equal(HttpStatusCode.OK, onFirst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, onSecond.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, onElsewhere.StatusCode);
        Assert.StartsWith("/admin/signin", onElsewhere.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        await using var connection = await _first.Get<LedgerDatabase>().OpenAsync(CancellationToken.None);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM data_protection_keys"));
    }
}
