using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.Referrals.Processing;

namespace Connector.Ledger.Applying;

/// <summary>
/// A <see cref="SalesforceChange"/> as the quarantine's JSON payload, kept whole (typed values, nulled fields, which
/// fields changed) so that re-applying it after a fix decides on exactly what arrived. Numbers are written as text:
/// JSON readers (and PostgreSQL's jsonb) may not keep a decimal's scale.
/// </summary>
public static class ChangeJson
{
    public static string Serialize(SalesforceChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var fields = new JsonObject();
        foreach (var (name, value) in change.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            fields[name] = value switch
            {
                null => null,
                FieldValue.TextValue t => new JsonObject { ["text"] = t.Value },
                FieldValue.NumberValue n => new JsonObject { ["number"] = n.ToString() },
                FieldValue.FlagValue f => new JsonObject { ["flag"] = f.Value },
                FieldValue.DateValue d => new JsonObject { ["date"] = d.ToString() },
                FieldValue.TimestampValue t => new JsonObject { ["timestamp"] = t.ToString() },
                _ => throw new ArgumentException($"Unsupported field value {value.GetType().Name}.", nameof(change)),
            };
        }

        var root = new JsonObject
        {
            ["eventKey"] = change.EventKey,
            ["entity"] = change.Entity.ToString(),
            ["recordId"] = change.RecordId,
            ["kind"] = change.Kind.ToString(),
            ["commitTimestamp"] = change.CommitTimestamp.ToString("O", CultureInfo.InvariantCulture),
            ["isSnapshot"] = change.IsSnapshot,
            ["changedFields"] = new JsonArray([.. change.ChangedFields.Order(StringComparer.Ordinal).Select(f => (JsonNode?)JsonValue.Create(f))]),
            ["fields"] = fields,
        };
        return root.ToJsonString();
    }

    public static SalesforceChange Deserialize(string json)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(json);
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("The payload is not a JSON object.");
        string Text(string name) => root[name]?.GetValue<string>() ?? throw new JsonException($"The payload has no '{name}'.");

        var fields = FieldValues.CreateBuilder();
        foreach (var (name, node) in root["fields"]?.AsObject() ?? [])
        {
            fields[name] = node is not JsonObject value ? null : value.First() switch
            {
                { Key: "text", Value: var v } => FieldValue.Of(v!.GetValue<string>()),
                { Key: "number", Value: var v } => FieldValue.Of(decimal.Parse(v!.GetValue<string>(), NumberStyles.Number, CultureInfo.InvariantCulture)),
                { Key: "flag", Value: var v } => FieldValue.Of(v!.GetValue<bool>()),
                { Key: "date", Value: var v } => FieldValue.Of(DateOnly.ParseExact(v!.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture)),
                { Key: "timestamp", Value: var v } => FieldValue.Of(DateTimeOffset.Parse(v!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)),
                var other => throw new JsonException($"Field {name}: unknown value type '{other.Key}'."),
            };
        }

        return new SalesforceChange
        {
            EventKey = Text("eventKey"),
            Entity = Enum.Parse<ChangeEntity>(Text("entity")),
            RecordId = Text("recordId"),
            Kind = Enum.Parse<ChangeKind>(Text("kind")),
            CommitTimestamp = DateTimeOffset.Parse(Text("commitTimestamp"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            IsSnapshot = root["isSnapshot"]?.GetValue<bool>() ?? false,
            ChangedFields = (root["changedFields"]?.AsArray() ?? []).Select(n => n!.GetValue<string>()).ToImmutableHashSet(StringComparer.OrdinalIgnoreCase),
            Fields = fields.ToFieldValues(),
        };
    }
}
