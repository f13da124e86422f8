namespace Connector.SalesforceEmulator.Data;

/// <summary>
/// Salesforce record ids: a 3-character key prefix, 12 more case-sensitive characters, and a 3-character
/// case-insensitive checksum suffix that turns the 15-character id into the 18-character API form.
/// </summary>
public static class SalesforceIds
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string SuffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

    /// <summary>Builds the 18-character id for <paramref name="keyPrefix"/> and a sequence number.</summary>
    /// <remarks>Characters 4–5 are the pod ("5g"), as in real ids; the rest encodes the sequence in base 62.</remarks>
    public static string Create(string keyPrefix, long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        Span<char> id15 = stackalloc char[15];
        keyPrefix.AsSpan().CopyTo(id15);
        id15[3] = '5';
        id15[4] = 'g';
        var n = sequence;
        for (var i = 14; i >= 5; i--)
        {
            id15[i] = Base62[(int)(n % 62)];
            n /= 62;
        }

        return string.Concat(id15, Suffix(id15));
    }

    /// <summary>Normalises a 15- or 18-character id to 18 characters; null when the text is not an id.</summary>
    public static string? Normalize(string? id)
    {
        if (id is null || (id.Length != 15 && id.Length != 18))
        {
            return null;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return null;
            }
        }

        var head = id.AsSpan(0, 15);
        var suffix = Suffix(head);
        if (id.Length == 18 && !id.AsSpan(15).Equals(suffix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return id.Length == 18 ? string.Concat(head, suffix) : string.Concat(head, suffix);
    }

    public static bool IsValid(string? id) => Normalize(id) is not null;

    private static string Suffix(ReadOnlySpan<char> id15)
    {
        Span<char> suffix = stackalloc char[3];
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var bits = 0;
            for (var i = 0; i < 5; i++)
            {
                if (char.IsAsciiLetterUpper(id15[(chunk * 5) + i]))
                {
                    bits |= 1 << i;
                }
            }

            suffix[chunk] = SuffixAlphabet[bits];
        }

        return new string(suffix);
    }
}
