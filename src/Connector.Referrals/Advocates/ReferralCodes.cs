using System.Security.Cryptography;
using System.Text;

namespace Connector.Referrals;

/// <summary>
/// Referral codes issued at enrolment: derived from the contact id, so issuing again (a redelivered invitation, a
/// second instance) gives the same code, and short enough to read out on a call or print on a card. Crockford base32
/// (no I, L, O, U) keeps them unambiguous; 8 characters after "R-" give 2^40 codes, so a clash is vanishingly rare and
/// still caught by the ledger's unique index.
/// </summary>
public static class ReferralCodes
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string For(string contactId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contactId);
        var key = RecordIds.Key(contactId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("referral-code:" + key));
        var code = new StringBuilder("R-", 10);
        var bits = BitConverter.ToUInt64(hash, 0);
        for (var i = 0; i < 8; i++)
        {
            code.Append(Alphabet[(int)(bits & 31)]);
            bits >>= 5;
        }

        return code.ToString();
    }

    /// <summary>The shareable link for a code, on the program's landing page.</summary>
    public static Uri LinkFor(Uri landingPage, string code)
    {
        ArgumentNullException.ThrowIfNull(landingPage);
        return new Uri(landingPage, "?ref=" + Uri.EscapeDataString(code));
    }
}
