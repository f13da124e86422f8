using Connector.Benchmarks;

// Not a timed test: prints what the emulator sustains on this machine (issue 2, "Proof of fidelity").
var options = BenchOptions.Parse(args);
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var report = await EmulatorBenchmark.RunAsync(options, Console.Out, cancellation.Token);
report.Print(Console.Out);
