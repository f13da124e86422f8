using System.CommandLine;
using Connector.Worker.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Run;

/// <summary>
/// <c>run</c>: the connector as a long-running service. Configuration from appsettings.json, environment variables
/// (<c>Salesforce__LoginUrl</c>) and <c>--Section:Key value</c> arguments; validated at start with messages naming the key.
/// </summary>
public static class RunCommand
{
    private const int BadConfiguration = 2;

    public static Command Create()
    {
        var command = new Command("run", "Run the connector: real-time sync, routing, rewards and profiles, with /healthz, /readyz and /metrics.");
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            await using var app = ConnectorHost.Build([.. parse.UnmatchedTokens]);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (OptionsValidationException e)
            {
                await output.WriteLineAsync("Configuration is invalid:").ConfigureAwait(false);
                foreach (var failure in e.Failures)
                {
                    await output.WriteLineAsync("  " + failure).ConfigureAwait(false);
                }

                return BadConfiguration;
            }
        });
        return command;
    }
}
