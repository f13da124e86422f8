using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Connector.Referrals.Processing;
using Connector.Salesforce.Describe;
using Connector.Salesforce.Streaming;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connector.Worker.Sync;

/// <summary>
/// Turns what Salesforce delivers into the domain's <see cref="SalesforceChange"/>: Change Data Capture events from the
/// Streaming API, and records from REST queries (catch-up, resync, reconciliation). Pure apart from a debug log: the
/// caller passes the object's describe (from <see cref="DescribeCache"/>), nothing here calls Salesforce.
/// <para>Event keys. CDC: <c>cdc:{transactionKey}:{sequenceNumber}:{recordId}</c> — transactionKey + sequenceNumber
/// identify an event whatever channel or replay delivered it (a replay id is per channel and changes when the same event
/// arrives on /data/ChangeEvents and /data/LeadChangeEvent), and one event can name several records, each its own
/// change. Only a server without transaction keys falls back to <c>cdc:replay:{replayId}:{recordId}</c>. Query rows:
/// <c>sync:{Id}:{SystemModstamp}</c> with the stamp in UTC round-trip ("O") form, so the REST, Bulk and streaming
/// renderings of one instant give one key.</para>
/// <para>Field values are typed by the describe: currency/double/percent/int → number, boolean → flag, date → date,
/// datetime → timestamp (UTC), everything else (reference, id, string, picklist, …) → text. Field names take the
/// describe's spelling. A field missing from the describe (added after it was cached) is carried, typed by its JSON kind
/// and logged at debug once: dropping it could hide a change the domain reads, and its text is never misread.
/// Money: the domain builds it from the number in the revenue field (<see cref="ProgramConfig.RevenueField"/>) and
/// CurrencyIsoCode itself, so both are passed through as they are.</para>
/// <para>CometD change events leave out null and unchanged fields and nest compound fields (Name {FirstName,
/// LastName}, BillingAddress {Street, City, …}) while changedFields name the parts ("Name.LastName"); both are flattened
/// to the component fields REST uses (FirstName, BillingCity). So an UPDATE field listed as changed but absent from the
/// payload was set to null (fact sheet §4.7, inferred; Pub/Sub nulledFields are honoured too), and a CREATE or UNDELETE
/// — a snapshot — gets an explicit null for every nillable field change events carry but the payload left out.</para>
/// </summary>
public sealed class ChangeNormalizer
{
    /// <summary>Fields change events never carry (fact sheet §4.7) or that are not record data; never nulled on a snapshot.</summary>
    private static readonly FrozenSet<string> NotInChangeEvents =
        new[] { "Id", "IsDeleted", "SystemModstamp", "LastViewedDate", "LastReferencedDate" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _unknownLogged = new(StringComparer.OrdinalIgnoreCase);

    public ChangeNormalizer(ILogger<ChangeNormalizer>? logger = null) => _logger = logger ?? NullLogger<ChangeNormalizer>.Instance;

    /// <summary>
    /// A change event (a <see cref="GapDetected"/> or <see cref="Overflow"/> signal passes its <c>Event</c>).
    /// <paramref name="describe"/> is the describe of the event's <c>entityName</c>.
    /// </summary>
    public NormalizedEvent FromEvent(StreamingEvent streamingEvent, SObjectDescription describe)
    {
        ArgumentNullException.ThrowIfNull(streamingEvent);
        ArgumentNullException.ThrowIfNull(describe);
        var result = Normalize(streamingEvent, describe);
        if (result.Skipped is { } reason)
        {
            Log.EventSkipped(_logger, streamingEvent.Channel, streamingEvent.ReplayId, reason);
        }

        return result;
    }

    /// <summary>
    /// A record from a REST query (with <c>attributes</c>, <c>Id</c> and <c>SystemModstamp</c>; from queryAll also
    /// <c>IsDeleted</c>): a snapshot of the fields the query selected, or a delete when IsDeleted is true. Related
    /// records in the row (<c>Owner: {attributes, IsActive}</c>) become dotted fields ("Owner.IsActive") typed by JSON kind.
    /// </summary>
    /// <exception cref="ArgumentException">The row is not a synced object or lacks Id / SystemModstamp: the worker's
    /// own query is wrong, which no retry fixes.</exception>
    public SalesforceChange FromRecord(JsonElement record, SObjectDescription describe)
    {
        ArgumentNullException.ThrowIfNull(describe);
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"A query record is a JSON object, not {record.ValueKind}.", nameof(record));
        }

        var sobject = record.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object &&
            attributes.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                ? type.GetString()!
                : describe.Name;
        var entity = EntityOf(sobject, describe);
        var id = record.TryGetProperty("Id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString()! : null;
        if (string.IsNullOrEmpty(id))
        {
            throw new ArgumentException($"A {sobject} query record without Id cannot be keyed: select Id.", nameof(record));
        }

        var modstamp = record.TryGetProperty("SystemModstamp", out var stamp) ? FieldTyping.Timestamp(stamp) : null;
        if (modstamp is not { } committed)
        {
            throw new ArgumentException($"{sobject} {id} has no SystemModstamp: select it, the change is ordered and keyed by it.", nameof(record));
        }

        var fields = EmptyFields();
        foreach (var property in record.EnumerateObject())
        {
            if (property.NameEquals("attributes"))
            {
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                // A related record (has attributes) is flattened; a compound value (Address {street, …}) is skipped as its
                // components come as fields of their own.
                if (property.Value.TryGetProperty("attributes", out _))
                {
                    AddRelated(fields, property.Name, property.Value);
                }

                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Array)
            {
                continue;
            }

            var (name, field) = Resolve(describe, property.Name);
            fields[name] = FieldTyping.Read(property.Value, field);
        }

        var deleted = record.TryGetProperty("IsDeleted", out var isDeleted) && isDeleted.ValueKind == JsonValueKind.True;
        return new SalesforceChange
        {
            EventKey = SyncKey(id, committed),
            Entity = entity,
            RecordId = id,
            Kind = deleted ? ChangeKind.Delete : ChangeKind.Update,
            CommitTimestamp = AsOf(committed),
            Fields = fields.ToFieldValues(),
            IsSnapshot = true,
        };
    }

    /// <summary>
    /// The instant a query row reflects. REST renders SystemModstamp to the second (…:34.000+0000) while change events
    /// carry commit times to the millisecond, so a row stamped 14:52:34 already contains every change committed in that
    /// second — an event committed at 14:52:34.100 is older than the row, not newer. Ordering the row at the end of its
    /// second keeps such an event from rolling the record back (a reopened deal, a voided reward). Safe because query
    /// rows are only applied once settled: catch-up reads stop a second short of now, and resyncs re-read rows stamped in
    /// the current second (<see cref="IsSettled"/>), so no change can still land in a row's second after it was read.
    /// </summary>
    public static DateTimeOffset AsOf(DateTimeOffset systemModstamp) =>
        systemModstamp.Ticks % TimeSpan.TicksPerSecond == 0 ? systemModstamp.AddTicks(TimeSpan.TicksPerSecond - TimeSpan.TicksPerMillisecond) : systemModstamp;

    /// <summary>Whether a row stamped <paramref name="systemModstamp"/> and read at <paramref name="readAt"/> can no longer gain changes in its stamp's second.</summary>
    public static bool IsSettled(DateTimeOffset systemModstamp, DateTimeOffset readAt) =>
        readAt - systemModstamp >= TimeSpan.FromSeconds(2);

    /// <summary>The key of a query row: "sync:{Id}:{SystemModstamp}" (UTC, round-trip form).</summary>
    public static string SyncKey(string id, DateTimeOffset systemModstamp) =>
        $"sync:{id}:{systemModstamp.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)}";

    /// <summary>The key of one record's change in a CDC event: "cdc:{transactionKey}:{sequenceNumber}:{recordId}".</summary>
    public static string CdcKey(string transactionKey, int sequenceNumber, string recordId) =>
        $"cdc:{transactionKey}:{sequenceNumber.ToString(CultureInfo.InvariantCulture)}:{recordId}";

    private NormalizedEvent Normalize(StreamingEvent e, SObjectDescription describe)
    {
        if (e.ChangeEventHeader is not { } header)
        {
            return NormalizedEvent.Skip("not a change event (no ChangeEventHeader)");
        }

        if (!SyncedObjects.TryGetEntity(header.EntityName, out var synced))
        {
            return NormalizedEvent.Skip($"{header.EntityName} is not an object the connector syncs");
        }

        var entity = synced.Value;
        EntityOf(header.EntityName, describe);
        var payload = e.Payload.ValueKind == JsonValueKind.Object ? e.Payload : default;
        var committed = header.CommitTimestamp
            ?? (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("LastModifiedDate", out var lm) ? FieldTyping.Timestamp(lm) : null)
            ?? e.CreatedDate;
        string KeyFor(string recordId) => header.TransactionKey is { Length: > 0 } tx
            ? CdcKey(tx, header.SequenceNumber, recordId)
            : $"cdc:replay:{e.ReplayId?.ToString(CultureInfo.InvariantCulture)}:{recordId}";

        if (header.TransactionKey is not { Length: > 0 } && e.ReplayId is null)
        {
            return NormalizedEvent.Skip($"{header.ChangeType} {header.EntityName} event has neither transactionKey nor replay id: it cannot be keyed");
        }

        var ids = header.RecordIds.Where(id => id.Length > 0).ToList();
        if (header.IsOverflow || ids.Count == 0 || ids.Any(id => id.Contains('*', StringComparison.Ordinal)))
        {
            var why = header.IsOverflow
                ? "GAP_OVERFLOW: the transaction changed more than change events carry"
                : ids.Count == 0 ? $"{header.ChangeType} event names no record" : $"{header.ChangeType} event names records by wildcard ({string.Join(", ", ids)})";
            return new NormalizedEvent([], new EntityResync(entity, describe.Name, KeyFor(header.IsOverflow ? "overflow" : "all"), committed,
                $"{why}; {describe.Name} must be caught up by query"));
        }

        if (committed is not { } at)
        {
            return NormalizedEvent.Skip($"{header.ChangeType} {header.EntityName} event has no commitTimestamp: it cannot be ordered");
        }

        var (kind, snapshot) = header.ChangeType switch
        {
            "CREATE" => (ChangeKind.Create, true),
            "UNDELETE" => (ChangeKind.Undelete, true),
            "UPDATE" => (ChangeKind.Update, false),
            "DELETE" => (ChangeKind.Delete, false),
            _ when header.IsGap => (ChangeKind.Gap, false),
            // An unknown change type (SNAPSHOT is reserved) says something changed but not what: re-read like a gap.
            _ => (ChangeKind.Gap, false),
        };

        var fields = EmptyFields();
        var changed = ImmutableHashSet.CreateBuilder<string>(StringComparer.OrdinalIgnoreCase);
        if (kind is ChangeKind.Create or ChangeKind.Undelete or ChangeKind.Update && payload.ValueKind == JsonValueKind.Object)
        {
            ReadPayload(fields, payload, describe);
        }

        if (kind == ChangeKind.Update)
        {
            foreach (var name in header.ChangedFields.Concat(header.NulledFields))
            {
                var field = FieldName(describe, name);
                changed.Add(field);
                // CometD leaves null values out: a changed field the payload does not carry was set to null.
                fields.TryAdd(field, null);
            }

            foreach (var name in header.NulledFields)
            {
                fields[FieldName(describe, name)] = null;
            }
        }
        else if (snapshot)
        {
            foreach (var field in describe.Fields.Where(f => CarriedByChangeEvents(describe, f) && f.Nillable))
            {
                fields.TryAdd(field.Name, null);
            }
        }

        var builtFields = fields.ToFieldValues();
        var builtChanged = changed.ToImmutable();
        var changes = ids.Select(id => new SalesforceChange
        {
            EventKey = KeyFor(id),
            Entity = entity,
            RecordId = id,
            Kind = kind,
            CommitTimestamp = at,
            Fields = builtFields,
            ChangedFields = builtChanged,
            IsSnapshot = snapshot,
        }).ToList();
        return new NormalizedEvent(changes);
    }

    private void ReadPayload(FieldValues.Builder fields, JsonElement payload, SObjectDescription describe)
    {
        foreach (var property in payload.EnumerateObject())
        {
            if (property.NameEquals("ChangeEventHeader"))
            {
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var component in property.Value.EnumerateObject())
                {
                    var (name, field) = Resolve(describe, ComponentField(describe, property.Name, component.Name));
                    fields[name] = FieldTyping.Read(component.Value, field);
                }

                continue;
            }

            var (plain, description) = Resolve(describe, property.Name);
            fields[plain] = FieldTyping.Read(property.Value, description);
        }
    }

    private static void AddRelated(FieldValues.Builder fields, string prefix, JsonElement related)
    {
        foreach (var property in related.EnumerateObject())
        {
            if (property.NameEquals("attributes"))
            {
                continue;
            }

            var name = prefix + "." + property.Name;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Object when property.Value.TryGetProperty("attributes", out _):
                    AddRelated(fields, name, property.Value);
                    break;
                case JsonValueKind.Object or JsonValueKind.Array:
                    break;
                case JsonValueKind.Null:
                    fields[name] = null;
                    break;
                default:
                    fields[name] = FieldTyping.ByJsonKind(property.Value);
                    break;
            }
        }
    }

    /// <summary>"Name.LastName" → LastName, "BillingAddress.City" → BillingCity, other names as the describe spells them.</summary>
    private static string FieldName(SObjectDescription describe, string wireName)
    {
        var dot = wireName.IndexOf('.', StringComparison.Ordinal);
        var name = dot < 0 ? wireName : ComponentField(describe, wireName[..dot], wireName[(dot + 1)..]);
        return describe.FindField(name)?.Name ?? name;
    }

    private static string ComponentField(SObjectDescription describe, string compound, string component)
    {
        if (compound.EndsWith("Address", StringComparison.OrdinalIgnoreCase))
        {
            var prefixed = compound[..^"Address".Length] + component;
            if (describe.FindField(prefixed) is not null || describe.FindField(component) is null)
            {
                return prefixed;
            }
        }

        return describe.FindField(component) is not null || compound.Equals("Name", StringComparison.OrdinalIgnoreCase)
            ? component
            : compound + "." + component;
    }

    private (string Name, FieldDescription? Field) Resolve(SObjectDescription describe, string name)
    {
        if (describe.FindField(name) is { } field)
        {
            return (field.Name, field);
        }

        if (_unknownLogged.TryAdd(describe.Name + "." + name, true))
        {
            Log.UnknownField(_logger, describe.Name, name);
        }

        return (name, null);
    }

    /// <summary>Whether a CometD CREATE/UNDELETE would carry the field when it has a value.</summary>
    private static bool CarriedByChangeEvents(SObjectDescription describe, FieldDescription field) =>
        !NotInChangeEvents.Contains(field.Name) &&
        !field.Calculated &&
        field.Type is not ("address" or "location" or "base64") &&
        // The person full name is computed from its parts; change events carry the parts only.
        !(field.Name.Equals("Name", StringComparison.OrdinalIgnoreCase) && describe.FindField("FirstName") is not null && describe.FindField("LastName") is not null);

    private static ChangeEntity EntityOf(string sobject, SObjectDescription describe)
    {
        if (!string.Equals(sobject, describe.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"The describe passed is {describe.Name}'s, the data is {sobject}'s.", nameof(describe));
        }

        return SyncedObjects.TryGetEntity(sobject, out var entity)
            ? entity.Value
            : throw new ArgumentException($"{sobject} is not an object the connector syncs ({string.Join(", ", SyncedObjects.All)}).", nameof(describe));
    }

    private static FieldValues.Builder EmptyFields() => FieldValues.CreateBuilder();
}
