using System.Globalization;
using System.Text.Json;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Data;

/// <summary>Converts between the wire (JSON, SOQL/CSV text) and the typed values records hold.</summary>
public static class FieldValues
{
    /// <summary>REST JSON datetime: milliseconds and a colon-less offset, always UTC.</summary>
    public const string RestDateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'+0000'";
    /// <summary>CDC (CometD) and Bulk CSV datetime: milliseconds and Z.</summary>
    public const string StreamingDateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    private static readonly string[] DateTimeInputFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFzz00", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd",
    ];

    /// <summary>Reads a JSON value for <paramref name="field"/>; throws the error the real API returns for a bad one.</summary>
    public static object? FromJson(SObjectSchema sobject, FieldSchema field, JsonElement json)
    {
        if (json.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        try
        {
            return field.Type switch
            {
                FieldType.Boolean => json.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.String when bool.TryParse(json.GetString(), out var b) => b,
                    _ => throw JsonError(field, json),
                },
                FieldType.Int => json.ValueKind == JsonValueKind.Number ? json.GetInt32()
                    : int.Parse(json.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture),
                FieldType.Double or FieldType.Currency or FieldType.Percent => json.ValueKind == JsonValueKind.Number
                    ? json.GetDecimal()
                    : decimal.Parse(json.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
                FieldType.Date => ParseDate(json.GetString()!),
                FieldType.DateTime => ParseDateTime(json.GetString()!),
                FieldType.Time => TimeOnly.Parse(json.GetString()!.TrimEnd('Z'), CultureInfo.InvariantCulture),
                _ when json.ValueKind == JsonValueKind.String => json.GetString(),
                _ when json.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => json.GetRawText(),
                _ => throw JsonError(field, json),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw new SalesforceException(400, "JSON_PARSER_ERROR",
                $"Cannot deserialize instance of {field.WireType} from {TokenName(json)} value {json.GetRawText().Trim('"')} or request may be missing a required field");
        }

        static SalesforceException JsonError(FieldSchema field, JsonElement json) => new(400, "JSON_PARSER_ERROR",
            $"Cannot deserialize instance of {field.WireType} from {TokenName(json)} value {json.GetRawText().Trim('"')} or request may be missing a required field");
    }

    /// <summary>Parses text (SOQL literal content, CSV cell, simulation input) into the field's value type.</summary>
    public static object? FromText(FieldSchema field, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return field.Type switch
        {
            FieldType.Boolean => bool.Parse(text),
            FieldType.Int => int.Parse(text, CultureInfo.InvariantCulture),
            FieldType.Double or FieldType.Currency or FieldType.Percent => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
            FieldType.Date => ParseDate(text),
            FieldType.DateTime => ParseDateTime(text),
            FieldType.Time => TimeOnly.Parse(text.TrimEnd('Z'), CultureInfo.InvariantCulture),
            _ => text,
        };
    }

    public static DateOnly ParseDate(string text) =>
        DateOnly.ParseExact(text.Length > 10 ? text[..10] : text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseDateTime(string text)
    {
        // Salesforce's own output form "…+0000" is accepted back, as the real API does.
        if (text.Length > 5 && (text[^5] == '+' || text[^5] == '-') && char.IsAsciiDigit(text[^1]) && text[^3] != ':')
        {
            text = string.Concat(text.AsSpan(0, text.Length - 2), ":", text.AsSpan(text.Length - 2));
        }

        return DateTimeOffset.ParseExact(text, DateTimeInputFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal).ToUniversalTime();
    }

    /// <summary>Writes a value as REST JSON (datetimes as ….000+0000) or streaming JSON (….000Z).</summary>
    public static void WriteJson(Utf8JsonWriter writer, FieldSchema field, object? value, bool streaming = false)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case decimal d:
                WriteNumber(writer, field, d);
                break;
            case DateTimeOffset dt:
                writer.WriteStringValue(FormatDateTime(dt, streaming));
                break;
            case DateOnly date:
                writer.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case TimeOnly time:
                writer.WriteStringValue(time.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) + "Z");
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>Text form used in CSV (Bulk API 2.0) and in SOQL comparisons of text.</summary>
    public static string ToText(object? value) => value switch
    {
        null => string.Empty,
        bool b => b ? "true" : "false",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        DateTimeOffset dt => FormatDateTime(dt, streaming: true),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly time => time.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) + "Z",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    public static string FormatDateTime(DateTimeOffset value, bool streaming = false) =>
        value.UtcDateTime.ToString(streaming ? StreamingDateTimeFormat : RestDateTimeFormat, CultureInfo.InvariantCulture);

    private static void WriteNumber(Utf8JsonWriter writer, FieldSchema field, decimal d)
    {
        // Salesforce serialises doubles with a fraction ("1.0"), as Java's Double.toString does.
        if (field.Type != FieldType.Int && d == decimal.Truncate(d))
        {
            writer.WriteRawValue(decimal.Truncate(d).ToString(CultureInfo.InvariantCulture) + ".0");
        }
        else
        {
            writer.WriteNumberValue(d);
        }
    }

    private static string TokenName(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.String => "VALUE_STRING",
        JsonValueKind.Number => "VALUE_NUMBER_INT",
        JsonValueKind.True => "VALUE_TRUE",
        JsonValueKind.False => "VALUE_FALSE",
        JsonValueKind.Array => "START_ARRAY",
        JsonValueKind.Object => "START_OBJECT",
        _ => "VALUE_NULL",
    };
}
