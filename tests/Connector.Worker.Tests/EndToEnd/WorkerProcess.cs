using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Connector.Worker.Tests.EndToEnd;

/// <summary>
/// One `connector run` in its own OS process, as operators start it: <c>dotnet Connector.Worker.dll run --Section:Key value ...</c>.
/// The worker's dll sits next to the tests' (project reference), so the test runs exactly what was built. It binds port 0
/// and the URL is read from its "Now listening on" line; its output is kept for the failure message.
/// </summary>
public sealed partial class WorkerProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private WorkerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public Uri? Url => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : null;

    /// <summary>What the process wrote so far (stdout and stderr), for diagnostics.</summary>
    public string Output => string.Join('\n', _output);

    public static WorkerProcess Start(string name, IDictionary<string, string?> settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Connector.Worker.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("The worker's dll is not next to the tests (project reference to Connector.Worker).", dll);
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("run");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add("--" + key);
            start.ArgumentList.Add(value ?? string.Empty);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(name, process);
        process.OutputDataReceived += (_, e) => worker.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Collect(e.Data);
        process.Exited += (_, _) => worker._listening.TrySetException(new InvalidOperationException($"{name} exited before listening:\n{worker.Output}"));
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    public async Task<Uri> ListeningAsync() => await _listening.Task.WaitAsync(Patience);

    /// <summary>GET /readyz as JSON; null while the process does not answer.</summary>
    public async Task<Readiness?> ReadinessAsync()
    {
        if (Url is null || _process.HasExited)
        {
            return null;
        }

        try
        {
            using var response = await _http.GetAsync(new Uri(Url, "/readyz"));
            return await response.Content.ReadFromJsonAsync<Readiness>(JsonSerializerOptions.Web);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    public async Task<string> MetricsAsync() => await _http.GetStringAsync(new Uri(Url!, "/metrics"));

    /// <summary>Kills the process and everything it started, as a crash or an OOM kill would; returns once it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(Patience);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
        _http.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 400 && _output.TryDequeue(out _))
        {
            // Keep the tail: enough to see why a process misbehaved.
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    /// <summary>The dotnet muxer running these tests (DOTNET_HOST_PATH under `dotnet test`), else the one owning this runtime.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var fromRuntime = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        return File.Exists(fromRuntime) ? fromRuntime : "dotnet";
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    public sealed record Readiness(bool ProgramLoaded, bool Leader, bool LeaderReady, string Instance);
}
