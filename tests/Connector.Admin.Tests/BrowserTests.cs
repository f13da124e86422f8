using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Connector.Ledger.Ledger;
using Connector.Ledger.Programs;
using Connector.SalesforceEmulator.Seeding;
using Microsoft.Playwright;

namespace Connector.Admin.Tests;

/// <summary>
/// End to end in a real browser: Debian's headless Chromium driven by Playwright through sign-in (the emulator's OAuth
/// login page), mapping a status, preview, save, rollback and a troubleshooting lookup, with screenshots in
/// artifacts/screenshots/. Chromium must be installed (scripts/test.sh installs it): these tests fail, never skip, without it.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class BrowserTests(ConsoleHost host) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Screenshots = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (apt-get install -y chromium); scripts/test.sh does this.");
        Directory.CreateDirectory(Screenshots);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Connector.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Connector.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A lead in the org (status Working - Contacted) and its referral in the ledger.</summary>
    private async Task<(string Email, string ReferralKey)> SeedReferralAsync()
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        var email = $"referee.{unique}@example.com";
        using var org = new HttpClient { BaseAddress = host.Emulator.BaseUrl };
        using var token = await org.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = "emulator-client", ["client_secret"] = "emulator-secret",
            ["username"] = "integration@emulator.local", ["password"] = "emulator-password",
        }));
        org.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString());
        using var created = await org.PostAsJsonAsync("/services/data/v62.0/sobjects/Lead",
            new { LastName = $"Referee {unique}", Company = "Acme", Email = email, Status = "Working - Contacted" });
        created.EnsureSuccessStatusCode();
        var leadId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var now = DateTimeOffset.UtcNow;
        var advocateId = "a0B" + unique.ToUpperInvariant() + "0000001";
        var key = "ref-" + unique;
        await host.Get<LedgerStore>().ApplyAsync(new AppliedChange
        {
            EventKey = "seed:" + unique,
            Advocates = [new AdvocateRow { AdvocateId = advocateId, Name = "Grace Advocate", Status = "Active", ReferralCode = "GRACE" + unique[..4].ToUpperInvariant(), UpdatedAt = now }],
            Referrals = [new ReferralRow
            {
                ReferralKey = key, AdvocateId = advocateId, State = "Working", Method = "Email", LeadId = leadId, RefereeName = $"Referee {unique}",
                RefereeEmail = email, RefereeEmailKey = email.ToUpperInvariant(), SubmittedAt = now.AddMinutes(-5), UpdatedAt = now,
            }],
            StateChanges = [new ReferralStateChangeRow
            {
                ReferralKey = key, ToState = "Working", OccurredAt = now.AddMinutes(-5), Reason = "R-REGISTER: Lead Status 'Working - Contacted' → Working", RuleId = "R-REGISTER", MappingVersion = "configured",
            }],
        }, CancellationToken.None);
        return (email, key);
    }

    private async Task ShotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    [Fact]
    public async Task Console_SignInMapPreviewSaveRollbackTroubleshoot_InChromium()
    {
        var (email, referralKey) = await SeedReferralAsync();
        var programs = host.Get<ProgramVersionStore>();
        var baseline = await programs.SaveAsync(ProgramDocument.From(ConsoleHost.StartingProgram()), "test", "baseline", CancellationToken.None);
        await using var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseUrl.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);

        // Sign in with Salesforce: the console sends the browser to the org's login page and back.
        await page.GotoAsync("/admin");
        await page.ClickAsync("#signin-salesforce");
        await page.FillAsync("#username", OrgBootstrap.AdminUsername);
        await page.FillAsync("#password", "emulator-password");
        await page.ClickAsync("#Login");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/admin");
        Assert.Contains("(admin)", await page.InnerTextAsync("#who"), StringComparison.Ordinal);
        await ShotAsync(page, "01-connection");

        // Map a lead status to another state.
        await page.GotoAsync("/admin/stages");
        await page.SelectOptionAsync("#status-working---contacted", "Qualified");
        await ShotAsync(page, "02-stage-mapping");
        await page.ClickAsync("#save-stages");
        await page.WaitForSelectorAsync("#draft-banner");

        // Preview: the seeded referral would move from Working to Qualified.
        await page.GotoAsync("/admin/preview");
        var summary = await page.InnerTextAsync("#preview-summary");
        var row = await page.InnerTextAsync($"#preview tr:has(a:text('{referralKey}'))");
        Assert.Matches(@"^[1-9]\d* of \d+ recent referrals would change", summary);
        Assert.Contains("Qualified", row, StringComparison.Ordinal);
        await ShotAsync(page, "03-preview");

        // Save.
        await page.FillAsync("#f-comment", "Working leads count as qualified");
        await page.ClickAsync("#save-version");
        var saved = await page.InnerTextAsync("p.notice");
        Assert.Matches(@"Saved as version \d+", saved);
        Assert.Equal(Referrals.ReferralState.Qualified,
            (await programs.CurrentAsync("referrals", CancellationToken.None))!.Document.LeadStatuses["Working - Contacted"]);
        await ShotAsync(page, "04-saved");

        // Roll back to the baseline.
        await page.ClickAsync($"#rollback-{baseline.Version}");
        Assert.Contains($"restores version {baseline.Version}", await page.InnerTextAsync("p.notice"), StringComparison.Ordinal);
        Assert.Equal(Referrals.ReferralState.Working,
            (await programs.CurrentAsync("referrals", CancellationToken.None))!.Document.LeadStatuses["Working - Contacted"]);
        await ShotAsync(page, "05-rollback");

        // Troubleshooting: find the referral by the referee's email and open its timeline.
        await page.GotoAsync("/admin/troubleshoot");
        await page.FillAsync("#f-q", email);
        await page.ClickAsync("#search");
        await page.ClickAsync($"#results a:text('{referralKey}')");
        Assert.Equal("Working", await page.InnerTextAsync("#state"));
        Assert.Contains("R-REGISTER", await page.InnerTextAsync("#state-changes"), StringComparison.Ordinal);
        await ShotAsync(page, "06-troubleshooting");

        await page.GotoAsync("/admin/dashboard");
        Assert.True(await page.Locator("svg").CountAsync() >= 4);
        await ShotAsync(page, "07-dashboard");
    }
}
