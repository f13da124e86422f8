using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Connector.Ledger.Programs;
using Connector.SalesforceEmulator.Seeding;

namespace Connector.Admin.Tests;

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleHost>
{
    public const string Name = "console";
}

/// <summary>Who may do what: no unauthenticated write, no write without the antiforgery token, no write by a non-admin.</summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class ConsoleAuthTests(ConsoleHost host)
{
    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <summary>Signs in through the emulator's OAuth login page as <paramref name="username"/>, as a browser would.</summary>
    internal static async Task<HttpClient> SignInWithSalesforceAsync(ConsoleHost host, string username)
    {
        var cookies = new CookieContainer();
        var console = host.Client(cookies);
        using var start = await console.GetAsync("/admin/signin/salesforce");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        using var org = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var loginPage = await org.GetStringAsync(start.Headers.Location);
        var fields = HiddenInput().Matches(loginPage).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["username"] = username;
        fields["password"] = "emulator-password";
        using var login = await org.PostAsync(new Uri(host.Emulator.BaseUrl, "/services/oauth2/authorize"), new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        using var callback = await console.GetAsync(login.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/admin", callback.Headers.Location!.OriginalString);
        return console;
    }

    internal static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        return WebUtility.HtmlDecode(TokenInput().Match(html).Groups[1].Value);
    }

    [Fact]
    public async Task Pages_Unauthenticated_RedirectToSignIn()
    {
        using var client = host.Client();

        using var response = await client.GetAsync("/admin/stages");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/admin/signin", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_Unauthenticated_RefusedAndNothingSaved()
    {
        using var client = host.Client();
        var before = (await host.Get<ProgramVersionStore>().ListAsync("referrals", CancellationToken.None)).Count;

        using var page = await client.PostAsync("/admin/rollback", new FormUrlEncodedContent(new Dictionary<string, string> { ["version"] = "1" }));
        using var api = await client.PutAsync("/admin/api/mapping", new StringContent("{}", Encoding.UTF8, "application/json"));
        client.DefaultRequestHeaders.Authorization = Basic(ConsoleHost.LocalAdmin, "wrong password");
        using var wrongPassword = await client.PutAsync("/admin/api/mapping", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.StatusCode);
        Assert.Equal(before, (await host.Get<ProgramVersionStore>().ListAsync("referrals", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Forms_WithoutAntiforgeryToken_Refused()
    {
        using var admin = await SignInWithSalesforceAsync(host, OrgBootstrap.AdminUsername);

        using var forged = await admin.PostAsync("/admin/discard", new FormUrlEncodedContent(new Dictionary<string, string>()));
        var token = await AntiforgeryTokenAsync(admin, "/admin/preview");
        using var genuine = await admin.PostAsync("/admin/discard", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, genuine.StatusCode);
    }

    [Fact]
    public async Task SalesforceSignIn_UserWithoutAdminPermissionSet_MayLookButNotChange()
    {
        var rep = host.Emulator.Get<OrgBootstrap>().SalesRepIds[0];
        var username = host.Emulator.Store.Read(r => r.Find(rep)!.GetString("Username"))!;
        using var viewer = await SignInWithSalesforceAsync(host, username);

        var page = await viewer.GetStringAsync("/admin/preview");
        var token = await AntiforgeryTokenAsync(viewer, "/admin/preview");
        using var write = await viewer.PostAsync("/admin/rollback", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["version"] = "1",
        }));

        Assert.Contains("(read-only)", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, write.StatusCode);
        Assert.Equal("/admin/denied", write.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Api_LocalAdminWithBasic_ExportImportRoundTripsAndAudits()
    {
        using var client = host.Client();
        client.DefaultRequestHeaders.Authorization = Basic(ConsoleHost.LocalAdmin, ConsoleHost.LocalPassword);
        var exported = await client.GetStringAsync("/admin/api/mapping");
        var edited = ProgramJson.Deserialize(exported);
        edited = edited with { OpportunityStages = edited.OpportunityStages.SetItem("Negotiation/Review", Referrals.ReferralState.Opportunity) };

        using var import = await client.PutAsync("/admin/api/mapping?comment=api%20test", new StringContent(ProgramJson.Serialize(edited), Encoding.UTF8, "application/json"));
        var current = await client.GetStringAsync("/admin/api/mapping");
        var audit = await host.Get<AdminAuditStore>().ListAsync(20, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        Assert.Equal(Referrals.ReferralState.Opportunity, ProgramJson.Deserialize(current).OpportunityStages["Negotiation/Review"]);
        Assert.Contains(audit, a => a.Actor == "local:ops" && a.Action == "mapping.save" && a.Detail!.Contains("api test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Api_ImportInvalidMapping_RefusedNamingTheProblem()
    {
        using var client = host.Client();
        client.DefaultRequestHeaders.Authorization = Basic(ConsoleHost.LocalAdmin, ConsoleHost.LocalPassword);
        var document = ProgramJson.Deserialize(await client.GetStringAsync("/admin/api/mapping"));
        var invalid = document with { Rewards = document.Rewards with { Advocate = new Referrals.Rewards.FlatReward(new Referrals.Money(-5m, "USD")) } };

        using var response = await client.PutAsync("/admin/api/mapping", new StringContent(ProgramJson.Serialize(invalid), Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Advocate.Amount must be positive", body, StringComparison.Ordinal);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([a-z_]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenInput();
}
