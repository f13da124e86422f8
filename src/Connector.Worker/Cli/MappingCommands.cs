using System.CommandLine;
using Connector.Ledger;
using Connector.Ledger.Migrations;
using Connector.Ledger.Programs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Cli;

/// <summary>
/// <c>mapping export|import|versions|rollback</c>: the admin console's configuration operations from the command line,
/// on the ledger configured as for the worker (appsettings.json, environment, <c>--Ledger:Key value</c>). The file is the
/// console's JSON mapping format; every change is a new version, audited as <c>cli:{user}</c>.
/// </summary>
public static class MappingCommands
{
    public const int Done = 0;
    public const int Failed = 1;
    public const int BadInput = 2;

    private static readonly Option<string> Program = new("--program") { Description = "Program id; may be omitted when the ledger holds one program." };

    public static Command Create()
    {
        var file = new Option<FileInfo>("--file") { Description = "The mapping file (JSON).", Required = true };
        var comment = new Option<string>("--comment") { Description = "Why (kept with the version)." };
        var version = new Option<int>("--version") { Description = "The version to restore.", Required = true };

        var export = new Command("export", "Write the current mapping version to a file.") { Program, file };
        export.SetAction((parse, ct) => RunAsync(parse, async (store, programId, output) =>
        {
            var current = await store.CurrentAsync(programId!, ct).ConfigureAwait(false);
            if (current is null)
            {
                await output.WriteLineAsync($"Program {programId} has no saved version yet.").ConfigureAwait(false);
                return Failed;
            }

            var path = parse.GetValue(file)!.FullName;
            await File.WriteAllTextAsync(path, ProgramJson.Serialize(current.Document), ct).ConfigureAwait(false);
            await output.WriteLineAsync($"Exported {programId} v{current.Version} to {path}.").ConfigureAwait(false);
            return Done;
        }, ct));

        var import = new Command("import", "Save a mapping file as the next version (validated first).") { Program, file, comment };
        import.SetAction((parse, ct) => RunAsync(parse, async (store, programId, output) =>
        {
            var path = parse.GetValue(file)!.FullName;
            ProgramDocument document;
            try
            {
                document = ProgramJson.Deserialize(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false));
            }
            catch (Exception e) when (e is ProgramFormatException or IOException)
            {
                await output.WriteLineAsync($"{path}: {e.Message}").ConfigureAwait(false);
                return BadInput;
            }

            if (programId is not null && programId != document.ProgramId)
            {
                await output.WriteLineAsync($"{path} is a mapping of program {document.ProgramId}, not {programId}.").ConfigureAwait(false);
                return BadInput;
            }

            try
            {
                var saved = await store.SaveAsync(document, Actor(), parse.GetValue(comment) ?? $"imported from {Path.GetFileName(path)}", ct).ConfigureAwait(false);
                await output.WriteLineAsync($"Saved {saved.ProgramId} v{saved.Version}.").ConfigureAwait(false);
                return Done;
            }
            catch (ProgramValidationException e)
            {
                await output.WriteLineAsync(e.Message).ConfigureAwait(false);
                return BadInput;
            }
        }, ct, programRequired: false));

        var versions = new Command("versions", "List the saved versions, newest first.") { Program };
        versions.SetAction((parse, ct) => RunAsync(parse, async (store, programId, output) =>
        {
            foreach (var v in await store.ListAsync(programId!, ct).ConfigureAwait(false))
            {
                await output.WriteLineAsync($"v{v.Version}\t{v.SavedAt:yyyy-MM-dd HH:mm:ss}Z\t{v.SavedBy}\t{v.Comment}").ConfigureAwait(false);
            }

            return Done;
        }, ct));

        var rollback = new Command("rollback", "Make a copy of an earlier version the current one.") { Program, version, comment };
        rollback.SetAction((parse, ct) => RunAsync(parse, async (store, programId, output) =>
        {
            var restored = await store.RollbackAsync(programId!, parse.GetValue(version), Actor(), parse.GetValue(comment), ct).ConfigureAwait(false);
            await output.WriteLineAsync(restored is null
                ? $"Program {programId} has no version {parse.GetValue(version)}."
                : $"Saved {programId} v{restored.Version} restoring v{parse.GetValue(version)}.").ConfigureAwait(false);
            return restored is null ? BadInput : Done;
        }, ct));

        var mapping = new Command("mapping", "Export, import, list and roll back the program's mapping versions (the admin console's file format).")
        {
            export, import, versions, rollback,
        };
        foreach (var command in mapping.Subcommands)
        {
            command.TreatUnmatchedTokensAsErrors = false;
        }

        return mapping;
    }

    private static string Actor() => "cli:" + Environment.UserName;

    private static async Task<int> RunAsync(
        ParseResult parse, Func<ProgramVersionStore, string?, TextWriter, Task<int>> action, CancellationToken cancellationToken, bool programRequired = true)
    {
        var output = parse.InvocationConfiguration.Output;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. parse.UnmatchedTokens], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddReferralLedger(builder.Configuration);
        using var host = builder.Build();
        try
        {
            _ = host.Services.GetRequiredService<IOptions<LedgerOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            await output.WriteLineAsync("Configuration is invalid: " + string.Join(" ", e.Failures)).ConfigureAwait(false);
            return BadInput;
        }

        await host.Services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken).ConfigureAwait(false);
        var store = host.Services.GetRequiredService<ProgramVersionStore>();
        var programId = parse.GetValue(Program) ?? (programRequired ? await SingleProgramAsync(store, cancellationToken).ConfigureAwait(false) : null);
        if (programId is null && programRequired)
        {
            await output.WriteLineAsync("--program is required: the ledger holds no program version or more than one program.").ConfigureAwait(false);
            return BadInput;
        }

        return await action(store, programId, output).ConfigureAwait(false);
    }

    private static async Task<string?> SingleProgramAsync(ProgramVersionStore store, CancellationToken cancellationToken)
    {
        var ids = await store.ProgramIdsAsync(cancellationToken).ConfigureAwait(false);
        return ids.Count == 1 ? ids[0] : null;
    }
}
