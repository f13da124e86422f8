using System.Globalization;
using System.Text;
using Connector.Admin.Auth;
using Connector.Admin.Mapping;
using Connector.Admin.Preview;
using Connector.Admin.Status;
using Connector.Ledger.Applying;
using Connector.Ledger.Inspection;
using Connector.Ledger.Programs;
using Connector.Referrals.Benchmarks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Connector.Admin.Api;

/// <summary>
/// The console's operations as JSON under /admin/api: export/import of the mapping file (the same format as the CLI's
/// <c>mapping export/import</c>), versions, rollback, preview, search, timeline, re-apply, status, benchmarks.
/// Headless callers authenticate as a local administrator with HTTP Basic; browsers with the console cookie and the
/// antiforgery header on every write.
/// </summary>
internal static class AdminApi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var read = endpoints.MapGroup("/admin/api").RequireAuthorization(AdminAuth.ViewerPolicy);
        read.MapGet("/mapping", async (ProgramService programs, CancellationToken ct) =>
            Results.Text(ProgramJson.Serialize((await programs.CurrentAsync(ct).ConfigureAwait(false)).Document), "application/json", Encoding.UTF8));
        read.MapGet("/mapping/versions", async (ProgramService programs, CancellationToken ct) =>
            Results.Ok((await programs.Versions.ListAsync(programs.ProgramId, ct).ConfigureAwait(false))
                .Select(v => new { v.Version, v.SavedBy, v.SavedAt, v.Comment, v.CopiedFrom })));
        read.MapGet("/mapping/versions/{version:int}", async (int version, ProgramService programs, CancellationToken ct) =>
            await programs.Versions.GetAsync(programs.ProgramId, version, ct).ConfigureAwait(false) is { } v
                ? Results.Text(ProgramJson.Serialize(v.Document), "application/json", Encoding.UTF8)
                : Results.Problem($"There is no version {version}.", statusCode: StatusCodes.Status404NotFound));
        read.MapGet("/referrals", async (string? q, LedgerInspector inspector, CancellationToken ct) =>
            Results.Ok(await inspector.SearchAsync(q ?? string.Empty, 50, ct).ConfigureAwait(false)));
        read.MapGet("/referrals/{key}", async (string key, LedgerInspector inspector, CancellationToken ct) =>
            await inspector.TimelineAsync(key, ct).ConfigureAwait(false) is { } t
                ? Results.Ok(new { t.Summary, t.EventKeys, t.StateChanges, t.Decisions, t.Rewards, Quarantine = t.Quarantine.Select(q => new { q.Id, q.ReasonCode, q.Reason, q.ReceivedAt, q.ResolvedAt }) })
                : Results.Problem($"The ledger has no referral {key}.", statusCode: StatusCodes.Status404NotFound));
        read.MapGet("/status", async (IConnectorStatus status, CancellationToken ct) => Results.Ok(await status.GetAsync(ct).ConfigureAwait(false)));
        read.MapGet("/benchmarks", async (string? from, string? to, LedgerInspector inspector, TimeProvider time, CancellationToken ct) =>
        {
            var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            if (!TryDate(from, today.AddDays(-89), out var start) || !TryDate(to, today, out var end) || start > end)
            {
                return Results.Problem("from and to must be dates (yyyy-mm-dd), from not after to.", statusCode: StatusCodes.Status400BadRequest);
            }

            var inputs = await inspector.BenchmarkInputsAsync(new Period(start, end), ct).ConfigureAwait(false);
            return Results.Ok(ProgramBenchmarks.Compute(new Period(start, end), inputs.Advocates, inputs.Referrals, inputs.Rewards));
        });

        var write = endpoints.MapGroup("/admin/api").RequireAuthorization(AdminAuth.AdminPolicy)
            .AddEndpointFilter(async (context, next) => await AdminAuth.IsForgedAsync(context.HttpContext).ConfigureAwait(false)
                ? Results.Problem("Missing or invalid antiforgery token (header RequestVerificationToken) for a cookie-authenticated write.",
                    statusCode: StatusCodes.Status400BadRequest)
                : await next(context).ConfigureAwait(false));
        write.MapPut("/mapping", ImportAsync);
        write.MapPost("/mapping/rollback/{version:int}", async (int version, string? comment, HttpContext http, ProgramService programs, CancellationToken ct) =>
            await programs.RollbackAsync(http.User.Actor(), version, comment, ct).ConfigureAwait(false) is { } saved
                ? Results.Ok(new { saved.Version, saved.CopiedFrom })
                : Results.Problem($"There is no version {version}.", statusCode: StatusCodes.Status404NotFound));
        write.MapPost("/mapping/preview", PreviewAsync);
        write.MapPost("/quarantine/{id:long}/reapply", async (long id, HttpContext http, ReferralLedger ledger, AdminAuditStore audit, CancellationToken ct) =>
        {
            var outcome = await ledger.ReapplyQuarantinedAsync(id, ct).ConfigureAwait(false);
            await audit.RecordAsync(http.User.Actor(), "quarantine.reapply", $"Quarantine:{id}", outcome?.Status.ToString() ?? "no open entry", ct).ConfigureAwait(false);
            return outcome is null
                ? Results.Problem($"Quarantine entry {id} is not open.", statusCode: StatusCodes.Status404NotFound)
                : Results.Ok(new { outcome.EventKey, Status = outcome.Status.ToString() });
        });
    }

    private static bool TryDate(string? text, DateOnly fallback, out DateOnly day)
    {
        day = fallback;
        return string.IsNullOrWhiteSpace(text) || DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    private static async Task<(ProgramDocument? Document, IResult? Error)> ReadDocumentAsync(HttpContext http, CancellationToken ct)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var json = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        try
        {
            return (ProgramJson.Deserialize(json), null);
        }
        catch (ProgramFormatException e)
        {
            return (null, Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest));
        }
    }

    /// <summary>Import: the body is a mapping file; saved as the next version (validated first).</summary>
    private static async Task<IResult> ImportAsync(HttpContext http, string? comment, ProgramService programs, CancellationToken ct)
    {
        var (document, error) = await ReadDocumentAsync(http, ct).ConfigureAwait(false);
        if (document is null)
        {
            return error!;
        }

        try
        {
            var saved = await programs.SaveAsync(http.User.Actor(), document, comment ?? "imported", ct).ConfigureAwait(false);
            return Results.Ok(new { saved.Version, saved.SavedBy, saved.SavedAt });
        }
        catch (ProgramValidationException e)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["mapping"] = [.. e.Errors] }, "The mapping cannot be saved.");
        }
    }

    private static async Task<IResult> PreviewAsync(
        HttpContext http, ProgramService programs, ProgramPreview preview, ILedgerProgramSource running, IOptions<AdminOptions> options, CancellationToken ct)
    {
        var (document, error) = await ReadDocumentAsync(http, ct).ConfigureAwait(false);
        if (document is null)
        {
            return error!;
        }

        var errors = document.Validate();
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["mapping"] = [.. errors] }, "The mapping is invalid.");
        }

        var (current, version) = await programs.CurrentAsync(ct).ConfigureAwait(false);
        var result = await preview.RunAsync(version is null ? running.Current : current.ToProgram(version.MappingVersion), document.ToProgram("draft"),
            options.Value.PreviewReferrals, ct).ConfigureAwait(false);
        return Results.Ok(new { result.Changed, result.Note, result.Rows });
    }
}
