namespace Connector.Referrals;

/// <summary>Salesforce record ids: a record's 15- and 18-character ids name it alike.</summary>
public static class RecordIds
{
    /// <summary>The case-sensitive 15-character form, equal for a record's 15- and 18-character ids.</summary>
    public static string Key(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.Length >= 15 ? id[..15] : id;
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> name the same record.</summary>
    public static bool Same(string a, string b) => string.Equals(Key(a), Key(b), StringComparison.Ordinal);
}
