using System.Globalization;
using System.Text.Json.Nodes;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Rest;

/// <summary><c>GET /services/data</c>: the API versions the org serves (no authentication, as on a real org).</summary>
public static class VersionEndpoints
{
    // Three releases a year (fact sheet §2.1); Winter ships in the autumn of the year before its name.
    private static readonly string[] Seasons = ["Winter", "Spring", "Summer"];

    public static IEndpointRouteBuilder MapVersions(this IEndpointRouteBuilder app)
    {
        app.MapGet("/services/data", List);
        return app;
    }

    /// <summary>Release name of an API version: 62.0 = Winter '25, 63.0 = Spring '25, 64.0 = Summer '25, …</summary>
    public static string Label(int version)
    {
        var offset = version - 62;
        var season = Seasons[((offset % 3) + 3) % 3];
        var year = 25 + (int)Math.Floor(offset / 3.0);
        return $"{season} '{year:00}";
    }

    private static IResult List(IOptions<EmulatorOptions> options)
    {
        var o = options.Value;
        var list = new JsonArray();
        for (var v = o.MinApiVersion; v <= o.MaxApiVersion; v++)
        {
            var version = v.ToString(CultureInfo.InvariantCulture) + ".0";
            list.Add(new JsonObject { ["label"] = Label(v), ["url"] = "/services/data/v" + version, ["version"] = version });
        }

        return RestErrors.Json(200, list);
    }
}
