using Connector.Worker.Cli;

// The connector's worker host. For now it is its command line: `check` verifies a Salesforce connection
// (login, API version and usage, describes, the package's custom fields, a streaming handshake).
return await WorkerCli.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
