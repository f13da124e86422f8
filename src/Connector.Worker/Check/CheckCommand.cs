using System.CommandLine;
using Connector.Salesforce;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Check;

/// <summary>
/// <c>check</c>: configuration comes from appsettings.json, the environment (<c>Salesforce__LoginUrl</c>) and
/// <c>--Salesforce:Key value</c> arguments, with the explicit options below winning over all of them.
/// </summary>
public static class CheckCommand
{
    public const int Healthy = 0;
    public const int Unhealthy = 1;
    public const int BadConfiguration = 2;

    private static readonly Option<string> LoginUrl = new("--login-url") { Description = "Login host: https://login.salesforce.com, https://test.salesforce.com or a My Domain (Salesforce:LoginUrl)." };
    private static readonly Option<string> ClientId = new("--client-id") { Description = "Connected app consumer key (Salesforce:ClientId)." };
    private static readonly Option<string> Username = new("--username") { Description = "Integration user (Salesforce:Username)." };
    private static readonly Option<FileInfo> PrivateKeyFile = new("--private-key-file") { Description = "PEM file with the JWT signing key (Salesforce:PrivateKeyFile)." };
    private static readonly Option<string> ApiVersion = new("--api-version") { Description = "API version, e.g. 62.0 (Salesforce:ApiVersion)." };
    private static readonly Option<DirectoryInfo> Metadata = new("--metadata") { Description = "The SFDX project (salesforce-metadata/) whose custom fields must exist; found above the working directory when omitted." };

    public static Command Create()
    {
        var command = new Command("check", "Log in to Salesforce and verify the connection, API budget, schema and streaming; exit 0 when healthy.")
        {
            LoginUrl, ClientId, Username, PrivateKeyFile, ApiVersion, Metadata,
        };

        // Unknown tokens are configuration ("--Salesforce:AuthFlow Password"), handed to the host's command-line source.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var output = parse.InvocationConfiguration.Output;
        string metadata;
        try
        {
            metadata = SfdxProject.Locate(parse.GetValue(Metadata)?.FullName);
        }
        catch (DirectoryNotFoundException e)
        {
            await output.WriteLineAsync("Configuration: " + e.Message).ConfigureAwait(false);
            return BadConfiguration;
        }

        using var host = BuildHost(parse);
        ConnectionCheck check;
        try
        {
            _ = host.Services.GetRequiredService<IOptions<SalesforceOptions>>().Value;
            check = ActivatorUtilities.CreateInstance<ConnectionCheck>(host.Services);
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

        var report = await check.RunAsync(metadata, cancellationToken).ConfigureAwait(false);
        await report.WriteAsync(output).ConfigureAwait(false);
        return report.IsHealthy ? Healthy : Unhealthy;
    }

    private static IHost BuildHost(ParseResult parse)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [.. parse.UnmatchedTokens],
            ContentRootPath = AppContext.BaseDirectory,
        });
        var explicitOptions = new Dictionary<string, string?>();
        void Set<T>(Option<T> option, string key, Func<T, string> text)
        {
            if (parse.GetResult(option) is not null && parse.GetValue(option) is { } value)
            {
                explicitOptions[$"{SalesforceOptions.SectionName}:{key}"] = text(value);
            }
        }

        Set(LoginUrl, nameof(SalesforceOptions.LoginUrl), s => s);
        Set(ClientId, nameof(SalesforceOptions.ClientId), s => s);
        Set(Username, nameof(SalesforceOptions.Username), s => s);
        Set(PrivateKeyFile, nameof(SalesforceOptions.PrivateKeyFile), f => f.FullName);
        Set(ApiVersion, nameof(SalesforceOptions.ApiVersion), s => s);
        builder.Configuration.AddInMemoryCollection(explicitOptions);

        // The report is the output; library logs would interleave with it (and never carry secrets anyway).
        builder.Logging.ClearProviders();
        builder.Services.AddSalesforceClient(builder.Configuration);
        return builder.Build();
    }
}
