using System.Globalization;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Data;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>What a REST handler needs to know about the call: who, which API version, which write options.</summary>
public sealed record RestContext(ApiSession Session, string Version)
{
    public const string HttpContextKey = "sf.rest";

    public decimal VersionNumber => decimal.Parse(Version, CultureInfo.InvariantCulture);

    public string BasePath => $"/services/data/v{Version}";

    /// <summary>Sforce-Auto-Assign (TRUE, FALSE or an AssignmentRule id; absent means TRUE).</summary>
    public string? AutoAssignHeader { get; init; }

    /// <summary>client=… from Sforce-Call-Options, shown in CDC changeOrigin.</summary>
    public string? CallOptionsClient { get; init; }

    public DmlContext Dml
    {
        get
        {
            var origin = $"com/salesforce/api/rest/{Version}" + (CallOptionsClient is { Length: > 0 } c ? ";client=" + c : string.Empty);
            var header = AutoAssignHeader?.Trim();
            return header switch
            {
                null or "" => new DmlContext(Session.UserId, origin),
                _ when header.Equals("TRUE", StringComparison.OrdinalIgnoreCase) => new DmlContext(Session.UserId, origin),
                _ when header.Equals("FALSE", StringComparison.OrdinalIgnoreCase) => new DmlContext(Session.UserId, origin) { AutoAssign = false },
                _ => new DmlContext(Session.UserId, origin) { AssignmentRuleId = header },
            };
        }
    }

    public static RestContext Of(HttpContext http) =>
        (RestContext?)http.Items[HttpContextKey] ?? throw new InvalidOperationException("REST context missing: endpoint is outside the /services/data group.");

    public static string? ParseClient(string? callOptions)
    {
        if (callOptions is null)
        {
            return null;
        }

        foreach (var part in callOptions.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("client=", StringComparison.OrdinalIgnoreCase))
            {
                return part["client=".Length..];
            }
        }

        return null;
    }
}
