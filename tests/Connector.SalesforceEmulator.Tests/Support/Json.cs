using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Connector.SalesforceEmulator.Tests.Support;

public static class Json
{
    public static StringContent Body(object value) =>
        new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response) =>
        response.Content.Headers.ContentLength == 0 ? default : await response.Content.ReadFromJsonAsync<JsonElement>();

    public static string Str(this JsonElement e, string property) => e.GetProperty(property).GetString()!;
}
