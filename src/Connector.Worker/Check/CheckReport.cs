namespace Connector.Worker.Check;

public enum CheckStatus
{
    Ok,
    Warning,
    Failed,
    Skipped,
}

public sealed record CheckStep(string Name, CheckStatus Status, string Detail);

/// <summary>What the connection check found, step by step; healthy when no step failed.</summary>
public sealed class CheckReport
{
    private readonly List<CheckStep> _steps = [];

    public IReadOnlyList<CheckStep> Steps => _steps;
    public bool IsHealthy => _steps.TrueForAll(s => s.Status != CheckStatus.Failed);

    public void Add(string name, CheckStatus status, string detail) => _steps.Add(new CheckStep(name, status, detail));

    public async Task WriteAsync(TextWriter output)
    {
        await output.WriteLineAsync("Salesforce connection check").ConfigureAwait(false);
        var width = _steps.Count == 0 ? 0 : _steps.Max(s => s.Name.Length);
        foreach (var step in _steps)
        {
            var status = step.Status switch
            {
                CheckStatus.Ok => "ok",
                CheckStatus.Warning => "WARN",
                CheckStatus.Failed => "FAIL",
                _ => "skip",
            };
            await output.WriteLineAsync($"  {step.Name.PadRight(width)}  {status,-4}  {step.Detail}").ConfigureAwait(false);
        }

        var failed = _steps.Where(s => s.Status == CheckStatus.Failed).ToList();
        await output.WriteLineAsync(failed.Count == 0
            ? "Healthy."
            : "Unhealthy: " + string.Join(" | ", failed.Select(s => $"{s.Name}: {s.Detail}"))).ConfigureAwait(false);
    }
}
