using System.Globalization;
using Connector.Referrals;
using Connector.Referrals.Processing;
using Connector.Salesforce.Describe;

namespace Connector.Worker.Sync;

/// <summary>
/// Field values that arrive as text: Bulk API 2.0 CSV cells. Typed by the describe exactly as the JSON sources are, so
/// one record reads the same from Bulk as from REST (a currency cell "1250.5" is the number REST sends as 1250.5; a
/// datetime "2026-01-05T10:00:00.000Z" the instant REST renders "…000+0000").
/// </summary>
internal static partial class FieldTyping
{
    /// <summary>How a column's text is read, decided once per column from its describe type.</summary>
    public enum TextKind
    {
        Text,
        Number,
        Flag,
        Date,
        Timestamp,
    }

    public static TextKind KindOf(FieldDescription? field) => field?.Type.ToLowerInvariant() switch
    {
        "currency" or "double" or "percent" or "int" or "long" => TextKind.Number,
        "boolean" => TextKind.Flag,
        "date" => TextKind.Date,
        "datetime" => TextKind.Timestamp,
        _ => TextKind.Text,
    };

    /// <summary>Null for an empty cell (Salesforce has no empty strings); a value that does not fit its type stays text, as in <see cref="Read"/>.</summary>
    public static FieldValue? ReadText(string? text, TextKind kind)
    {
        if (text is null)
        {
            return null;
        }

        return kind switch
        {
            TextKind.Number => decimal.TryParse(text, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var n) ? FieldValue.Of(n) : FieldValue.Of(text),
            TextKind.Flag => bool.TryParse(text, out var b) ? FieldValue.Of(b) : FieldValue.Of(text),
            TextKind.Date => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? FieldValue.Of(d) : FieldValue.Of(text),
            TextKind.Timestamp => TimestampText(text) is { } t ? FieldValue.Of(t) : FieldValue.Of(text),
            _ => FieldValue.Of(text),
        };
    }

    /// <summary>Bulk's <c>…000Z</c> (and REST's <c>…000+0000</c>), always UTC.</summary>
    public static DateTimeOffset? TimestampText(string text)
    {
        if (UtcTimestamp.TryParse(text, out var utc))
        {
            return utc;
        }

        var normalized = CompactOffset().Replace(text, "$1:$2");
        return DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.ToUniversalTime()
            : null;
    }
}
