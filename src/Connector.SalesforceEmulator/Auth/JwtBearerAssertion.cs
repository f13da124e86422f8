using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>An OAuth error as the token endpoint reports it.</summary>
public sealed record OAuthError(string Error, string Description)
{
    public static OAuthError InvalidGrant(string description) => new("invalid_grant", description);
}

/// <summary>
/// Checks a JWT bearer assertion the way Salesforce does (fact sheet §1.2): RS256 only, signed by the key of the
/// connected app's certificate, iss = consumer key, aud = a login host, exp in the future and at most about three
/// minutes ahead, sub (or legacy prn, which wins) = the username.
/// </summary>
public sealed class JwtBearerAssertion : IDisposable
{
    /// <summary>Salesforce wants exp "within 3 minutes"; clients commonly send now + 5 minutes, which real orgs accept.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(3);
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(3);

    private static readonly string[] LoginHosts = ["https://login.salesforce.com", "https://test.salesforce.com"];

    private readonly Lazy<RSA> _key;
    private readonly ConnectedApp _app;
    private readonly TimeProvider _time;

    public JwtBearerAssertion(IOptions<EmulatorOptions> options, ConnectedApp app, TimeProvider time)
    {
        _key = new Lazy<RSA>(() => JwtSigningCertificate.LoadPublicKey(options.Value.JwtCertificatePath));
        _app = app;
        _time = time;
    }

    /// <summary>The asserted username, or the error Salesforce would answer with.</summary>
    public (string? Username, OAuthError? Error) Verify(string? assertion, string emulatorBaseUrl)
    {
        var invalid = OAuthError.InvalidGrant("invalid assertion");
        var parts = assertion?.Split('.');
        if (parts is not { Length: 3 } || !TryDecodeJson(parts[0], out var header) || !TryDecodeJson(parts[1], out var claims))
        {
            return (null, invalid);
        }

        using (header)
        using (claims)
        {
            if (header.RootElement.ValueKind != JsonValueKind.Object || claims.RootElement.ValueKind != JsonValueKind.Object
                || Str(header.RootElement, "alg") != "RS256")
            {
                return (null, invalid);
            }

            if (!_app.IsClientId(Str(claims.RootElement, "iss")))
            {
                return (null, new OAuthError("invalid_client_id", "client identifier invalid"));
            }

            if (!VerifySignature(parts))
            {
                return (null, invalid);
            }

            if (!AudienceMatches(claims.RootElement, emulatorBaseUrl))
            {
                return (null, OAuthError.InvalidGrant("audience is invalid"));
            }

            var now = _time.GetUtcNow();
            if (ReadExp(claims.RootElement) is not { } exp || exp <= now || exp > now + MaxLifetime + ClockSkew)
            {
                return (null, OAuthError.InvalidGrant("expired authorization code"));
            }

            var username = Str(claims.RootElement, "prn") ?? Str(claims.RootElement, "sub");
            return username is null ? (null, invalid) : (username, null);
        }
    }

    public void Dispose()
    {
        if (_key.IsValueCreated)
        {
            _key.Value.Dispose();
        }
    }

    private bool VerifySignature(string[] parts)
    {
        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        return _key.Value.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private static bool AudienceMatches(JsonElement claims, string emulatorBaseUrl)
    {
        if (!claims.TryGetProperty("aud", out var aud))
        {
            return false;
        }

        IEnumerable<string?> values = aud.ValueKind switch
        {
            JsonValueKind.String => [aud.GetString()],
            JsonValueKind.Array => aud.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.String ? a.GetString() : null),
            _ => [],
        };
        return values.Any(v => v is not null && (LoginHosts.Contains(v.TrimEnd('/'), StringComparer.OrdinalIgnoreCase)
            || string.Equals(v.TrimEnd('/'), emulatorBaseUrl.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)));
    }

    private static DateTimeOffset? ReadExp(JsonElement claims)
    {
        if (!claims.TryGetProperty("exp", out var exp))
        {
            return null;
        }

        // Some client libraries send exp as a numeric string; Salesforce reads it either way.
        double seconds;
        if (exp.ValueKind == JsonValueKind.Number)
        {
            seconds = exp.GetDouble();
        }
        else if (exp.ValueKind != JsonValueKind.String || !double.TryParse(exp.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
        {
            return null;
        }

        return seconds is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool TryDecodeJson(string segment, out JsonDocument document)
    {
        document = null!;
        try
        {
            document = JsonDocument.Parse(Base64Url.DecodeFromChars(segment));
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }
}
