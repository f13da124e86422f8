using System.Text.Json;

namespace Connector.Salesforce.Tests.Support;

/// <summary>Real Salesforce response bodies copied to the test output (tests/fixtures/salesforce).</summary>
public static class Fixtures
{
    public static JsonElement Json(string relative)
    {
        using var doc = JsonDocument.Parse(Text(relative));
        return doc.RootElement.Clone();
    }

    public static string Text(string relative) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", relative));
}
