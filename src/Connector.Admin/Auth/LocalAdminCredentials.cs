using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Connector.Admin;

/// <summary>
/// The locally configured administrators (headless operation): passwords kept as ASP.NET Core Identity hashes
/// (PBKDF2-HMAC-SHA512, salted), checked in constant time; neither passwords nor hashes are ever logged.
/// </summary>
public sealed class LocalAdminCredentials
{
    private static readonly PasswordHasher<string> Hasher = new();
    private readonly IOptionsMonitor<AdminOptions> _options;

    public LocalAdminCredentials(IOptionsMonitor<AdminOptions> options) => _options = options;

    /// <summary>The hash to configure as Admin:LocalAdmins:N:PasswordHash.</summary>
    public static string Hash(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        return Hasher.HashPassword(string.Empty, password);
    }

    /// <summary>Whether <paramref name="value"/> looks like a hash from <see cref="Hash"/> (version-3 format).</summary>
    public static bool IsHash(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var bytes = new byte[value.Length];
        return Convert.TryFromBase64String(value, bytes, out var length) && length >= 61 && bytes[0] == 0x01;
    }

    /// <summary>The configured username when the password matches; null otherwise (unknown user or wrong password alike).</summary>
    public string? Verify(string? username, string? password)
    {
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
        {
            return null;
        }

        var admin = _options.CurrentValue.LocalAdmins.FirstOrDefault(a => string.Equals(a.Username, username, StringComparison.OrdinalIgnoreCase));
        if (admin is null)
        {
            // Same work as a real check, so timing does not tell which usernames exist.
            Hasher.VerifyHashedPassword(string.Empty, DummyHash.Value, password);
            return null;
        }

        return Hasher.VerifyHashedPassword(string.Empty, admin.PasswordHash, password) is PasswordVerificationResult.Success or PasswordVerificationResult.SuccessRehashNeeded
            ? admin.Username
            : null;
    }

    private static readonly Lazy<string> DummyHash = new(() => Hash(Guid.NewGuid().ToString("N")));
}
