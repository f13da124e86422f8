using System.Text.Json;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Data;

/// <summary>
/// The org's save rules, applied to every write whatever its source (REST, collections, composite,
/// simulation, seeding): field existence and permissions, types, lengths, picklists, references, required
/// fields, defaults, derived Opportunity fields, converted-lead locking and lead assignment rules.
/// Validation happens before anything is written, so a failed record leaves no trace.
/// </summary>
public sealed class Dml
{
    private readonly OrgSettings _settings;

    public Dml(OrgSettings settings) => _settings = settings;

    /// <summary>Reads a REST JSON body into typed values, rejecting unknown fields as the real API does.</summary>
    public static Dictionary<FieldSchema, object?> ReadJson(SObjectSchema schema, JsonElement body, bool forCreate, params string[] ignore)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new SalesforceException(400, "JSON_PARSER_ERROR", "The request body must be a JSON object describing one record.");
        }

        var values = new Dictionary<FieldSchema, object?>();
        foreach (var property in body.EnumerateObject())
        {
            if (property.NameEquals("attributes") || ignore.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            if (forCreate && property.Name.Equals("Id", StringComparison.OrdinalIgnoreCase))
            {
                throw new SalesforceException(400, "INVALID_FIELD", "The Id field should not be specified in the sobject data.");
            }

            if (!schema.TryGetField(property.Name, out var field))
            {
                throw new SalesforceException(400, "INVALID_FIELD",
                    $"No such column '{property.Name}' on sobject of type {schema.Name}", [property.Name]);
            }

            values[field] = FieldValues.FromJson(schema, field, property.Value);
        }

        return values;
    }

    /// <summary>Reads loosely typed values by field name (simulation, seeding).</summary>
    public static Dictionary<FieldSchema, object?> ReadValues(SObjectSchema schema, IEnumerable<KeyValuePair<string, object?>> values)
    {
        var result = new Dictionary<FieldSchema, object?>();
        foreach (var (name, value) in values)
        {
            var field = schema.FindField(name) ?? throw new SalesforceException(400, "INVALID_FIELD",
                $"No such column '{name}' on sobject of type {schema.Name}", [name]);
            result[field] = value is string s && !field.IsText ? FieldValues.FromText(field, s) : value;
        }

        return result;
    }

    /// <summary>Validates and publishes a platform event (REST insert on an X__e object); returns its id.</summary>
    public string Publish(OrgTransaction tx, SObjectSchema schema, Dictionary<FieldSchema, object?> values)
    {
        if (schema.Kind != SObjectKind.PlatformEvent)
        {
            throw new ArgumentException($"{schema.Name} is not a platform event.", nameof(schema));
        }

        Validate(tx, schema, values, existingId: null);
        return tx.PublishEvent(schema, values);
    }

    public SObjectRecord Insert(OrgTransaction tx, SObjectSchema schema, Dictionary<FieldSchema, object?> values)
    {
        if (!schema.Createable)
        {
            throw new SalesforceException(400, "INVALID_TYPE", $"entity type {schema.Name} does not support insert");
        }

        foreach (var field in values.Keys)
        {
            if (!field.Createable)
            {
                throw new SalesforceException(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                    $"Unable to create/update fields: {field.Name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                    [field.Name]);
            }
        }

        var full = new Dictionary<FieldSchema, object?>(values);
        foreach (var field in schema.Fields)
        {
            if (!full.ContainsKey(field) && field.DefaultValue is not null)
            {
                full[field] = field.DefaultValue;
            }
        }

        if (schema.FindField("OwnerId") is { } owner && (!full.TryGetValue(owner, out var o) || o is null))
        {
            full[owner] = tx.Context.UserId;
        }

        if (schema.FindField("CurrencyIsoCode") is { } currency && (!full.TryGetValue(currency, out var c) || c is null))
        {
            full[currency] = _settings.CorporateCurrency;
        }

        ApplyObjectRules(tx, schema, null, full);
        Validate(tx, schema, full, existingId: null);

        var missing = schema.Fields
            .Where(f => f.Required && !(schema.Custom && f.NameField) && (!full.TryGetValue(f, out var v) || v is null or ""))
            .Select(f => f.Name)
            .ToList();
        if (missing.Count > 0)
        {
            throw SalesforceException.RequiredFieldMissing(missing);
        }

        if (schema.SupportsAssignmentRules && tx.Context.AutoAssign)
        {
            ApplyAssignmentRule(tx, schema, full);
        }

        DeriveComputed(schema, full);
        return tx.Insert(schema, full);
    }

    public IReadOnlyList<string> Update(OrgTransaction tx, SObjectRecord record, Dictionary<FieldSchema, object?> values)
    {
        var schema = record.Schema;
        if (record.IsDeleted)
        {
            throw SalesforceException.EntityIsDeleted();
        }

        if (record.Get("IsConverted") is true)
        {
            throw new SalesforceException(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", []);
        }

        foreach (var field in values.Keys)
        {
            if (!field.Updateable && !field.Name.Equals("Id", StringComparison.OrdinalIgnoreCase))
            {
                throw new SalesforceException(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                    $"Unable to create/update fields: {field.Name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                    [field.Name]);
            }
        }

        var full = values.Where(kv => !kv.Key.Name.Equals("Id", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        ApplyObjectRules(tx, schema, record, full);
        Validate(tx, schema, full, existingId: record.Id);
        foreach (var (field, value) in full)
        {
            if (field.Required && value is null or "")
            {
                throw SalesforceException.RequiredFieldMissing([field.Name]);
            }
        }

        if (schema.SupportsAssignmentRules && tx.Context.AutoAssign)
        {
            // Salesforce re-runs the active rule on updates too unless the request says Sforce-Auto-Assign: FALSE,
            // so an update that sets OwnerId without that header can be overridden by the rule.
            ApplyAssignmentRule(tx, schema, full);
        }

        var merged = schema.Fields.ToDictionary(f => f, f => full.TryGetValue(f, out var v) ? v : record[f]);
        DeriveComputed(schema, merged);
        foreach (var f in schema.Fields.Where(f => f.Calculated))
        {
            full[f] = merged[f];
        }

        return tx.Update(record, full);
    }

    public void Delete(OrgTransaction tx, SObjectRecord record)
    {
        if (record.IsDeleted)
        {
            throw SalesforceException.EntityIsDeleted();
        }

        if (!record.Schema.Deletable)
        {
            throw new SalesforceException(400, "INVALID_TYPE", $"entity type {record.Schema.Name} does not support delete");
        }

        tx.Delete(record);
    }

    public void Undelete(OrgTransaction tx, SObjectRecord record)
    {
        if (!record.IsDeleted)
        {
            throw new SalesforceException(400, "UNDELETE_FAILED", "Entity is not in the recycle bin", []);
        }

        tx.Undelete(record);
    }

    private void Validate(OrgTransaction tx, SObjectSchema schema, Dictionary<FieldSchema, object?> values, string? existingId)
    {
        foreach (var (field, value) in values)
        {
            if (value is null)
            {
                if (!field.Nillable && !field.DefaultedOnCreate && field.Type != FieldType.Boolean)
                {
                    throw SalesforceException.RequiredFieldMissing([field.Name]);
                }

                continue;
            }

            switch (field.Type)
            {
                case FieldType.Reference:
                    ValidateReference(tx, field, (string)value, values);
                    break;
                case FieldType.Picklist when field.RestrictedPicklist || field.Name == "CurrencyIsoCode":
                    ValidatePicklist(field, (string)value);
                    break;
                case FieldType.MultiPicklist when field.RestrictedPicklist:
                    foreach (var item in ((string)value).Split(';'))
                    {
                        ValidatePicklist(field, item);
                    }

                    break;
                case FieldType.Email when value is string email && !IsEmail(email):
                    throw new SalesforceException(400, "INVALID_EMAIL_ADDRESS", $"{field.Label}: invalid email address: {email}", [field.Name]);
                case FieldType.Currency or FieldType.Double or FieldType.Percent or FieldType.Int:
                    ValidateNumber(field, Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }

            if (field.IsText && field.Length > 0 && value is string s && s.Length > field.Length)
            {
                throw new SalesforceException(400, "STRING_TOO_LONG",
                    $"{field.Label}: data value too large: {Truncate(s)} (max length={field.Length})", [field.Name]);
            }

            if (field.Unique && value is string key)
            {
                var existing = tx.Reader.FindByExternalId(schema, field, key);
                if (existing.Any(r => !string.Equals(r.Id, existingId, StringComparison.Ordinal)))
                {
                    throw new SalesforceException(400, "DUPLICATE_VALUE",
                        $"duplicate value found: {field.Name} duplicates value on record with id: {existing[0].Id}", [field.Name]);
                }
            }
        }
    }

    private void ValidatePicklist(FieldSchema field, string value)
    {
        var allowed = field.Name == "CurrencyIsoCode"
            ? _settings.ActiveCurrencies
            : field.PicklistValues.Where(p => p.Active).Select(p => p.Value);
        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            if (field.Name == "CurrencyIsoCode")
            {
                throw new SalesforceException(400, "INVALID_CURRENCY", $"invalid currency code: {value}", [field.Name]);
            }

            throw new SalesforceException(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                $"{field.Label}: bad value for restricted picklist field: {value}", [field.Name]);
        }
    }

    private static void ValidateNumber(FieldSchema field, decimal value)
    {
        if (field.Precision <= 0)
        {
            return;
        }

        var integerDigits = field.Precision - field.Scale;
        var limit = integerDigits >= 28 ? decimal.MaxValue : (decimal)Math.Pow(10, integerDigits);
        if (Math.Abs(decimal.Truncate(value)) >= limit)
        {
            throw new SalesforceException(400, "NUMBER_OUTSIDE_VALID_RANGE",
                $"{field.Label}: value outside of valid range on numeric field: {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}", [field.Name]);
        }
    }

    private static void ValidateReference(OrgTransaction tx, FieldSchema field, string id, Dictionary<FieldSchema, object?> values)
    {
        var normalized = SalesforceIds.Normalize(id);
        var target = normalized is null ? null : tx.Reader.Find(normalized);
        if (target is null || target.IsDeleted || !field.ReferenceTo.Contains(target.Schema.Name, StringComparer.OrdinalIgnoreCase))
        {
            throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY",
                $"{field.Label}: id value of incorrect type: {id}", [field.Name]);
        }

        // The target's own id instance: a million leads then share their owners' id strings.
        values[field] = target.Id;
    }

    /// <summary>Object-specific save behaviour (the parts of the platform a sync integration relies on).</summary>
    private static void ApplyObjectRules(OrgTransaction tx, SObjectSchema schema, SObjectRecord? existing, Dictionary<FieldSchema, object?> values)
    {
        if (schema.Name == "Opportunity" && schema.FindField("StageName") is { } stageField && values.TryGetValue(stageField, out var stage) && stage is string stageName)
        {
            var row = tx.Reader.All("OpportunityStage").FirstOrDefault(s => string.Equals(s.GetString("ApiName"), stageName, StringComparison.Ordinal));
            if (row is null || row.Get("IsActive") is false)
            {
                throw new SalesforceException(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    $"Stage: bad value for restricted picklist field: {stageName}", ["StageName"]);
            }

            Set(schema, values, "IsClosed", row.Get("IsClosed"));
            Set(schema, values, "IsWon", row.Get("IsWon"));
            Set(schema, values, "ForecastCategory", row.Get("ForecastCategory"));
            Set(schema, values, "ForecastCategoryName", row.Get("ForecastCategoryName"));
            var probability = schema.FindField("Probability");
            if (probability is not null && (!values.TryGetValue(probability, out var p) || p is null || existing is not null))
            {
                values[probability] = row.Get("DefaultProbability");
            }
        }

        if (schema.Name == "Lead" && existing is null && schema.FindField("Status") is { } status && (!values.TryGetValue(status, out var s) || s is null))
        {
            var defaultStatus = tx.Reader.All("LeadStatus").FirstOrDefault(r => r.Get("IsDefault") is true);
            if (defaultStatus is not null)
            {
                values[status] = defaultStatus.GetString("ApiName");
            }
        }
    }

    private static void DeriveComputed(SObjectSchema schema, Dictionary<FieldSchema, object?> values)
    {
        if (schema.FindField("Name") is { Calculated: true } name)
        {
            var first = schema.FindField("FirstName") is { } f ? values.GetValueOrDefault(f) as string : null;
            var last = schema.FindField("LastName") is { } l ? values.GetValueOrDefault(l) as string : null;
            values[name] = string.Join(' ', new[] { first, last }.Where(x => !string.IsNullOrEmpty(x)));
        }

        if (schema.Name == "Opportunity" && schema.FindField("ExpectedRevenue") is { } expected)
        {
            var amount = schema.FindField("Amount") is { } a ? values.GetValueOrDefault(a) as decimal? : null;
            var probability = schema.FindField("Probability") is { } p ? values.GetValueOrDefault(p) as decimal? : null;
            values[expected] = amount is null || probability is null ? null : decimal.Round(amount.Value * probability.Value / 100m, 2);
        }
    }

    private void ApplyAssignmentRule(OrgTransaction tx, SObjectSchema schema, Dictionary<FieldSchema, object?> values)
    {
        if (schema.FindField("OwnerId") is not { } owner || !_settings.AssignmentRuleActive)
        {
            return;
        }

        if (tx.Context.AssignmentRuleId is { } ruleId && !string.Equals(SalesforceIds.Normalize(ruleId), _settings.AssignmentRuleId, StringComparison.Ordinal))
        {
            throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY", $"invalid cross reference id", ["Sforce-Auto-Assign"]);
        }

        string? target;
        if (_settings.RoundRobinOwnerIds.Count > 0)
        {
            target = _settings.RoundRobinOwnerIds[_settings.NextRoundRobinIndex % _settings.RoundRobinOwnerIds.Count];
            _settings.NextRoundRobinIndex++;
        }
        else
        {
            target = _settings.DefaultLeadOwnerId;
        }

        if (target is not null)
        {
            values[owner] = target;
        }
    }

    private static void Set(SObjectSchema schema, Dictionary<FieldSchema, object?> values, string field, object? value)
    {
        if (schema.FindField(field) is { } f)
        {
            values[f] = value;
        }
    }

    private static bool IsEmail(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == value.LastIndexOf('@') && value.IndexOf('.', at) > at + 1 && !value.EndsWith('.') && !value.Contains(' ', StringComparison.Ordinal);
    }

    private static string Truncate(string s) => s.Length > 20 ? s[..20] + "..." : s;
}
