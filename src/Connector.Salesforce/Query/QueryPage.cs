using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Connector.Salesforce.Query;

/// <summary>One page of a REST query answer: <c>{totalSize, done, nextRecordsUrl?, records[]}</c> (fact sheet §2.3).</summary>
public sealed record QueryPage(int TotalSize, bool Done, string? NextRecordsUrl, IReadOnlyList<JsonElement> Records)
{
    /// <summary>Parses a page; records are cloned so they outlive the document they came from.</summary>
    public static QueryPage Parse(JsonElement page)
    {
        var total = page.TryGetProperty("totalSize", out var t) && t.TryGetInt32(out var n) ? n : 0;
        var done = !page.TryGetProperty("done", out var d) || d.ValueKind != JsonValueKind.False;
        var next = page.TryGetProperty("nextRecordsUrl", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        var records = page.TryGetProperty("records", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(x => x.Clone()).ToList()
            : [];
        // nextRecordsUrl is only meaningful while done is false; an answer carrying both is taken at "done".
        return new QueryPage(total, done, done ? null : next, records);
    }
}

/// <summary>Per-query settings.</summary>
public sealed record QueryOptions
{
    public static readonly QueryOptions Default = new();

    /// <summary>Sforce-Query-Options batchSize (200–2000; Salesforce may still send smaller pages). Null: Salesforce's default (2000).</summary>
    public int? BatchSize { get; init; }

    public Http.CallPriority Priority { get; init; } = Http.CallPriority.Normal;

    /// <summary>How records become T; default: case-insensitive names and Salesforce's datetime format.</summary>
    public JsonSerializerOptions? Json { get; init; }

    internal void Validate()
    {
        if (BatchSize is { } b && b is < 200 or > 2000)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), b, "Sforce-Query-Options batchSize must be 200..2000.");
        }
    }
}

/// <summary>JSON settings for reading records: Salesforce names match properties case-insensitively.</summary>
public static class SalesforceRecordJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new SalesforceDateTimeOffsetConverter() },
    };
}

/// <summary>
/// Reads Salesforce datetimes (<c>2013-05-20T20:49:32.000+0000</c>: no colon in the offset, which the default
/// reader refuses) as well as ISO 8601; writes ISO 8601 in UTC.
/// </summary>
public sealed class SalesforceDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.ToUniversalTime()
            : throw new JsonException($"'{text}' is not a datetime.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}
