using System.Collections.Immutable;
using System.Globalization;

namespace Connector.Referrals.Processing;

/// <summary>The Salesforce objects whose changes the referral domain reads.</summary>
public enum ChangeEntity
{
    Lead,
    Opportunity,
    Contact,

    /// <summary>Advocate__c.</summary>
    Advocate,
}

public enum ChangeKind
{
    Create,
    Update,
    Delete,
    Undelete,

    /// <summary>A CDC GAP_* event: something changed but the event does not say what; the record must be re-read.</summary>
    Gap,
}

/// <summary>A typed field value as the Salesforce client reads it (text, id, picklist → Text; number, currency → Number).</summary>
public abstract record FieldValue
{
    private FieldValue()
    {
    }

    public static FieldValue Of(string value) => new TextValue(value);

    public static FieldValue Of(decimal value) => new NumberValue(value);

    public static FieldValue Of(bool value) => new FlagValue(value);

    public static FieldValue Of(DateOnly value) => new DateValue(value);

    public static FieldValue Of(DateTimeOffset value) => new TimestampValue(value);

    /// <summary>From the values the client library produces (string, bool, int, long, double, decimal, DateOnly, DateTimeOffset).</summary>
    public static FieldValue? FromObject(object? value) => value switch
    {
        null => null,
        FieldValue v => v,
        string s => Of(s),
        bool b => Of(b),
        decimal d => Of(d),
        int i => Of(i),
        long l => Of(l),
        double d => Of((decimal)d),
        DateOnly d => Of(d),
        DateTimeOffset t => Of(t),
        DateTime t => Of(new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))),
        _ => throw new ArgumentException($"Unsupported field value type {value.GetType().Name}.", nameof(value)),
    };

    public sealed record TextValue(string Value) : FieldValue
    {
        public override string ToString() => Value;
    }

    public sealed record NumberValue(decimal Value) : FieldValue
    {
        public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
    }

    public sealed record FlagValue(bool Value) : FieldValue
    {
        public override string ToString() => Value ? "true" : "false";
    }

    public sealed record DateValue(DateOnly Value) : FieldValue
    {
        public override string ToString() => Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    public sealed record TimestampValue(DateTimeOffset Value) : FieldValue
    {
        public override string ToString() => Value.ToString("O", CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// A Salesforce change normalized from any source: a CDC event, a catch-up query row, a Bulk backfill row.
/// <para><see cref="EventKey"/> identifies the change for idempotency: "cdc:{replayId}" for a CDC event,
/// "{transactionKey}:{sequenceNumber}" where the replay id is not stable, "sync:{Id}:{SystemModstamp}" for a query row.</para>
/// <para><see cref="Fields"/> holds the fields the source carried, after the change. A key present with a null value
/// means the field was set to null (CDC nulledFields); an absent key means unknown or unchanged — CDC update events
/// carry only the changed fields, so <see cref="IsSnapshot"/> says whether every field is present.</para>
/// </summary>
public sealed record SalesforceChange
{
    public required string EventKey { get; init; }
    public required ChangeEntity Entity { get; init; }
    public required string RecordId { get; init; }
    public required ChangeKind Kind { get; init; }

    /// <summary>CDC commitTimestamp, or SystemModstamp for query rows: the order of changes to one record.</summary>
    public required DateTimeOffset CommitTimestamp { get; init; }

    public FieldValues Fields { get; init; } = FieldValues.Empty;

    public ImmutableHashSet<string> ChangedFields { get; init; } = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when <see cref="Fields"/> holds the whole record (creates, undeletes, query rows), false for partial CDC updates.</summary>
    public bool IsSnapshot { get; init; }

    public static FieldValues FieldsOf(params (string Name, object? Value)[] fields) =>
        FieldValues.From(fields.Select(f => KeyValuePair.Create(f.Name, FieldValue.FromObject(f.Value))));

    public bool Has(string field) => Fields.ContainsKey(field);

    public FieldValue? Value(string field) => Fields.TryGetValue(field, out var value) ? value : null;

    /// <summary>The field as text (ids, picklists, strings); other types are rendered; null when absent or null.</summary>
    public string? Text(string field) => Value(field) switch
    {
        null => null,
        FieldValue.TextValue t => string.IsNullOrEmpty(t.Value) ? null : t.Value,
        var other => other.ToString(),
    };

    public bool? Flag(string field) => Value(field) switch
    {
        FieldValue.FlagValue f => f.Value,
        FieldValue.TextValue t when bool.TryParse(t.Value, out var b) => b,
        _ => null,
    };

    public DateOnly? Date(string field) => Value(field) switch
    {
        FieldValue.DateValue d => d.Value,
        FieldValue.TimestampValue t => DateOnly.FromDateTime(t.Value.UtcDateTime),
        FieldValue.TextValue t when DateOnly.TryParseExact(t.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) => d,
        _ => null,
    };

    private static readonly string[] SummaryValues =
        ["Status", "IsConverted", "ConvertedOpportunityId", "StageName", "Advocate__c", "Referral_Code__c", "Amount", "CurrencyIsoCode"];

    /// <summary>
    /// Short description for quarantine and logs: what, when, which fields, and the values of the routing/state fields
    /// only — names, emails and phones are personal data and stay in the stored payload.
    /// </summary>
    public string Summary()
    {
        var values = SummaryValues.Where(Has).Select(f => $"{f}={Value(f)?.ToString() ?? "null"}");
        return $"{Entity} {RecordId} {Kind} at {CommitTimestamp.ToString("O", CultureInfo.InvariantCulture)} (event {EventKey}; " +
            $"{string.Join(", ", values)}; fields: {string.Join(", ", Fields.Keys.Order(StringComparer.Ordinal))})";
    }
}
