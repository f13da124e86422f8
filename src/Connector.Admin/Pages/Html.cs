using System.Globalization;
using System.Net;
using System.Text;
using Connector.Admin.Auth;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Connector.Admin.Pages;

/// <summary>
/// Server-rendered HTML without a template engine: every value goes through <see cref="E"/> (HTML-encoded), every
/// form through <see cref="Form"/> (which carries the antiforgery token). Pages are plain enough for a headless browser
/// and a screen reader: labelled inputs, real buttons, tables with headers.
/// </summary>
internal sealed class Html
{
    private static readonly (string Path, string Label)[] Navigation =
    [
        ("/admin", "Connection"), ("/admin/fields", "Field mapping"), ("/admin/stages", "Stages & statuses"), ("/admin/rules", "Routing & rewards"),
        ("/admin/preview", "Preview & versions"), ("/admin/troubleshoot", "Troubleshooting"), ("/admin/dashboard", "Dashboard"), ("/admin/audit", "Audit"),
    ];

    private readonly StringBuilder _body = new();
    private readonly HttpContext _http;
    private AntiforgeryTokenSet? _tokens;

    public Html(HttpContext http) => _http = http;

    public static string E(object? value) => WebUtility.HtmlEncode(value switch
    {
        null => string.Empty,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    });

    public static string Stamp(DateTimeOffset? at) => at?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "—";

    public Html Raw(string html)
    {
        _body.Append(html);
        return this;
    }

    public Html Text(string tag, object? text, string? attributes = null)
    {
        _body.Append('<').Append(tag).Append(attributes is null ? string.Empty : " " + attributes).Append('>')
            .Append(E(text)).Append("</").Append(tag).Append(">\n");
        return this;
    }

    public Html Message(string? message, bool error = false) =>
        message is null ? this : Raw($"<p class=\"{(error ? "error" : "notice")}\" role=\"{(error ? "alert" : "status")}\">{E(message)}</p>\n");

    public Html Errors(IReadOnlyList<string> errors)
    {
        if (errors.Count == 0)
        {
            return this;
        }

        _body.Append("<div class=\"error\" role=\"alert\" id=\"errors\"><p>Please fix:</p><ul>");
        foreach (var error in errors)
        {
            _body.Append("<li>").Append(E(error)).Append("</li>");
        }

        _body.Append("</ul></div>\n");
        return this;
    }

    /// <summary>A POST form with the antiforgery token; <paramref name="content"/> writes its fields.</summary>
    public Html Form(string action, Action<Html> content, string? id = null, string? cssClass = null)
    {
        _tokens ??= _http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(_http);
        _body.Append("<form method=\"post\" action=\"").Append(E(action)).Append('"')
            .Append(id is null ? string.Empty : $" id=\"{E(id)}\"").Append(cssClass is null ? string.Empty : $" class=\"{E(cssClass)}\"").Append(">\n")
            .Append("<input type=\"hidden\" name=\"").Append(E(_tokens.FormFieldName)).Append("\" value=\"").Append(E(_tokens.RequestToken)).Append("\">\n");
        content(this);
        _body.Append("</form>\n");
        return this;
    }

    public Html Button(string label, string? id = null, string? name = null, string? value = null, bool disabled = false) =>
        Raw($"<button type=\"submit\"{(id is null ? "" : $" id=\"{E(id)}\"")}{(name is null ? "" : $" name=\"{E(name)}\" value=\"{E(value)}\"")}{(disabled ? " disabled title=\"Only admins may change this\"" : "")}>{E(label)}</button>\n");

    public Html Input(string name, string label, string? value, string type = "text", string? hint = null, bool required = false)
    {
        var id = "f-" + name.Replace('.', '-').Replace('[', '-').Replace(']', '-');
        return Raw($"<div class=\"field\"><label for=\"{E(id)}\">{E(label)}</label> <input type=\"{E(type)}\" id=\"{E(id)}\" name=\"{E(name)}\" value=\"{E(value)}\"{(required ? " required" : "")}>" +
            (hint is null ? string.Empty : $" <small>{E(hint)}</small>") + "</div>\n");
    }

    public Html Checkbox(string name, string label, bool on) =>
        Raw($"<div class=\"field\"><input type=\"checkbox\" id=\"f-{E(name)}\" name=\"{E(name)}\" value=\"true\"{(on ? " checked" : "")}> <label for=\"f-{E(name)}\">{E(label)}</label></div>\n");

    public Html Select(string name, string label, IEnumerable<(string Value, string Text)> options, string? selected, string? id = null, bool labelHidden = false)
    {
        id ??= "f-" + name;
        _body.Append("<label for=\"").Append(E(id)).Append('"').Append(labelHidden ? " class=\"hidden\"" : string.Empty).Append('>').Append(E(label)).Append("</label> ")
            .Append("<select id=\"").Append(E(id)).Append("\" name=\"").Append(E(name)).Append("\">");
        foreach (var (value, text) in options)
        {
            _body.Append("<option value=\"").Append(E(value)).Append('"').Append(string.Equals(value, selected, StringComparison.Ordinal) ? " selected" : string.Empty)
                .Append('>').Append(E(text)).Append("</option>");
        }

        _body.Append("</select>\n");
        return this;
    }

    /// <summary>The page: layout, navigation, who is signed in, and the body written so far.</summary>
    public IResult Page(string title, int status = StatusCodes.Status200OK)
    {
        var user = _http.User;
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
            .Append(E(title)).Append(" · Referral Connector admin</title>\n<style>").Append(Css).Append("</style>\n</head>\n<body>\n<header>\n<strong>Referral Connector</strong>\n");
        if (user.Identity?.IsAuthenticated == true)
        {
            page.Append("<nav>");
            foreach (var (path, label) in Navigation)
            {
                var current = _http.Request.Path.Equals(path, StringComparison.Ordinal);
                page.Append("<a href=\"").Append(path).Append('"').Append(current ? " aria-current=\"page\"" : string.Empty).Append('>').Append(E(label)).Append("</a>");
            }

            page.Append("</nav>\n<span class=\"who\" id=\"who\">").Append(E(user.Identity.Name)).Append(user.IsAdmin() ? " (admin)" : " (read-only)").Append("</span>\n");
            _tokens ??= _http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(_http);
            page.Append("<form method=\"post\" action=\"/admin/signout\" class=\"inline\"><input type=\"hidden\" name=\"").Append(E(_tokens.FormFieldName))
                .Append("\" value=\"").Append(E(_tokens.RequestToken)).Append("\"><button type=\"submit\" id=\"signout\">Sign out</button></form>\n");
        }

        page.Append("</header>\n<main>\n<h1>").Append(E(title)).Append("</h1>\n").Append(_body).Append("</main>\n</body>\n</html>\n");
        _http.Response.Headers.CacheControl = "no-store";
        _http.Response.Headers["X-Frame-Options"] = "DENY";
        _http.Response.Headers["Content-Security-Policy"] = "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self' " +
            "http: https:; frame-ancestors 'none'";
        return Results.Content(page.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private const string Css = """
        body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
        header{display:flex;flex-wrap:wrap;gap:1em;align-items:center;padding:.6em 1em;background:#032d60;color:#fff}
        header a{color:#fff;margin-right:.8em;text-decoration:none}header a[aria-current]{text-decoration:underline;font-weight:bold}
        .who{margin-left:auto}main{padding:1em 2em;max-width:1200px}
        table{border-collapse:collapse;margin:.5em 0 1.5em;background:#fff}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
        th{background:#eef1f6}.unmapped{background:#fff1c2}.changed{background:#ffe3e3}.invalid{background:#ffd6d6}.ok{color:#1a7f37}
        .error{background:#ffe3e3;border:1px solid #d33;padding:.5em 1em}.notice{background:#e6f4ea;border:1px solid #1a7f37;padding:.5em 1em}
        .draft{background:#fff1c2;border:1px solid #c90;padding:.5em 1em}.field{margin:.4em 0}.inline{display:inline}
        .hidden{position:absolute;left:-9999px}small{color:#555}fieldset{margin:1em 0;background:#fff}
        button{padding:.3em .9em;cursor:pointer}.cards{display:flex;flex-wrap:wrap;gap:1em}.card{background:#fff;border:1px solid #ccc;padding:.5em 1em}
        svg text{font-size:12px;font-family:system-ui,sans-serif}
        """;
}
