using Connector.Benchmarks;

// Not a timed test: prints what the emulator sustains on this machine (issue 2, "Proof of fidelity").
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

// `ledger ...`: events/s applied per ledger store (issue 4).
if (args is ["ledger", .. var ledgerArgs])
{
    await LedgerBenchmark.RunAsync(LedgerBenchOptions.Parse(ledgerArgs), Console.Out, cancellation.Token);
    return;
}

// `apply ...`: events/s through the full apply path (processor + rewards + store) per store and batch size (issue 4).
if (args is ["apply", .. var applyArgs])
{
    await ApplyBenchmark.RunAsync(LedgerBenchOptions.Parse(applyArgs), Console.Out, cancellation.Token);
    return;
}

// `backfill ...`: the connector's first start on a large org, by Bulk API 2.0 (issue 5).
if (args is ["backfill", .. var backfillArgs])
{
    await BackfillBenchmark.RunAsync(BackfillOptions.Parse(backfillArgs), Console.Out, cancellation.Token);
    return;
}

var options = BenchOptions.Parse(args);
var report = await EmulatorBenchmark.RunAsync(options, Console.Out, cancellation.Token);
report.Print(Console.Out);
