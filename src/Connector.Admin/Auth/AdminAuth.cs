using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Admin.Auth;

/// <summary>
/// Who may use the console: everyone signed in may look; only admins (the org's admin permission set, or a local
/// administrator) may change anything. Browsers carry a cookie (and every form an antiforgery token); headless callers
/// of the JSON API send a local administrator's credentials with HTTP Basic.
/// </summary>
public static class AdminAuth
{
    public const string CookieScheme = "Connector.Admin";
    public const string BasicScheme = "Connector.Admin.Basic";
    public const string AnyScheme = "Connector.Admin.Any";

    /// <summary>Signed in (cookie or Basic): may look.</summary>
    public const string ViewerPolicy = "Connector.Admin.Viewer";

    /// <summary>Holds the admin permission set or is a local administrator: may change the configuration.</summary>
    public const string AdminPolicy = "Connector.Admin.Admin";

    public const string AdminClaim = "connector:admin";
    public const string UserIdClaim = "connector:user-id";
    public const string SignInMethodClaim = "connector:signin";

    internal static void Add(IServiceCollection services, AdminOptions options)
    {
        services.AddAuthentication()
            .AddCookie(CookieScheme, cookie =>
            {
                cookie.Cookie.Name = ".Connector.Admin";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.Cookie.Path = "/admin";
                cookie.LoginPath = "/admin/signin";
                cookie.AccessDeniedPath = "/admin/denied";
                cookie.ExpireTimeSpan = options.SessionLifetime;
                cookie.SlidingExpiration = true;
                cookie.Events.OnRedirectToLogin = context => ApiOrRedirect(context, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => ApiOrRedirect(context, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicScheme, null)
            .AddPolicyScheme(AnyScheme, "Admin console", policy => policy.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) ? BasicScheme : CookieScheme);

        services.AddAuthorizationBuilder()
            .AddPolicy(ViewerPolicy, policy => policy.AddAuthenticationSchemes(AnyScheme).RequireAuthenticatedUser())
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(AnyScheme).RequireAuthenticatedUser().RequireClaim(AdminClaim, "true"));
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = ".Connector.Admin.Antiforgery";
            antiforgery.Cookie.Path = "/admin";
            antiforgery.FormFieldName = "__RequestVerificationToken";
            antiforgery.HeaderName = "RequestVerificationToken";
        });
    }

    public static ClaimsPrincipal Principal(string userId, string name, bool isAdmin, string method, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, name),
            new(UserIdClaim, userId),
            new(SignInMethodClaim, method),
        };
        if (isAdmin)
        {
            claims.Add(new Claim(AdminClaim, "true"));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    public static bool IsAdmin(this ClaimsPrincipal user) => user.HasClaim(AdminClaim, "true");

    /// <summary>Who did it, as audit rows record it: "salesforce:ada@example.com" or "local:ops".</summary>
    public static string Actor(this ClaimsPrincipal user) =>
        $"{user.FindFirst(SignInMethodClaim)?.Value ?? "unknown"}:{user.Identity?.Name ?? "anonymous"}";

    /// <summary>
    /// Every change through a browser carries the antiforgery token (form field or header). Basic-authenticated API
    /// calls carry no cookie a third-party page could ride on, so they need none.
    /// </summary>
    public static async Task<bool> IsForgedAsync(HttpContext http)
    {
        if (http.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http).ConfigureAwait(false);
            return false;
        }
        catch (AntiforgeryValidationException)
        {
            return true;
        }
    }

    private static Task ApiOrRedirect(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/admin/api", StringComparison.Ordinal))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>HTTP Basic against the local administrators (headless API use). Never challenges: browsers must not cache Basic credentials here.</summary>
internal sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, LocalAdminCredentials credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) ||
            !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return Task.FromResult(AuthenticateResult.Fail("Authorization: Basic credentials are not base64."));
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        var username = colon < 0 ? decoded : decoded[..colon];
        var verified = credentials.Verify(username, colon < 0 ? null : decoded[(colon + 1)..]);
        return Task.FromResult(verified is null
            ? AuthenticateResult.Fail("Unknown local administrator or wrong password.")
            : AuthenticateResult.Success(new AuthenticationTicket(
                AdminAuth.Principal("local:" + verified, verified, isAdmin: true, "local", Scheme.Name), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }
}
