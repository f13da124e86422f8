using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Rest;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Seeding;

/// <summary>
/// <c>POST /emulator/snapshot</c>: saves the whole org to <see cref="EmulatorOptions.SnapshotPath"/>, which the next
/// start loads instead of seeding. An emulator control, not a Salesforce API, so it counts against no limit.
/// </summary>
public static class SnapshotEndpoints
{
    public static IEndpointRouteBuilder MapSnapshot(this IEndpointRouteBuilder app)
    {
        app.MapPost("/emulator/snapshot", (HttpContext http, TokenStore tokens, OrgStore store, OrgSettings settings,
            OrgBootstrap bootstrap, IOptions<EmulatorOptions> options) =>
        {
            if (tokens.Validate(RestPipeline.BearerToken(http.Request)) is null)
            {
                http.Response.Headers.WWWAuthenticate = "Token";
                return RestErrors.From(new SalesforceException(401, "INVALID_SESSION_ID", "Session expired or invalid"));
            }

            if (options.Value.SnapshotPath is not { Length: > 0 } path)
            {
                return RestErrors.From(new SalesforceException(400, "INVALID_OPERATION", "Emulator:SnapshotPath is not configured."));
            }

            var summary = OrgSnapshot.Save(store, settings, bootstrap, path);
            return RestErrors.Json(200, new JsonObject
            {
                ["path"] = Path.GetFullPath(path),
                ["records"] = summary.Records,
                ["bytes"] = summary.Bytes,
            });
        });
        return app;
    }
}
