using System.Net;
using System.Text;
using Connector.SalesforceEmulator.Limits;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>
/// The web-server flow's front half: <c>GET /services/oauth2/authorize</c> shows a login page, its form posts back
/// here, and a good login redirects to redirect_uri with a single-use code and the client's state. The app is
/// pre-authorized for every user, so there is no "Allow Access?" step.
/// </summary>
public static class AuthorizeEndpoints
{
    private const string Path = "/services/oauth2/authorize";

    public static IEndpointRouteBuilder MapAuthorize(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext http, ConnectedApp connectedApp, ApiUsage usage) =>
        {
            usage.Count("GET " + Path);
            var request = AuthorizeRequest.From(http.Request.Query);
            return request.Check(connectedApp) ?? LoginPage.Render(request, QueryValue(http.Request.Query, "login_hint"), error: null);
        });

        app.MapPost(Path, async (HttpContext http, ConnectedApp connectedApp, OrgUsers users, AuthorizationCodes codes, ApiUsage usage, ILogger<AuthorizationCodes> logger) =>
        {
            usage.Count("POST " + Path);
            if (!http.Request.HasFormContentType)
            {
                return Results.BadRequest();
            }

            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var request = AuthorizeRequest.From(form);
            if (request.Check(connectedApp) is { } rejected)
            {
                return rejected;
            }

            var username = QueryValue(form, "username");
            var user = users.FindByUsername(username);
            if (user is not { IsActive: true, CanLogIn: true } || !users.CheckPassword(QueryValue(form, "password")))
            {
                logger.LoginRejected(request.ClientId!);
                return LoginPage.Render(request, username,
                    "Please check your username and password. If you still can't log in, contact your Salesforce administrator.");
            }

            var code = codes.Issue(user.Id, user.Username, request.ClientId!, request.RedirectUri!, request.Scope!, request.CodeChallenge, request.CodeChallengeMethod);
            logger.CodeIssued(user.Id);
            return request.RedirectWith(new() { ["code"] = code });
        }).DisableAntiforgery();
        return app;
    }

    private static string? QueryValue(IEnumerable<KeyValuePair<string, StringValues>> values, string key) =>
        values.FirstOrDefault(kv => kv.Key == key).Value is { Count: > 0 } v && !string.IsNullOrEmpty(v[0]) ? v[0] : null;

    /// <summary>The authorization request's parameters, carried through the login form in hidden fields.</summary>
    internal sealed record AuthorizeRequest(
        string? ResponseType, string? ClientId, string? RedirectUri, string? State, string? RequestedScope,
        string? CodeChallenge, string? CodeChallengeMethod)
    {
        public static readonly string[] Parameters = ["response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"];

        public string? Scope => ConnectedApp.GrantScope(RequestedScope);

        public static AuthorizeRequest From(IEnumerable<KeyValuePair<string, StringValues>> values)
        {
            var list = values.ToList();
            return new AuthorizeRequest(QueryValue(list, "response_type"), QueryValue(list, "client_id"), QueryValue(list, "redirect_uri"),
                QueryValue(list, "state"), QueryValue(list, "scope"), QueryValue(list, "code_challenge"), QueryValue(list, "code_challenge_method"));
        }

        public IEnumerable<(string Name, string? Value)> Fields() =>
            Parameters.Zip([ResponseType, ClientId, RedirectUri, State, RequestedScope, CodeChallenge, CodeChallengeMethod], (n, v) => (n, v));

        /// <summary>
        /// Null when the request is acceptable. A bad client or redirect_uri cannot be redirected to, so Salesforce shows
        /// the error on its own page; anything else goes back to the client as error/error_description parameters.
        /// </summary>
        public IResult? Check(ConnectedApp app)
        {
            if (!app.IsClientId(ClientId))
            {
                return ErrorPage("invalid_client_id", "client identifier invalid");
            }

            if (!app.IsCallbackUrl(RedirectUri))
            {
                return ErrorPage("redirect_uri_mismatch", "redirect_uri must match configuration");
            }

            if (ResponseType != "code")
            {
                return RedirectWith(new() { ["error"] = "unsupported_response_type", ["error_description"] = "response type not supported" });
            }

            if (Scope is null)
            {
                return RedirectWith(new() { ["error"] = "invalid_scope", ["error_description"] = "the requested scope is not allowed" });
            }

            if (CodeChallengeMethod is not (null or "S256" or "plain") || (CodeChallengeMethod is not null && CodeChallenge is null))
            {
                return RedirectWith(new() { ["error"] = "invalid_request", ["error_description"] = "invalid code_challenge_method" });
            }

            return null;
        }

        public IResult RedirectWith(Dictionary<string, string?> parameters)
        {
            if (State is not null)
            {
                parameters["state"] = State;
            }

            return Results.Redirect(QueryHelpers.AddQueryString(RedirectUri!, parameters));
        }

        private static IResult ErrorPage(string error, string description) =>
            Results.Text($"error={error}&error_description={Uri.EscapeDataString(description)}", "text/plain", Encoding.UTF8, 400);
    }

    /// <summary>A plain HTML login form, simple enough for a headless browser: labelled #username, #password and a #Login button.</summary>
    private static class LoginPage
    {
        public static IResult Render(AuthorizeRequest request, string? username, string? error)
        {
            var html = new StringBuilder();
            html.Append("""
                <!DOCTYPE html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <title>Login | Salesforce Org Emulator</title>
                </head>
                <body>
                <main>
                <h1>Log in to the Salesforce org emulator</h1>

                """);
            if (error is not null)
            {
                html.Append("<div id=\"error\" role=\"alert\">").Append(WebUtility.HtmlEncode(error)).Append("</div>\n");
            }

            html.Append("<form id=\"login_form\" name=\"login\" method=\"post\" action=\"").Append(Path).Append("\">\n");
            foreach (var (name, value) in request.Fields())
            {
                if (value is not null)
                {
                    html.Append("<input type=\"hidden\" name=\"").Append(name).Append("\" value=\"").Append(WebUtility.HtmlEncode(value)).Append("\">\n");
                }
            }

            html.Append("<label for=\"username\">Username</label>\n")
                .Append("<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required value=\"")
                .Append(WebUtility.HtmlEncode(username ?? string.Empty)).Append("\">\n")
                .Append("<label for=\"password\">Password</label>\n")
                .Append("<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>\n")
                .Append("<button type=\"submit\" id=\"Login\" name=\"Login\">Log In</button>\n")
                .Append("</form>\n</main>\n</body>\n</html>\n");
            return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, 200);
        }
    }
}
