using System.Text.Json;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Rest;

/// <summary>
/// The record operations shared by the single-record resources, sObject Collections and Composite:
/// each takes an open transaction and a JSON body, and throws <see cref="SalesforceException"/> as the API reports.
/// </summary>
public sealed class SObjectWrites
{
    private readonly OrgStore _store;
    private readonly Dml _dml;

    public SObjectWrites(OrgStore store, Dml dml)
    {
        _store = store;
        _dml = dml;
    }

    public OrgStore Store => _store;

    public SObjectSchema Resolve(string type) =>
        _store.Schema.Find(type) is { } schema ? schema : throw SalesforceException.NotFound();

    /// <summary>Creates a record (or publishes a platform event); returns the new id.</summary>
    public string Create(OrgTransaction tx, SObjectSchema schema, JsonElement body)
    {
        var values = Dml.ReadJson(schema, body, forCreate: true);
        return schema.Kind == SObjectKind.PlatformEvent
            ? _dml.Publish(tx, schema, values)
            : _dml.Insert(tx, schema, values).Id;
    }

    public void Update(OrgTransaction tx, SObjectSchema schema, string id, JsonElement body)
    {
        var record = Find(tx, schema, id);
        _dml.Update(tx, record, Dml.ReadJson(schema, body, forCreate: false, "Id"));
    }

    public void Delete(OrgTransaction tx, string id, SObjectSchema? expected = null)
    {
        var record = tx.Reader.Find(id);
        if (record is null || (expected is not null && record.Schema != expected))
        {
            if (SalesforceIds.Normalize(id) is null)
            {
                throw SalesforceException.MalformedId(expected?.Name ?? "Record", id);
            }

            throw new SalesforceException(404, "NOT_FOUND", "The requested resource does not exist");
        }

        _dml.Delete(tx, record);
    }

    /// <summary>Upsert by external id: (id, created). Several matches → 300 with their URLs.</summary>
    public (string Id, bool Created) Upsert(OrgTransaction tx, SObjectSchema schema, FieldSchema externalField, string value, JsonElement body, string basePath)
    {
        if (externalField.Name.Equals("Id", StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrEmpty(value))
            {
                return (Create(tx, schema, body), true);
            }

            var byId = Find(tx, schema, value);
            _dml.Update(tx, byId, Dml.ReadJson(schema, body, forCreate: false, "Id"));
            return (byId.Id, false);
        }

        var matches = tx.Reader.FindByExternalId(schema, externalField, value);
        if (matches.Count > 1)
        {
            throw new MultipleMatchesException(matches.Select(m => $"{basePath}/sobjects/{schema.Name}/{m.Id}").ToList());
        }

        var values = Dml.ReadJson(schema, body, forCreate: matches.Count == 0, externalField.Name);
        if (matches.Count == 1)
        {
            _dml.Update(tx, matches[0], values);
            return (matches[0].Id, false);
        }

        values[externalField] = FieldValues.FromText(externalField, value);
        return (_dml.Insert(tx, schema, values).Id, true);
    }

    /// <summary>The external-id field named in an upsert URL, or the NOT_FOUND error the API gives for others.</summary>
    public static FieldSchema ExternalIdField(SObjectSchema schema, string name)
    {
        if (schema.FindField(name) is { } field && (field.ExternalId || field.Name == "Id"))
        {
            return field;
        }

        throw new SalesforceException(404, "NOT_FOUND", $"Provided external ID field does not exist or is not accessible: {name}");
    }

    public static SObjectRecord Find(OrgTransaction tx, SObjectSchema schema, string id) => Find(tx.Reader, schema, id);

    public static SObjectRecord Find(OrgReader reader, SObjectSchema schema, string id)
    {
        var normalized = SalesforceIds.Normalize(id);
        if (normalized is null || !normalized.StartsWith(schema.KeyPrefix, StringComparison.Ordinal))
        {
            throw SalesforceException.MalformedId(schema.Name, id);
        }

        var record = reader.Find(normalized) ?? throw SalesforceException.NotFound();
        return record.IsDeleted ? throw SalesforceException.EntityIsDeleted() : record;
    }
}

/// <summary>An upsert whose external id matched more than one record (HTTP 300).</summary>
public sealed class MultipleMatchesException : Exception
{
    public MultipleMatchesException(IReadOnlyList<string> urls)
        : base($"{urls.Count} records match the external id")
    {
        Urls = urls;
    }

    public MultipleMatchesException()
        : this([])
    {
    }

    public MultipleMatchesException(string message)
        : base(message)
    {
        Urls = [];
    }

    public MultipleMatchesException(string message, Exception innerException)
        : base(message, innerException)
    {
        Urls = [];
    }

    public IReadOnlyList<string> Urls { get; }
}
