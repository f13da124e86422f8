using System.Globalization;
using System.Net;
using System.Text.Json;
using Connector.Salesforce;
using Connector.Salesforce.Auth;
using Connector.Salesforce.Http;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Check;

/// <summary>
/// Walks a Salesforce connection the way the connector will use it: log in, confirm the API version, read the
/// API budget, describe the objects, verify the package's custom fields, and open and close a streaming
/// session. A step that fails says what is wrong; later steps that need a session are skipped after a failed
/// login. Prints org and user ids and the instance URL — never a token, key or secret.
/// </summary>
public sealed class ConnectionCheck
{
    /// <summary>The objects the connector reads and writes even when the package adds no field to them.</summary>
    private static readonly string[] CoreObjects = ["Lead", "Opportunity"];

    private readonly SalesforceHttp _http;
    private readonly TokenCache _tokens;
    private readonly SalesforceOptions _options;

    public ConnectionCheck(SalesforceHttp http, TokenCache tokens, IOptions<SalesforceOptions> options)
    {
        _http = http;
        _tokens = tokens;
        _options = options.Value;
    }

    public async Task<CheckReport> RunAsync(string metadataPath, CancellationToken cancellationToken)
    {
        var report = new CheckReport();
        IReadOnlyDictionary<string, IReadOnlyList<string>> expected;
        try
        {
            expected = SfdxProject.CustomFields(metadataPath);
            report.Add("Package metadata", CheckStatus.Ok, $"{expected.Values.Sum(f => f.Count)} custom fields on {expected.Count} objects in {metadataPath}");
        }
        catch (Exception e) when (e is IOException or System.Xml.XmlException or UnauthorizedAccessException)
        {
            report.Add("Package metadata", CheckStatus.Failed, e.Message);
            expected = new Dictionary<string, IReadOnlyList<string>>();
        }

        try
        {
            var token = await _tokens.GetAsync(cancellationToken).ConfigureAwait(false);
            report.Add("Login", CheckStatus.Ok, $"{_options.AuthFlow} as {_options.Username ?? _options.ClientId}: org {token.OrgId}, user {token.UserId}, instance {token.InstanceUrl}");
        }
        catch (Exception e) when (IsFailure(e, cancellationToken))
        {
            report.Add("Login", CheckStatus.Failed, e.Message);
            foreach (var step in new[] { "API version", "API usage", "Describe", "Custom fields", "Streaming" })
            {
                report.Add(step, CheckStatus.Skipped, "needs a session");
            }

            return report;
        }

        await StepAsync(report, "API version", ApiVersionAsync, cancellationToken).ConfigureAwait(false);
        await StepAsync(report, "API usage", ApiUsageAsync, cancellationToken).ConfigureAwait(false);
        var described = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        await StepAsync(report, "Describe", ct => DescribeAsync(CoreObjects.Union(expected.Keys, StringComparer.OrdinalIgnoreCase), described, ct), cancellationToken).ConfigureAwait(false);
        report.Add("Custom fields", CheckFields(expected, described, out var detail), detail);
        await StepAsync(report, "Streaming", StreamingHandshakeAsync, cancellationToken).ConfigureAwait(false);
        return report;
    }

    private static async Task StepAsync(CheckReport report, string name, Func<CancellationToken, Task<(CheckStatus, string)>> step, CancellationToken cancellationToken)
    {
        try
        {
            var (status, detail) = await step(cancellationToken).ConfigureAwait(false);
            report.Add(name, status, detail);
        }
        catch (Exception e) when (IsFailure(e, cancellationToken))
        {
            report.Add(name, CheckStatus.Failed, e.Message);
        }
    }

    private async Task<(CheckStatus, string)> ApiVersionAsync(CancellationToken cancellationToken)
    {
        var versions = await _http.GetJsonAsync("services/data", CallPriority.Critical, cancellationToken).ConfigureAwait(false);
        var offered = versions.EnumerateArray().Select(v => v.GetProperty("version").GetString()).OfType<string>().ToList();
        var latest = offered.OrderBy(v => decimal.Parse(v, CultureInfo.InvariantCulture)).LastOrDefault() ?? "none";
        return offered.Contains(_options.ApiVersion, StringComparer.Ordinal)
            ? (CheckStatus.Ok, $"v{_options.ApiVersion} (the org offers up to v{latest})")
            : (CheckStatus.Failed, $"the org does not offer API v{_options.ApiVersion} (it offers up to v{latest}); set Salesforce:ApiVersion");
    }

    private async Task<(CheckStatus, string)> ApiUsageAsync(CancellationToken cancellationToken)
    {
        var limits = await _http.GetJsonAsync(_http.Api("limits"), CallPriority.Critical, cancellationToken).ConfigureAwait(false);
        var daily = limits.GetProperty("DailyApiRequests");
        var max = daily.GetProperty("Max").GetInt64();
        var remaining = daily.GetProperty("Remaining").GetInt64();
        var used = max - remaining;
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"{used:N0} of {max:N0} daily API requests used ({(max == 0 ? 0 : 100.0 * used / max):0.#}%); the connector keeps {_options.ReservePercent}% in reserve");

        // Not a failure: the connector still connects, but it will pause non-critical work until the budget recovers.
        return remaining * 100 < max * _options.ReservePercent
            ? (CheckStatus.Warning, detail + " — remaining is already inside the reserve")
            : (CheckStatus.Ok, detail);
    }

    private async Task<(CheckStatus, string)> DescribeAsync(IEnumerable<string> objects, Dictionary<string, HashSet<string>> described, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var name in objects)
        {
            try
            {
                var describe = await _http.GetJsonAsync(_http.Api($"sobjects/{Uri.EscapeDataString(name)}/describe"), CallPriority.Critical, cancellationToken).ConfigureAwait(false);
                described[name] = describe.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase);
            }
            catch (SalesforceApiException e) when (e.Status == HttpStatusCode.NotFound)
            {
                missing.Add(name);
            }
        }

        var summary = string.Join(", ", described.Select(d => $"{d.Key} ({d.Value.Count} fields)"));
        return missing.Count == 0
            ? (CheckStatus.Ok, summary)
            : (CheckStatus.Failed, $"object {string.Join(", ", missing)} not found (is the package installed and the object visible to the integration user?)");
    }

    private static CheckStatus CheckFields(
        IReadOnlyDictionary<string, IReadOnlyList<string>> expected, Dictionary<string, HashSet<string>> described, out string detail)
    {
        var missing = new List<string>();
        var undescribed = new List<string>();
        foreach (var (sobject, fields) in expected)
        {
            if (!described.TryGetValue(sobject, out var present))
            {
                undescribed.Add(sobject);
                continue;
            }

            missing.AddRange(fields.Where(f => !present.Contains(f)).Select(f => $"{sobject}.{f}"));
        }

        if (missing.Count > 0)
        {
            detail = $"missing custom field {string.Join(", ", missing)} (not deployed, or not visible to the integration user)";
            return CheckStatus.Failed;
        }

        if (undescribed.Count > 0)
        {
            detail = $"could not check the fields of {string.Join(", ", undescribed)} (no describe)";
            return CheckStatus.Failed;
        }

        detail = $"all {expected.Values.Sum(f => f.Count)} present on {string.Join(", ", expected.Keys)}";
        return CheckStatus.Ok;
    }

    /// <summary>
    /// A Bayeux handshake and disconnect (fact sheet: /cometd/{version}): proves the integration user may use the
    /// Streaming API without holding a subscription open. The BAYEUX_BROWSER cookie the handshake sets travels
    /// back on the disconnect through the client's cookie container.
    /// </summary>
    private async Task<(CheckStatus, string)> StreamingHandshakeAsync(CancellationToken cancellationToken)
    {
        var path = $"cometd/{_options.ApiVersion}";
        var handshake = await BayeuxAsync(path, new Dictionary<string, object>
        {
            ["channel"] = "/meta/handshake",
            ["version"] = "1.0",
            ["minimumVersion"] = "1.0",
            ["supportedConnectionTypes"] = new[] { "long-polling" },
        }, cancellationToken).ConfigureAwait(false);
        if (!Successful(handshake))
        {
            return (CheckStatus.Failed, $"handshake on /{path} refused: {Error(handshake)}");
        }

        var clientId = handshake.GetProperty("clientId").GetString()!;
        var disconnect = await BayeuxAsync(path, new Dictionary<string, object> { ["channel"] = "/meta/disconnect", ["clientId"] = clientId }, cancellationToken).ConfigureAwait(false);
        return Successful(disconnect)
            ? (CheckStatus.Ok, $"handshake and disconnect on /{path}")
            : (CheckStatus.Failed, $"disconnect on /{path} refused: {Error(disconnect)}");
    }

    private async Task<JsonElement> BayeuxAsync(string path, Dictionary<string, object> message, CancellationToken cancellationToken)
    {
        // Handshake and disconnect change nothing that a repeat could duplicate: safe to retry.
        var reply = await _http.SendJsonAsync(HttpMethod.Post, path, new[] { message }, CallPriority.Critical, cancellationToken, idempotent: true).ConfigureAwait(false);
        return reply.ValueKind == JsonValueKind.Array && reply.GetArrayLength() > 0
            ? reply[0]
            : throw new InvalidOperationException($"/{path} answered without a Bayeux reply.");
    }

    private static bool Successful(JsonElement reply) =>
        reply.TryGetProperty("successful", out var s) && s.ValueKind == JsonValueKind.True;

    private static string Error(JsonElement reply) =>
        reply.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "(no error given)";

    private static bool IsFailure(Exception e, CancellationToken cancellationToken) =>
        e is not OperationCanceledException || !cancellationToken.IsCancellationRequested;
}
