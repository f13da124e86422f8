using System.Globalization;
using System.Security.Claims;
using Connector.Admin.Auth;
using Connector.Admin.Dashboard;
using Connector.Admin.Mapping;
using Connector.Admin.Preview;
using Connector.Admin.Status;
using Connector.Ledger.Applying;
using Connector.Ledger.Inspection;
using Connector.Ledger.Programs;
using Connector.Referrals;
using Connector.Referrals.Benchmarks;
using Connector.Referrals.Mapping;
using Connector.Referrals.Processing;
using Connector.Referrals.Rewards;
using Connector.Salesforce;
using Connector.Salesforce.Limits;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Connector.Admin.Pages.Html;

namespace Connector.Admin.Pages;

/// <summary>The console's pages. Reads need a signed-in user; every POST needs an admin and a valid antiforgery token.</summary>
internal static class AdminPages
{
    private static readonly string[] States = Enum.GetNames<ReferralState>();

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var open = endpoints.MapGroup("/admin").AllowAnonymous();
        open.MapGet("/signin", SignInPage);
        open.MapGet("/signin/salesforce", (HttpContext http, SalesforceSignIn signIn, string? returnUrl) => Results.Redirect(signIn.Begin(http, returnUrl)));
        open.MapGet(endpoints.ServiceProvider.GetRequiredService<IOptions<AdminOptions>>().Value.SignIn.CallbackPath["/admin".Length..], CallbackAsync);
        open.MapPost("/signin/local", LocalSignInAsync).AddEndpointFilter(Antiforgery);
        open.MapGet("/denied", (HttpContext http) => new Html(http)
            .Message("Only holders of the admin permission set (or local administrators) may change the configuration.", error: true)
            .Raw("<p><a href=\"/admin\">Back to the console</a></p>").Page("Not allowed", StatusCodes.Status403Forbidden));

        var read = endpoints.MapGroup("/admin").RequireAuthorization(AdminAuth.ViewerPolicy);
        read.MapGet("/", ConnectionAsync);
        read.MapGet("/fields", FieldsAsync);
        read.MapGet("/stages", StagesAsync);
        read.MapGet("/rules", RulesAsync);
        read.MapGet("/preview", PreviewAsync);
        read.MapGet("/troubleshoot", TroubleshootAsync);
        read.MapGet("/troubleshoot/{key}", TimelineAsync);
        read.MapGet("/dashboard", DashboardAsync);
        read.MapGet("/audit", AuditAsync);
        read.MapPost("/signout", async (HttpContext http) =>
        {
            await http.SignOutAsync(AdminAuth.CookieScheme);
            return Results.Redirect("/admin/signin");
        }).AddEndpointFilter(Antiforgery);

        var write = endpoints.MapGroup("/admin").RequireAuthorization(AdminAuth.AdminPolicy).AddEndpointFilter(Antiforgery);
        write.MapPost("/fields", SaveFieldsAsync);
        write.MapPost("/stages", SaveStagesAsync);
        write.MapPost("/rules", SaveRulesAsync);
        write.MapPost("/save", SaveVersionAsync);
        write.MapPost("/discard", (HttpContext http, ProgramService programs) =>
        {
            programs.Discard(http.User.Actor());
            return Results.Redirect("/admin/preview");
        });
        write.MapPost("/rollback", RollbackAsync);
        write.MapPost("/quarantine/{id:long}/reapply", ReapplyAsync);
    }

    private static async ValueTask<object?> Antiforgery(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        await AdminAuth.IsForgedAsync(context.HttpContext).ConfigureAwait(false)
            ? Results.Problem("The form's antiforgery token is missing or invalid: reload the page and try again.", statusCode: StatusCodes.Status400BadRequest)
            : await next(context).ConfigureAwait(false);

    // ---------- sign-in ----------

    private static IResult SignInPage(HttpContext http, IOptions<AdminOptions> options, string? returnUrl, string? error)
    {
        var page = new Html(http).Message(error, error: true);
        var back = SalesforceSignIn.SafeReturnUrl(returnUrl);
        page.Raw($"<p><a id=\"signin-salesforce\" href=\"/admin/signin/salesforce?returnUrl={Uri.EscapeDataString(back)}\">Sign in with Salesforce</a></p>\n");
        if (options.Value.LocalAdmins.Count > 0)
        {
            page.Raw("<h2>Local administrator</h2>").Form("/admin/signin/local", f => f
                .Raw($"<input type=\"hidden\" name=\"returnUrl\" value=\"{E(back)}\">")
                .Input("username", "Username", null, required: true).Input("password", "Password", null, "password", required: true)
                .Button("Sign in", id: "signin-local"), id: "local-signin");
        }

        return page.Page("Sign in");
    }

    private static async Task<IResult> CallbackAsync(HttpContext http, SalesforceSignIn signIn, CancellationToken cancellationToken)
    {
        var (user, returnUrl, error) = await signIn.CompleteAsync(http, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return Results.Redirect("/admin/signin?error=" + Uri.EscapeDataString(error ?? "Sign-in failed."));
        }

        await http.SignInAsync(AdminAuth.CookieScheme, AdminAuth.Principal(user.UserId, user.Username, user.IsAdmin, "salesforce", AdminAuth.CookieScheme))
            .ConfigureAwait(false);
        return Results.Redirect(returnUrl ?? "/admin");
    }

    private static async Task<IResult> LocalSignInAsync(HttpContext http, LocalAdminCredentials credentials, AdminAuditStore audit, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var username = credentials.Verify(form["username"], form["password"]);
        if (username is null)
        {
            return Results.Redirect("/admin/signin?error=" + Uri.EscapeDataString("Unknown local administrator or wrong password."));
        }

        await http.SignInAsync(AdminAuth.CookieScheme, AdminAuth.Principal("local:" + username, username, isAdmin: true, "local", AdminAuth.CookieScheme))
            .ConfigureAwait(false);
        await audit.RecordAsync("local:" + username, "signin.local", null, null, cancellationToken).ConfigureAwait(false);
        return Results.Redirect(SalesforceSignIn.SafeReturnUrl(form["returnUrl"]));
    }

    // ---------- 1. connection ----------

    private static async Task<IResult> ConnectionAsync(
        HttpContext http, IOptions<SalesforceOptions> salesforce, ApiBudget budget, IConnectorStatus status, LedgerInspector inspector,
        ProgramService programs, CancellationToken cancellationToken)
    {
        var page = new Html(http).Message(http.Request.Query["msg"]);
        var options = salesforce.Value;
        var (document, version) = await programs.CurrentAsync(cancellationToken).ConfigureAwait(false);
        page.Raw("<div class=\"cards\">")
            .Raw($"<div class=\"card\"><h2>Org</h2><p>Login host: <code id=\"login-host\">{E(options.LoginUrl)}</code><br>API version: {E(options.ApiVersion)}<br>" +
                $"Client: {E(options.ClientId)} ({E(options.AuthFlow)})<br>Program: {E(document.ProgramId)}, " +
                $"{(version is null ? "configured defaults (no saved version)" : $"version {version.Version}")}</p></div>");
        var snapshot = budget.Snapshot;
        page.Raw("<div class=\"card\"><h2>API usage</h2>").Raw(snapshot is { } s
            ? $"<p id=\"api-usage\">{s.Used:N0} of {s.Max:N0} daily API requests used ({(s.Max == 0 ? 0 : 100m * s.Used / s.Max):0.#}%); " +
              $"reserve {budget.ReservePercent}% kept for other integrations.</p>" +
              SvgCharts.Bars("Daily API requests", [("Used", s.Used), ("Limit before reserve", s.Max * (100 - budget.ReservePercent) / 100m)], SvgCharts.Count, s.Max)
            : "<p id=\"api-usage\">Not known yet: the connector has not called Salesforce since it started.</p>").Raw("</div></div>");

        var report = await status.GetAsync(cancellationToken).ConfigureAwait(false);
        page.Raw("<h2>Streaming and sync</h2>").Message(report.Note)
            .Raw($"<p>Last catch-up: {Stamp(report.LastCatchUp)} · last reconciliation: {Stamp(report.LastReconciliation)}</p>")
            .Raw("<table id=\"channels\"><tr><th>Channel</th><th>State</th><th>Lag</th><th>Last event</th><th>Position</th></tr>");
        foreach (var channel in report.Channels)
        {
            page.Raw($"<tr><td>{E(channel.Channel)}</td><td>{E(channel.State)}</td><td>{E(channel.Lag is { } lag ? lag.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture) : "—")}</td>" +
                $"<td>{Stamp(channel.LastEventAt)}</td><td>{E(channel.Position)}</td></tr>");
        }

        page.Raw("</table>");
        var (openCount, newest) = await inspector.QuarantineAsync(50, cancellationToken).ConfigureAwait(false);
        page.Raw($"<h2>Quarantined events: <span id=\"quarantine-count\">{openCount}</span></h2>");
        QuarantineTable(page, http.User, newest, "/admin");
        return page.Page("Connection");
    }

    private static void QuarantineTable(Html page, ClaimsPrincipal user, IReadOnlyList<Connector.Ledger.Quarantine.QuarantineEntry> entries, string back)
    {
        if (entries.Count == 0)
        {
            page.Raw("<p>None.</p>");
            return;
        }

        page.Raw("<table class=\"quarantine\"><tr><th>#</th><th>Received</th><th>Record</th><th>Reason</th><th>Status</th><th></th></tr>");
        foreach (var entry in entries)
        {
            page.Raw($"<tr><td>{entry.Id}</td><td>{Stamp(entry.ReceivedAt)}</td><td>{E(entry.Entity)} {E(entry.RecordId)}</td><td>{E(entry.ReasonCode)}: {E(entry.Reason)}</td>" +
                $"<td>{(entry.IsOpen ? "open" : $"re-applied {Stamp(entry.ResolvedAt)}")}</td><td>");
            if (entry.IsOpen)
            {
                page.Form($"/admin/quarantine/{entry.Id}/reapply", f => f.Raw($"<input type=\"hidden\" name=\"back\" value=\"{E(back)}\">").Button("Re-apply", id: $"reapply-{entry.Id}", disabled: !user.IsAdmin()), cssClass: "inline");
            }

            page.Raw("</td></tr>");
        }

        page.Raw("</table>");
    }

    private static async Task<IResult> ReapplyAsync(
        HttpContext http, long id, ReferralLedger ledger, AdminAuditStore audit, CancellationToken cancellationToken)
    {
        var outcome = await ledger.ReapplyQuarantinedAsync(id, cancellationToken).ConfigureAwait(false);
        var detail = outcome is null ? "no open entry" : $"{outcome.Status}";
        await audit.RecordAsync(http.User.Actor(), "quarantine.reapply", $"Quarantine:{id}", detail, cancellationToken).ConfigureAwait(false);
        var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var message = outcome is null ? $"Quarantine entry {id} is not open (already re-applied?)." : $"Quarantine entry {id} re-applied: {outcome.Status}.";
        return Results.Redirect(SalesforceSignIn.SafeReturnUrl(form["back"]) + "?msg=" + Uri.EscapeDataString(message));
    }

    // ---------- 2. field mapping ----------

    private static async Task<IResult> FieldsAsync(HttpContext http, ProgramService programs, OrgCatalog catalog, CancellationToken cancellationToken)
    {
        var (document, isDraft) = await programs.WorkingAsync(http.User.Actor(), cancellationToken).ConfigureAwait(false);
        var page = Draft(new Html(http), isDraft).Message(http.Request.Query["msg"]);
        IReadOnlyList<FieldCheck> checks;
        try
        {
            checks = await catalog.CheckFieldsAsync(document.Fields, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SalesforceApiException or HttpRequestException)
        {
            return page.Message($"The org's describe could not be read: {e.Message}", error: true).Page("Field mapping");
        }

        page.Raw("<p>Fields offered come from the org's live describe; revenue and reward override offer only currency and number fields.</p>");
        page.Form("/admin/fields", f =>
        {
            f.Raw("<table id=\"field-mapping\"><tr><th>Object</th><th>Carries</th><th>Field</th><th>Check</th></tr>");
            foreach (var check in checks)
            {
                var name = FieldKey(check.SObject, check.Role);
                var options = check.Candidates.Select(c => (c.Name, $"{c.Name} ({c.Type})")).ToList();
                if (!check.Valid)
                {
                    options.Insert(0, (check.Field, $"{check.Field} (invalid)"));
                }

                f.Raw($"<tr class=\"{(check.Valid ? "" : "invalid")}\"><td>{E(check.SObject)}</td><td>{E(check.Role)}</td><td>");
                f.Select(name, $"{check.SObject} {check.Role} field", options, check.Field, labelHidden: true);
                f.Raw($"</td><td>{(check.Valid ? "<span class=\"ok\">✓</span> " : "⚠ ")}{E(check.Explanation)}</td></tr>");
            }

            f.Raw("</table>").Button("Keep in draft", id: "save-fields", disabled: !http.User.IsAdmin());
        });
        return page.Page("Field mapping");
    }

    private static string FieldKey(string sobject, string role) => $"{sobject}.{role.Replace(" ", string.Empty, StringComparison.Ordinal)}";

    private static async Task<IResult> SaveFieldsAsync(HttpContext http, ProgramService programs, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var actor = http.User.Actor();
        var (document, _) = await programs.WorkingAsync(actor, cancellationToken).ConfigureAwait(false);
        string Pick(string sobject, string role, string current) => form[FieldKey(sobject, role)].ToString() is { Length: > 0 } v ? v : current;
        var f = document.Fields;
        programs.SetDraft(actor, document with
        {
            Fields = new FieldMapping
            {
                LeadAdvocateField = Pick("Lead", "Advocate", f.LeadAdvocateField),
                LeadReferralMethodField = Pick("Lead", "Referral method", f.LeadReferralMethodField),
                LeadReferralCodeField = Pick("Lead", "Referral code", f.LeadReferralCodeField),
                ContactAdvocateField = Pick("Contact", "Advocate", f.ContactAdvocateField),
                OpportunityRevenueField = Pick("Opportunity", "Revenue", f.OpportunityRevenueField),
                OpportunityRewardOverrideField = Pick("Opportunity", "Reward override", f.OpportunityRewardOverrideField),
            },
        });
        return Results.Redirect("/admin/fields?msg=" + Uri.EscapeDataString("Field mapping kept in your draft: preview, then save."));
    }

    // ---------- 3. stages and statuses ----------

    private static async Task<IResult> StagesAsync(HttpContext http, ProgramService programs, OrgCatalog catalog, CancellationToken cancellationToken)
    {
        var (document, isDraft) = await programs.WorkingAsync(http.User.Actor(), cancellationToken).ConfigureAwait(false);
        var page = Draft(new Html(http), isDraft).Message(http.Request.Query["msg"]);
        OrgValues values;
        try
        {
            values = await catalog.ValuesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SalesforceApiException or HttpRequestException)
        {
            return page.Message($"The org's stages and statuses could not be read: {e.Message}", error: true).Page("Stages & statuses");
        }

        var options = States.Select(s => (s, s)).Prepend((string.Empty, "— unmapped (quarantine) —")).ToList();
        var unmapped = values.LeadStatuses.Count(l => !document.LeadStatuses.ContainsKey(l.ApiName)) +
            values.Stages.Count(s => !document.OpportunityStages.ContainsKey(s.ApiName));
        page.Raw(unmapped == 0
            ? "<p class=\"notice\" id=\"unmapped-count\">Every value of the org is mapped.</p>"
            : $"<p class=\"draft\" id=\"unmapped-count\">{unmapped} value(s) of the org are unmapped: their events are quarantined until mapped.</p>");
        page.Form("/admin/stages", f =>
        {
            f.Raw("<h2>Opportunity stages</h2><table id=\"stage-mapping\"><tr><th>StageName</th><th>Closed</th><th>Won</th><th>Default</th><th>Referral state</th></tr>");
            var i = 0;
            foreach (var stage in values.Stages)
            {
                var mapped = document.OpportunityStages.TryGetValue(stage.ApiName, out var state) ? state.ToString() : string.Empty;
                f.Raw($"<tr class=\"{(mapped.Length == 0 ? "unmapped" : "")}\"><td>{E(stage.ApiName)}{(stage.IsActive ? "" : " <small>(inactive)</small>")}</td>" +
                    $"<td>{(stage.IsClosed ? "yes" : "")}</td><td>{(stage.IsWon ? "yes" : "")}</td><td>{E(DefaultStateMapping.StageState(stage))}</td><td>");
                f.Raw($"<input type=\"hidden\" name=\"stage.name[{i}]\" value=\"{E(stage.ApiName)}\">");
                f.Select($"stage.state[{i}]", $"State for stage {stage.ApiName}", options, mapped, id: $"stage-{Slug(stage.ApiName)}", labelHidden: true);
                f.Raw("</td></tr>");
                i++;
            }

            f.Raw("</table><h2>Lead statuses</h2><table id=\"status-mapping\"><tr><th>Status</th><th>Converted</th><th>Default</th><th>Suggested</th><th>Referral state</th></tr>");
            i = 0;
            foreach (var status in values.LeadStatuses)
            {
                var mapped = document.LeadStatuses.TryGetValue(status.ApiName, out var state) ? state.ToString() : string.Empty;
                f.Raw($"<tr class=\"{(mapped.Length == 0 ? "unmapped" : "")}\"><td>{E(status.ApiName)}</td><td>{(status.IsConverted ? "yes" : "")}</td>" +
                    $"<td>{(status.IsDefault ? "yes" : "")}</td><td>{E(DefaultStateMapping.LeadState(status)?.ToString() ?? "—")}</td><td>");
                f.Raw($"<input type=\"hidden\" name=\"status.name[{i}]\" value=\"{E(status.ApiName)}\">");
                f.Select($"status.state[{i}]", $"State for status {status.ApiName}", options, mapped, id: $"status-{Slug(status.ApiName)}", labelHidden: true);
                f.Raw("</td></tr>");
                i++;
            }

            var stale = document.OpportunityStages.Keys.Where(k => !values.Stages.Any(s => string.Equals(s.ApiName, k, StringComparison.OrdinalIgnoreCase)))
                .Concat(document.LeadStatuses.Keys.Where(k => !values.LeadStatuses.Any(s => string.Equals(s.ApiName, k, StringComparison.OrdinalIgnoreCase)))).ToList();
            f.Raw("</table>");
            if (stale.Count > 0)
            {
                f.Raw($"<p class=\"draft\">Mapped but no longer in the org (kept for old events): {E(string.Join(", ", stale))}</p>");
            }

            f.Checkbox("fillDefaults", "Fill unmapped values with the defaults derived from IsClosed/IsWon/IsConverted", false)
                .Button("Keep in draft", id: "save-stages", disabled: !http.User.IsAdmin());
        });
        return page.Page("Stages & statuses");
    }

    private static string Slug(string value) => string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-'));

    private static async Task<IResult> SaveStagesAsync(HttpContext http, ProgramService programs, OrgCatalog catalog, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var actor = http.User.Actor();
        var (document, _) = await programs.WorkingAsync(actor, cancellationToken).ConfigureAwait(false);
        var stages = document.OpportunityStages;
        var statuses = document.LeadStatuses;
        var errors = new List<string>();
        foreach (var (prefix, isStage) in new[] { ("stage", true), ("status", false) })
        {
            for (var i = 0; form.ContainsKey($"{prefix}.name[{i}]"); i++)
            {
                var name = form[$"{prefix}.name[{i}]"].ToString();
                var state = form[$"{prefix}.state[{i}]"].ToString();
                if (state.Length == 0)
                {
                    if (isStage) { stages = stages.Remove(name); } else { statuses = statuses.Remove(name); }
                }
                else if (Enum.TryParse<ReferralState>(state, out var parsed) && Enum.IsDefined(parsed))
                {
                    if (isStage) { stages = stages.SetItem(name, parsed); } else { statuses = statuses.SetItem(name, parsed); }
                }
                else
                {
                    errors.Add($"'{state}' for {name} is not a referral state.");
                }
            }
        }

        if (errors.Count > 0)
        {
            return Results.Redirect("/admin/stages?msg=" + Uri.EscapeDataString(string.Join(" ", errors)));
        }

        if (form["fillDefaults"] == "true")
        {
            var values = await catalog.ValuesAsync(cancellationToken).ConfigureAwait(false);
            var derived = DefaultStateMapping.FromOrg("defaults", values.LeadStatuses, values.Stages).Mapping;
            stages = stages.SetItems(derived.OpportunityStages.Where(kv => !stages.ContainsKey(kv.Key)));
            statuses = statuses.SetItems(derived.LeadStatuses.Where(kv => !statuses.ContainsKey(kv.Key)));
        }

        programs.SetDraft(actor, document with { OpportunityStages = stages, LeadStatuses = statuses });
        return Results.Redirect("/admin/stages?msg=" + Uri.EscapeDataString("Stage and status mapping kept in your draft: preview, then save."));
    }

    // ---------- 4. routing and rewards ----------

    private static async Task<IResult> RulesAsync(HttpContext http, ProgramService programs, CancellationToken cancellationToken)
    {
        var (document, isDraft) = await programs.WorkingAsync(http.User.Actor(), cancellationToken).ConfigureAwait(false);
        return RulesPage(http, document, isDraft, [], http.Request.Query["msg"]);
    }

    private static IResult RulesPage(HttpContext http, ProgramDocument document, bool isDraft, IReadOnlyList<string> errors, string? message)
    {
        var page = Draft(new Html(http), isDraft).Message(message).Errors(errors);
        var rules = document.Rewards;
        page.Form("/admin/rules", f =>
        {
            f.Raw("<fieldset><legend>Lead routing</legend>")
                .Checkbox("routing.enabled", "Route referral leads to the rep who owns the advocate", document.Routing.Enabled)
                .Select("routing.ownerSource", "Owner source", Enum.GetNames<OwnerSource>().Select(n => (n, n)), document.Routing.OwnerSource.ToString())
                .Input("routing.fallbackQueueId", "Fallback queue id", document.Routing.FallbackQueueId, hint: "when the rep is missing or inactive; empty: the org's assignment rules")
                .Raw("</fieldset><fieldset><legend>Reward rules</legend>")
                .Input("ruleId", "Rule id", rules.RuleId, required: true)
                .Select("advocate.type", "Advocate reward structure", [("flat", "Flat amount"), ("revenueShare", "Revenue share"), ("tiered", "Escalating tiers")],
                    rules.Advocate switch { RevenueShareReward => "revenueShare", TieredReward => "tiered", _ => "flat" })
                .Input("advocate.amount", "Flat amount", rules.Advocate is FlatReward flat ? RulesForm.Money(flat.Amount) : null, hint: "e.g. 100 USD")
                .Input("advocate.percent", "Revenue share %", rules.Advocate is RevenueShareReward share ? share.Percent.ToString(CultureInfo.InvariantCulture) : null)
                .Input("advocate.floor", "Floor", rules.Advocate is RevenueShareReward s1 ? RulesForm.Money(s1.Floor) : null)
                .Input("advocate.cap", "Cap", rules.Advocate is RevenueShareReward s2 ? RulesForm.Money(s2.Cap) : null)
                .Input("advocate.tiers", "Tiers", RulesForm.Tiers(rules.Advocate), hint: "e.g. 1-3: 100 USD; 4+: 500 USD")
                .Input("stages", "Payout stages", RulesForm.Stages(rules.Stages), hint: "key: delay days: percent or amount, e.g. won: 0: 25%; retained: 90: 75%")
                .Input("retentionDays", "Retention days", rules.RetentionDays?.ToString(CultureInfo.InvariantCulture), hint: "empty: the longest stage delay")
                .Input("referee.amount", "Referee reward (double-sided)", rules.Referee is FlatReward referee ? RulesForm.Money(referee.Amount) : null, hint: "empty: none")
                .Input("choiceOptions", "Reward choice options", string.Join(", ", rules.ChoiceOptions), hint: "comma-separated; empty: no choice")
                .Checkbox("useSalesforceOverride", $"A reward amount set on the Opportunity ({document.Fields.OpportunityRewardOverrideField}) replaces the computed one", rules.UseSalesforceOverride)
                .Input("payoutCurrency", "Payout currency", rules.PayoutCurrency, hint: "empty: the deal's currency")
                .Input("taxFormThreshold", "Tax form threshold", RulesForm.Money(rules.TaxFormThreshold))
                .Raw("</fieldset>")
                .Button("Validate and keep in draft", id: "save-rules", disabled: !http.User.IsAdmin());
        });
        return page.Page("Routing & rewards", errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    private static async Task<IResult> SaveRulesAsync(HttpContext http, ProgramService programs, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var actor = http.User.Actor();
        var (document, isDraft) = await programs.WorkingAsync(actor, cancellationToken).ConfigureAwait(false);
        var (updated, errors) = RulesForm.Parse(form, document);
        if (updated is null)
        {
            return RulesPage(http, document, isDraft, errors, null);
        }

        programs.SetDraft(actor, updated);
        return Results.Redirect("/admin/rules?msg=" + Uri.EscapeDataString("Routing and reward rules are valid and kept in your draft: preview, then save."));
    }

    // ---------- 5. preview, save, versions, rollback ----------

    private static async Task<IResult> PreviewAsync(
        HttpContext http, ProgramService programs, ProgramPreview preview, ILedgerProgramSource running, IOptions<AdminOptions> options, CancellationToken cancellationToken)
    {
        var actor = http.User.Actor();
        var (draft, isDraft) = await programs.WorkingAsync(actor, cancellationToken).ConfigureAwait(false);
        var (current, version) = await programs.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var page = new Html(http).Message(http.Request.Query["msg"]);
        if (!isDraft)
        {
            page.Raw("<p>No draft: change the field mapping, the stages and statuses or the rules first; the preview then shows what your draft would change.</p>");
        }
        else
        {
            var errors = draft.Validate();
            page.Raw("<p class=\"draft\" id=\"draft-banner\">Your draft differs from the current version" +
                $"{(version is null ? " (the configured defaults)" : $" v{version.Version}")}.</p>").Errors(errors);
            if (errors.Count == 0)
            {
                var currentProgram = version is null ? running.Current : current.ToProgram(version.MappingVersion);
                try
                {
                    var result = await preview.RunAsync(currentProgram, draft.ToProgram("draft"), options.Value.PreviewReferrals, cancellationToken).ConfigureAwait(false);
                    PreviewTable(page, result);
                }
                catch (Exception e) when (e is SalesforceApiException or HttpRequestException)
                {
                    page.Message($"The referrals' records could not be read from Salesforce, so there is no preview: {e.Message}", error: true);
                }

                page.Form("/admin/save", f => f.Input("comment", "Comment", null, hint: "why this change (kept with the version)")
                    .Button("Save as new version", id: "save-version", disabled: !http.User.IsAdmin()), id: "save-form");
                page.Form("/admin/discard", f => f.Button("Discard draft", id: "discard", disabled: !http.User.IsAdmin()));
            }
        }

        var versions = await programs.Versions.ListAsync(programs.ProgramId, cancellationToken).ConfigureAwait(false);
        page.Raw("<h2>Versions</h2>");
        if (versions.Count == 0)
        {
            page.Raw("<p>No version saved yet: the worker runs on its configured defaults.</p>");
        }
        else
        {
            page.Raw("<table id=\"versions\"><tr><th>Version</th><th>Saved by</th><th>When</th><th>Comment</th><th></th></tr>");
            foreach (var v in versions)
            {
                page.Raw($"<tr><td>v{v.Version}{(v == versions[0] ? " (current)" : string.Empty)}</td><td>{E(v.SavedBy)}</td><td>{Stamp(v.SavedAt)}</td>" +
                    $"<td>{E(v.Comment)}{(v.CopiedFrom is { } from ? $" <small>(copy of v{from})</small>" : string.Empty)}</td><td>");
                if (v != versions[0])
                {
                    page.Form("/admin/rollback", f => f.Raw($"<input type=\"hidden\" name=\"version\" value=\"{v.Version}\">")
                        .Button($"Roll back to v{v.Version}", id: $"rollback-{v.Version}", disabled: !http.User.IsAdmin()), cssClass: "inline");
                }

                page.Raw("</td></tr>");
            }

            page.Raw("</table><p><a href=\"/admin/api/mapping\" download=\"mapping.json\">Export the current mapping (JSON)</a></p>");
        }

        return page.Page("Preview & versions");
    }

    private static void PreviewTable(Html page, PreviewResult result)
    {
        page.Message(result.Note);
        if (result.Rows.Count == 0)
        {
            return;
        }

        page.Raw($"<p id=\"preview-summary\">{result.Changed} of {result.Rows.Count} recent referrals would change.</p>")
            .Raw("<table id=\"preview\"><tr><th>Referral</th><th>Referee</th><th>Ledger now</th><th>Current program</th><th>Proposed</th></tr>");
        foreach (var row in result.Rows)
        {
            page.Raw($"<tr class=\"{(row.Changes ? "changed" : "")}\"><td><a href=\"/admin/troubleshoot/{Uri.EscapeDataString(row.ReferralKey)}\">{E(row.ReferralKey)}</a></td>" +
                $"<td>{E(row.Referee)}</td><td>{E(row.LedgerState)}</td><td>{E(row.Current.Describe())}</td><td>{E(row.Proposed.Describe())}</td></tr>");
        }

        page.Raw("</table>");
    }

    private static async Task<IResult> SaveVersionAsync(HttpContext http, ProgramService programs, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var actor = http.User.Actor();
        var (draft, isDraft) = await programs.WorkingAsync(actor, cancellationToken).ConfigureAwait(false);
        if (!isDraft)
        {
            return Results.Redirect("/admin/preview?msg=" + Uri.EscapeDataString("Nothing to save: you have no draft."));
        }

        try
        {
            var comment = form["comment"].ToString().Trim();
            var saved = await programs.SaveAsync(actor, draft, comment.Length == 0 ? null : comment, cancellationToken).ConfigureAwait(false);
            return Results.Redirect("/admin/preview?msg=" + Uri.EscapeDataString($"Saved as version {saved.Version}; the worker applies it to the next change."));
        }
        catch (ProgramValidationException e)
        {
            return Results.Redirect("/admin/preview?msg=" + Uri.EscapeDataString(e.Message));
        }
    }

    private static async Task<IResult> RollbackAsync(HttpContext http, ProgramService programs, CancellationToken cancellationToken)
    {
        var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        if (!int.TryParse(form["version"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var version))
        {
            return Results.Redirect("/admin/preview?msg=" + Uri.EscapeDataString($"'{form["version"]}' is not a version number."));
        }

        var saved = await programs.RollbackAsync(http.User.Actor(), version, null, cancellationToken).ConfigureAwait(false);
        return Results.Redirect("/admin/preview?msg=" + Uri.EscapeDataString(saved is null
            ? $"There is no version {version}."
            : $"Rolled back: version {saved.Version} restores version {version}."));
    }

    // ---------- 6. troubleshooting ----------

    private static async Task<IResult> TroubleshootAsync(HttpContext http, LedgerInspector inspector, string? q, CancellationToken cancellationToken)
    {
        var page = new Html(http);
        page.Raw("<form method=\"get\" action=\"/admin/troubleshoot\" id=\"search-form\">")
            .Input("q", "Name, email, Salesforce id or referral code", q)
            .Raw("<button type=\"submit\" id=\"search\">Search</button></form>");
        if (!string.IsNullOrWhiteSpace(q))
        {
            var matches = await inspector.SearchAsync(q, 50, cancellationToken).ConfigureAwait(false);
            if (matches.Count == 0)
            {
                page.Raw($"<p id=\"no-results\">No referral or advocate matches '{E(q)}'.</p>");
            }
            else
            {
                page.Raw("<table id=\"results\"><tr><th>Referral</th><th>Referee</th><th>Email</th><th>Advocate</th><th>Code</th><th>State</th><th>Submitted</th></tr>");
                foreach (var m in matches)
                {
                    page.Raw($"<tr><td><a href=\"/admin/troubleshoot/{Uri.EscapeDataString(m.ReferralKey)}\">{E(m.ReferralKey)}</a></td><td>{E(m.RefereeName)}</td>" +
                        $"<td>{E(m.RefereeEmail)}</td><td>{E(m.AdvocateName ?? m.AdvocateId)}</td><td>{E(m.ReferralCode)}</td><td>{E(m.State)}</td><td>{Stamp(m.SubmittedAt)}</td></tr>");
                }

                page.Raw("</table>");
            }
        }

        return page.Page("Troubleshooting");
    }

    private static async Task<IResult> TimelineAsync(HttpContext http, string key, LedgerInspector inspector, CancellationToken cancellationToken)
    {
        var timeline = await inspector.TimelineAsync(key, cancellationToken).ConfigureAwait(false);
        var page = new Html(http).Message(http.Request.Query["msg"]);
        if (timeline is null)
        {
            return page.Message($"The ledger has no referral {key}.", error: true).Page("Referral not found", StatusCodes.Status404NotFound);
        }

        var s = timeline.Summary;
        page.Raw($"<div class=\"card\" id=\"summary\"><p><strong>{E(s.RefereeName)}</strong> ({E(s.RefereeEmail)}, {E(s.RefereeCompany)}) — " +
            $"state <strong id=\"state\">{E(s.State)}</strong>, method {E(s.Method)}<br>Advocate {E(timeline.AdvocateName ?? s.AdvocateId)} ({E(s.AdvocateId)}, code {E(s.ReferralCode)}, " +
            $"owner {E(timeline.Advocate?.OwnerUserId)})<br>Lead {E(s.LeadId)} · Opportunity {E(s.OpportunityId)} · submitted {Stamp(s.SubmittedAt)}</p></div>");
        page.Raw($"<h2>Events received</h2><p>{E(string.Join(", ", timeline.EventKeys))}</p>");
        page.Raw("<h2>State changes</h2><table id=\"state-changes\"><tr><th>When</th><th>From</th><th>To</th><th>Why</th><th>Rule</th><th>Mapping</th></tr>");
        foreach (var change in timeline.StateChanges)
        {
            page.Raw($"<tr><td>{Stamp(change.OccurredAt)}</td><td>{E(change.FromState ?? "—")}</td><td>{E(change.ToState)}</td><td>{E(change.Reason)}</td>" +
                $"<td>{E(change.RuleId)}</td><td>{E(change.MappingVersion)}</td></tr>");
        }

        page.Raw("</table><h2>Decisions (routing, rewards) and why</h2><table id=\"decisions\"><tr><th>When</th><th>Decision</th><th>Why</th><th>Rule</th><th>Mapping</th></tr>");
        foreach (var decision in timeline.Decisions)
        {
            page.Raw($"<tr><td>{Stamp(decision.At)}</td><td>{E(decision.DecisionKind)}</td><td>{E(decision.Reason)}</td><td>{E(decision.RuleId)}</td><td>{E(decision.MappingVersion)}</td></tr>");
        }

        page.Raw("</table><h2>Rewards</h2><table id=\"rewards\"><tr><th>Effective</th><th>For</th><th>Kind</th><th>Amount</th><th>Why</th><th>Paid</th></tr>");
        foreach (var reward in timeline.Rewards)
        {
            page.Raw($"<tr><td>{E(reward.EffectiveOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}</td><td>{E(reward.Beneficiary)}</td><td>{E(reward.Kind)}</td>" +
                $"<td>{E(reward.Amount.ToString("0.00", CultureInfo.InvariantCulture))} {E(reward.Currency)}</td><td>{E(reward.Reason)}</td><td>{Stamp(reward.PaidAt)}</td></tr>");
        }

        page.Raw("</table><h2>Errors and quarantine</h2>");
        QuarantineTable(page, http.User, timeline.Quarantine, $"/admin/troubleshoot/{Uri.EscapeDataString(key)}");
        return page.Page($"Referral {key}");
    }

    // ---------- 7. dashboard ----------

    private static async Task<IResult> DashboardAsync(
        HttpContext http, LedgerInspector inspector, TimeProvider time, string? from, string? to, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var page = new Html(http);
        var errors = new List<string>();
        DateOnly Parse(string? text, DateOnly fallback, string name)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return fallback;
            }

            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return day;
            }

            errors.Add($"{name} '{text}' is not a date (yyyy-mm-dd).");
            return fallback;
        }

        var period = new Period(Parse(from, today.AddDays(-89), "From"), Parse(to, today, "To"));
        if (period.From > period.To)
        {
            errors.Add($"From ({period.From:yyyy-MM-dd}) is after To ({period.To:yyyy-MM-dd}).");
        }

        page.Raw("<form method=\"get\" action=\"/admin/dashboard\" id=\"period-form\">")
            .Input("from", "From", period.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "date")
            .Input("to", "To", period.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "date")
            .Raw("<button type=\"submit\" id=\"show-period\">Show</button></form>").Errors(errors);
        if (errors.Count > 0)
        {
            return page.Page("Program dashboard", StatusCodes.Status400BadRequest);
        }

        var inputs = await inspector.BenchmarkInputsAsync(period, cancellationToken).ConfigureAwait(false);
        var b = ProgramBenchmarks.Compute(period, inputs.Advocates, inputs.Referrals, inputs.Rewards);
        page.Raw($"<div class=\"cards\" id=\"benchmarks\"><div class=\"card\">Enrolled advocates<br><strong>{b.EnrolledAdvocates}</strong></div>" +
            $"<div class=\"card\">Active advocates<br><strong id=\"active-advocates\">{b.ActiveAdvocates}</strong> ({SvgCharts.Percent(b.ActiveAdvocateRate)})</div>" +
            $"<div class=\"card\">Referrals<br><strong id=\"referrals\">{b.Referrals}</strong> ({SvgCharts.Count(b.ReferralsPerActiveAdvocate)} per active advocate)</div>" +
            $"<div class=\"card\">Conversion<br><strong>{SvgCharts.Percent(b.Conversion.Rate)}</strong> ({b.Conversion.Won} won)</div></div>");
        page.Raw("<div class=\"cards\">")
            .Raw("<div class=\"card\">" + SvgCharts.Bars("Active advocates", [("Active", b.ActiveAdvocateRate)], SvgCharts.Percent, 1m) + "</div>")
            .Raw("<div class=\"card\">" + SvgCharts.Bars("Referrals per active advocate", [
                ("1 referral", b.Distribution.OneShare), ("2–10 referrals", b.Distribution.TwoToTenShare), ("11+ referrals", b.Distribution.ElevenPlusShare)],
                SvgCharts.Percent, 1m) + "</div>")
            .Raw("<div class=\"card\">" + SvgCharts.Bars("Conversion by method",
                [.. b.ConversionByMethod.OrderBy(kv => kv.Key).Select(kv => (kv.Key.ToPicklist(), kv.Value.Rate))], SvgCharts.Percent, 1m) + "</div>")
            .Raw("<div class=\"card\">" + SvgCharts.Bars("Concentration", [
                ("Top 1%: referrals", b.Top1Percent.ReferralShare), ("Top 1%: won deals", b.Top1Percent.WonShare),
                ("Top 10%: referrals", b.Top10Percent.ReferralShare), ("Top 10%: won deals", b.Top10Percent.WonShare)], SvgCharts.Percent, 1m) + "</div>")
            .Raw("<div class=\"card\">" + SvgCharts.Bars("Average reward", [.. b.AverageRewardByCurrency.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => (kv.Key, kv.Value.Amount))], SvgCharts.Count) + "</div>")
            .Raw("</div>");
        return page.Page("Program dashboard");
    }

    // ---------- audit ----------

    private static async Task<IResult> AuditAsync(HttpContext http, AdminAuditStore audit, CancellationToken cancellationToken)
    {
        var page = new Html(http).Raw("<table id=\"audit\"><tr><th>When</th><th>Who</th><th>What</th><th>Subject</th><th>Detail</th></tr>");
        foreach (var entry in await audit.ListAsync(200, cancellationToken).ConfigureAwait(false))
        {
            page.Raw($"<tr><td>{Stamp(entry.At)}</td><td>{E(entry.Actor)}</td><td>{E(entry.Action)}</td><td>{E(entry.Subject)}</td><td>{E(entry.Detail)}</td></tr>");
        }

        return page.Raw("</table>").Page("Audit");
    }

    private static Html Draft(Html page, bool isDraft) => isDraft
        ? page.Raw("<p class=\"draft\" id=\"draft-banner\">You have unsaved changes. <a href=\"/admin/preview\">Preview and save</a></p>")
        : page;
}
