using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>A user as the login host sees it.</summary>
public sealed record OrgUser(
    string Id, string Username, string? FirstName, string? LastName, string DisplayName, string? Email,
    bool IsActive, string UserType, string? TimeZone, DateTimeOffset? LastModifiedDate)
{
    /// <summary>Automated Process users cannot log in or be impersonated through a connected app.</summary>
    public bool CanLogIn => UserType == "Standard";
}

/// <summary>
/// Who can log in to the emulated org. Every user shares the configured development password
/// (<c>Emulator:Password</c>); the org has no per-user credentials.
/// </summary>
public sealed class OrgUsers
{
    private readonly OrgStore _store;
    private readonly EmulatorOptions _options;

    public OrgUsers(OrgStore store, IOptions<EmulatorOptions> options)
    {
        _store = store;
        _options = options.Value;
    }

    public OrgUser? FindByUsername(string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            return null;
        }

        return _store.Read(r => r.All("User")
            .Where(u => string.Equals(u.GetString("Username"), username, StringComparison.OrdinalIgnoreCase))
            .Select(ToUser)
            .FirstOrDefault());
    }

    public OrgUser? FindById(string? id) =>
        id is null ? null : _store.Read(r => r.Find(id) is { Schema.Name: "User", IsDeleted: false } u ? ToUser(u) : null);

    public bool CheckPassword(string? password) =>
        password is not null && CryptographicEquals(password, _options.Password);

    internal static bool CryptographicEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));

    private static OrgUser ToUser(SObjectRecord u)
    {
        var first = u.GetString("FirstName");
        var last = u.GetString("LastName");
        var name = u.GetString("Name") ?? string.Join(' ', new[] { first, last }.Where(s => !string.IsNullOrEmpty(s)));
        return new OrgUser(u.Id, u.GetString("Username")!, first, last, name, u.GetString("Email"),
            u.Get("IsActive") is not false, u.GetString("UserType") ?? "Standard", u.GetString("TimeZoneSidKey"),
            u.GetDateTime("LastModifiedDate"));
    }
}
