using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Seeding;

/// <summary>
/// A reusable field-value buffer for one sObject type. <see cref="Dml.Insert"/> copies the values, so one
/// buffer serves every row of a seed run.
/// </summary>
internal sealed class SeedRow
{
    private readonly Dictionary<FieldSchema, object?> _values = [];

    public SeedRow(OrgSchema schema, string sobject)
    {
        Schema = schema.Find(sobject) ?? throw new InvalidOperationException(
            $"The seeded org needs sObject {sobject}; is salesforce-metadata/ (Emulator:MetadataPath) complete?");
    }

    public SObjectSchema Schema { get; }

    public Dictionary<FieldSchema, object?> Values => _values;

    public SeedRow Clear()
    {
        _values.Clear();
        return this;
    }

    /// <summary>Sets a field the seeded org cannot do without; a missing one is a schema error.</summary>
    public SeedRow Set(string field, object? value)
    {
        var f = Schema.FindField(field) ?? throw new InvalidOperationException(
            $"The seeded org needs field {Schema.Name}.{field}; is salesforce-metadata/ (Emulator:MetadataPath) complete?");
        _values[f] = value;
        return this;
    }

    /// <summary>Sets a field only when this org has it (e.g. CurrencyIsoCode on a custom object).</summary>
    public SeedRow SetIfExists(string field, object? value)
    {
        if (Schema.FindField(field) is { } f)
        {
            _values[f] = value;
        }

        return this;
    }

    public SObjectRecord Insert(OrgTransaction tx, Dml dml) => dml.Insert(tx, Schema, _values);
}
