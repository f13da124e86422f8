using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Streaming;

/// <summary>
/// One event held by a stream. Its "data" JSON is rendered on first delivery and then shared by every
/// subscriber: most events of a busy org are never read, and those that are get read by several clients.
/// </summary>
internal abstract class StreamEvent
{
    private byte[]? _data;

    protected StreamEvent(DateTimeOffset createdAt) => CreatedAt = createdAt;

    /// <summary>Set once by the stream that takes the event.</summary>
    public long ReplayId { get; set; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>The entity a CDC event is about (channel filter); null for other streams.</summary>
    public virtual string? Entity => null;

    public ReadOnlyMemory<byte> Data
    {
        get
        {
            if (_data is { } data)
            {
                return data;
            }

            var buffer = new ArrayBufferWriter<byte>(512);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                WriteData(writer);
            }

            // Two threads may render at once; both results are identical, so either may win.
            Interlocked.CompareExchange(ref _data, buffer.WrittenSpan.ToArray(), null);
            return _data;
        }
    }

    protected abstract void WriteData(Utf8JsonWriter writer);

    /// <summary>A stable 22-character schema id per event type, shaped like Salesforce's (base64url of a hash).</summary>
    protected static string SchemaId(string eventType) => SchemaIds.GetOrAdd(eventType, static t =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(t)))[..22].Replace('+', '-').Replace('/', '_'));

    private static readonly ConcurrentDictionary<string, string> SchemaIds = new(StringComparer.Ordinal);
}

/// <summary>A Change Data Capture event as CometD subscribers receive it (fact sheet §4.7, real captures in fixtures).</summary>
internal sealed class ChangeEvent : StreamEvent
{
    private readonly RecordChange _change;

    public ChangeEvent(RecordChange change, DateTimeOffset createdAt)
        : base(createdAt) => _change = change;

    public override string? Entity => _change.Object.Name;

    protected override void WriteData(Utf8JsonWriter w)
    {
        var c = _change;
        var layout = CompoundLayout.For(c.Object);
        w.WriteStartObject();
        w.WriteString("schema", SchemaId(c.Object.ChangeEventName));
        w.WriteStartObject("payload");

        w.WriteStartObject("ChangeEventHeader");
        w.WriteString("entityName", c.Object.Name);
        w.WriteStartArray("recordIds");
        foreach (var id in c.RecordIds)
        {
            w.WriteStringValue(id);
        }

        w.WriteEndArray();
        w.WriteString("changeType", RecordChange.WireChangeType(c.Type));
        w.WriteString("changeOrigin", c.ChangeOrigin);
        w.WriteString("transactionKey", c.TransactionKey);
        w.WriteNumber("sequenceNumber", c.SequenceNumber);
        w.WriteNumber("commitTimestamp", c.CommitTimestamp.ToUnixTimeMilliseconds());
        w.WriteNumber("commitNumber", c.CommitNumber);
        w.WriteString("commitUser", c.CommitUser);
        w.WriteStartArray("changedFields");
        // Real CometD captures list changed fields for UPDATE only; CREATE, DELETE and UNDELETE carry [].
        if (c.Type == ChangeType.Update)
        {
            foreach (var name in c.ChangedFields)
            {
                if (layout.WireName(c.Object, name) is { } wire)
                {
                    w.WriteStringValue(wire);
                }
            }
        }

        w.WriteEndArray();
        w.WriteEndObject();

        if (c.Type is ChangeType.Create or ChangeType.Update or ChangeType.Undelete && c.After is { } after)
        {
            WriteFields(w, c.Object, layout, c.ChangedFields, after);
        }

        w.WriteEndObject();
        w.WriteStartObject("event");
        w.WriteNumber("replayId", ReplayId);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Non-null values of the listed fields, compound fields (Name, Address) nested as Salesforce sends them.</summary>
    private static void WriteFields(Utf8JsonWriter w, SObjectSchema schema, CompoundLayout layout, IReadOnlyList<string> names, object?[] values)
    {
        var listed = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in schema.Fields)
        {
            if (!listed.Contains(field.Name) || field.ExcludedFromChangeEvents || field.Name == "Id" || layout.IsHidden(field.Name)
                || values[field.Ordinal] is null)
            {
                continue;
            }

            if (layout.CompoundOf(field.Name) is not { } compound)
            {
                w.WritePropertyName(field.Name);
                FieldValues.WriteJson(w, field, values[field.Ordinal], streaming: true);
                continue;
            }

            if (!written.Add(compound.Name))
            {
                continue;
            }

            w.WriteStartObject(compound.Name);
            foreach (var (component, fieldName) in compound.Components)
            {
                if (listed.Contains(fieldName) && schema.FindField(fieldName) is { } part && values[part.Ordinal] is { } v)
                {
                    w.WritePropertyName(component);
                    FieldValues.WriteJson(w, part, v, streaming: true);
                }
            }

            w.WriteEndObject();
        }
    }
}

/// <summary>A published platform event (X__e) on /event/X__e.</summary>
internal sealed class PlatformEventMessage : StreamEvent
{
    private readonly RecordChange _change;
    private readonly string _uuid;

    public PlatformEventMessage(RecordChange change, DateTimeOffset createdAt)
        : base(createdAt)
    {
        _change = change;
        _uuid = change.Object.FindField("EventUuid") is { } f && change.After?[f.Ordinal] is string uuid ? uuid : Guid.NewGuid().ToString();
    }

    protected override void WriteData(Utf8JsonWriter w)
    {
        var schema = _change.Object;
        var values = _change.After ?? new object?[schema.Fields.Count];
        w.WriteStartObject();
        w.WriteString("schema", SchemaId(schema.Name));
        w.WriteStartObject("payload");
        var createdDate = schema.FindField("CreatedDate") is { } cd && values[cd.Ordinal] is DateTimeOffset dt ? dt : _change.CommitTimestamp;
        var createdBy = schema.FindField("CreatedById") is { } cb && values[cb.Ordinal] is string s ? s : _change.CommitUser;
        w.WriteString("CreatedDate", FieldValues.FormatDateTime(createdDate, streaming: true));
        w.WriteString("CreatedById", createdBy);
        foreach (var field in schema.Fields)
        {
            if ((field.Custom || field.Name.EndsWith("__c", StringComparison.Ordinal)) && values[field.Ordinal] is { } v)
            {
                w.WritePropertyName(field.Name);
                FieldValues.WriteJson(w, field, v, streaming: true);
            }
        }

        w.WriteEndObject();
        w.WriteStartObject("event");
        w.WriteString("EventUuid", _uuid);
        w.WriteNumber("replayId", ReplayId);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}

/// <summary>A PushTopic notification on /topic/Name (fact sheet §4.6): the event plus the topic's selected fields.</summary>
internal sealed class PushTopicMessage : StreamEvent
{
    private readonly string _type;
    private readonly SObjectSchema _schema;
    private readonly IReadOnlyList<FieldSchema> _fields;
    private readonly object?[] _values;

    public PushTopicMessage(string type, SObjectSchema schema, IReadOnlyList<FieldSchema> fields, object?[] values, DateTimeOffset createdAt)
        : base(createdAt)
    {
        _type = type;
        _schema = schema;
        _fields = fields;
        _values = values;
    }

    protected override void WriteData(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartObject("event");
        w.WriteString("createdDate", FieldValues.FormatDateTime(CreatedAt, streaming: true));
        w.WriteNumber("replayId", ReplayId);
        w.WriteString("type", _type);
        w.WriteEndObject();
        w.WriteStartObject("sobject");
        if (_schema.FindField("Id") is { } id)
        {
            w.WriteString("Id", _values[id.Ordinal] as string);
        }

        foreach (var field in _fields)
        {
            if (field.Name == "Id")
            {
                continue;
            }

            // PushTopic notifications carry record values in the REST format (datetimes …+0000); nulls are left out.
            if (_values[field.Ordinal] is { } value)
            {
                w.WritePropertyName(field.Name);
                FieldValues.WriteJson(w, field, value);
            }
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }
}

/// <summary>
/// How an object's compound fields appear in change events: person Name (Salutation, FirstName, LastName)
/// and addresses (Street, City…) nest under one key; changedFields name them "Name.LastName".
/// </summary>
internal sealed class CompoundLayout
{
    private static readonly ConcurrentDictionary<SObjectSchema, CompoundLayout> Cache = new();
    private static readonly string[] AddressParts = ["Street", "City", "State", "PostalCode", "Country", "StateCode", "CountryCode", "Latitude", "Longitude", "GeocodeAccuracy"];
    private static readonly string[] NameParts = ["Salutation", "FirstName", "MiddleName", "LastName", "Suffix"];
    private readonly Dictionary<string, Compound> _byField = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _hidden = new(StringComparer.OrdinalIgnoreCase);

    public sealed record Compound(string Name, IReadOnlyList<(string Component, string Field)> Components);

    public static CompoundLayout For(SObjectSchema schema) => Cache.GetOrAdd(schema, static s => new CompoundLayout(s));

    private CompoundLayout(SObjectSchema schema)
    {
        if (schema.FindField("FirstName") is not null && schema.FindField("LastName") is not null)
        {
            Add(schema, "Name", NameParts.Select(p => (p, p)));
            // The calculated full name is not a field of the change event: its parts are.
            _hidden.Add("Name");
        }

        foreach (var prefix in (string[])["", "Billing", "Shipping", "Mailing", "Other"])
        {
            if (schema.FindField(prefix + "Street") is not null && schema.FindField(prefix + "City") is not null)
            {
                Add(schema, prefix + "Address", AddressParts.Select(p => (p, prefix + p)));
            }
        }
    }

    public Compound? CompoundOf(string field) => _byField.GetValueOrDefault(field);

    public bool IsHidden(string field) => _hidden.Contains(field);

    /// <summary>The changedFields entry for a field, or null when change events don't list it.</summary>
    public string? WireName(SObjectSchema schema, string field)
    {
        if (_hidden.Contains(field) || (schema.FindField(field) is { } f && f.ExcludedFromChangeEvents))
        {
            return null;
        }

        return _byField.TryGetValue(field, out var compound)
            ? compound.Name + "." + compound.Components.First(c => c.Field.Equals(field, StringComparison.OrdinalIgnoreCase)).Component
            : field;
    }

    private void Add(SObjectSchema schema, string name, IEnumerable<(string Component, string Field)> candidates)
    {
        var components = candidates.Where(c => schema.FindField(c.Field) is not null).ToList();
        var compound = new Compound(name, components);
        foreach (var (_, field) in components)
        {
            _byField[field] = compound;
        }
    }
}
