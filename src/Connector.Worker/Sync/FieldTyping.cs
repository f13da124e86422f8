using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Connector.Referrals.Processing;
using Connector.Salesforce.Describe;

namespace Connector.Worker.Sync;

/// <summary>
/// Turns one JSON field value into the domain's typed <see cref="FieldValue"/> using the field's describe type. The
/// same field reads the same from every source: CometD CDC (datetimes <c>…000Z</c>), REST (<c>…000+0000</c>), and the
/// Pub/Sub shapes (dates as epoch days, datetimes as epoch milliseconds) some captures use.
/// </summary>
internal static partial class FieldTyping
{
    /// <summary>
    /// Null for JSON null. A value that does not fit its describe type (text in a currency field) is carried as text,
    /// never coerced: the domain reads a non-number revenue as a bad value and quarantines it rather than guessing.
    /// Without a describe entry the JSON kind decides (string → text, number → number, true/false → flag).
    /// </summary>
    public static FieldValue? Read(JsonElement value, FieldDescription? field)
    {
        if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        if (field is null)
        {
            return ByJsonKind(value);
        }

        return field.Type.ToLowerInvariant() switch
        {
            "currency" or "double" or "percent" or "int" or "long" => Number(value) is { } n ? FieldValue.Of(n) : Raw(value),
            "boolean" => Flag(value) is { } b ? FieldValue.Of(b) : Raw(value),
            "date" => Date(value) is { } d ? FieldValue.Of(d) : Raw(value),
            "datetime" => Timestamp(value) is { } t ? FieldValue.Of(t) : Raw(value),
            // string, picklist, multipicklist, reference, id, email, phone, url, textarea, combobox, time (no time value
            // in the domain): text as Salesforce renders it.
            _ => Raw(value),
        };
    }

    public static FieldValue ByJsonKind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => Number(value) is { } n ? FieldValue.Of(n) : Raw(value),
        JsonValueKind.True => FieldValue.Of(true),
        JsonValueKind.False => FieldValue.Of(false),
        _ => Raw(value),
    };

    /// <summary>REST <c>2026-01-05T10:00:00.000+0000</c>, streaming <c>…000Z</c>, or epoch milliseconds; always UTC.</summary>
    public static DateTimeOffset? Timestamp(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        // .NET reads "+00:00" but not Salesforce's REST "+0000".
        var text = CompactOffset().Replace(value.GetString()!, "$1:$2");
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.ToUniversalTime()
            : null;
    }

    private static decimal? Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetDecimal(out var d) => d,
        JsonValueKind.Number when value.TryGetDouble(out var d) && double.IsFinite(d) => (decimal)d,
        JsonValueKind.String when decimal.TryParse(value.GetString(), NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private static bool? Flag(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(value.GetString(), out var b) => b,
        _ => null,
    };

    private static DateOnly? Date(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var days))
        {
            // Pub/Sub (Avro) sends dates as days since 1970-01-01.
            return DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + days);
        }

        return value.ValueKind == JsonValueKind.String &&
            DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d
                : null;
    }

    private static FieldValue Raw(JsonElement value) =>
        FieldValue.Of(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText());

    [GeneratedRegex(@"([+-]\d{2})(\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex CompactOffset();
}
