using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Tour;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// --demo: seed a realistic org (overridable with --Emulator:Seed:Leads N ...), walk through it, keep serving.
// --exit: stop after the demo instead of serving.
var demo = args.Contains("--demo");
var exitAfterDemo = args.Contains("--exit");
var appArgs = args.Where(a => a is not "--demo" and not "--exit").ToList();
if (demo)
{
    // Defaults first so the caller's own arguments win (the last value of a key counts).
    appArgs.InsertRange(0, ["--Emulator:Seed:Leads", "20000", "--Emulator:Seed:Accounts", "2000", "--Logging:LogLevel:Connector", "Warning"]);
    if (!appArgs.Contains("--urls"))
    {
        appArgs.AddRange(["--urls", "http://127.0.0.1:0"]);
    }
}

var app = EmulatorApp.Build([.. appArgs]);
await app.StartAsync();

// One line with the base URL, so scripts and tests can wait for it and read the port.
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"Salesforce org emulator listening on {address}");

if (demo)
{
    try
    {
        await new OrgTour(new Uri(address), Console.Out).RunAsync(app.Lifetime.ApplicationStopping);
    }
    catch (Exception e) when (e is InvalidOperationException or HttpRequestException)
    {
        await Console.Error.WriteLineAsync(e.Message);
        await app.StopAsync();
        return 1;
    }

    if (exitAfterDemo)
    {
        await app.StopAsync();
        return 0;
    }

}

await app.WaitForShutdownAsync();
return 0;
