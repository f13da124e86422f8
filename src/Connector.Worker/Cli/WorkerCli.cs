using System.CommandLine;
using Connector.Worker.Check;
using Connector.Worker.Demo;
using Connector.Worker.Run;

namespace Connector.Worker.Cli;

/// <summary>The worker's commands. Tests run them in-process with their own output writers.</summary>
public static class WorkerCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Referral Connector for Salesforce: worker host.");
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(MappingCommands.Create());
        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
}
