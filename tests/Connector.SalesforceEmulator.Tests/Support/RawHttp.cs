using System.Net.Sockets;
using System.Text;

namespace Connector.SalesforceEmulator.Tests.Support;

/// <summary>Reads response headers byte for byte (HttpClient normalises them, e.g. adds a space after ';').</summary>
public static class RawHttp
{
    public static async Task<string> GetHeadAsync(Uri baseUrl, string path, string? bearer = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseUrl.Host, baseUrl.Port);
        await using var stream = client.GetStream();
        var request = $"GET {path} HTTP/1.1\r\nHost: {baseUrl.Authority}\r\nConnection: close\r\n" +
            (bearer is null ? string.Empty : $"Authorization: Bearer {bearer}\r\n") + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }
}
