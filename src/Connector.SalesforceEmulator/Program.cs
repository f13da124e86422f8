using Connector.SalesforceEmulator.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

var app = EmulatorApp.Build(args);
await app.StartAsync();

// One line with the base URL, so scripts and tests can wait for it and read the port.
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"Salesforce org emulator listening on {address}");
await app.WaitForShutdownAsync();
