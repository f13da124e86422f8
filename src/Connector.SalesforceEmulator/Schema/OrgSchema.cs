namespace Connector.SalesforceEmulator.Schema;

/// <summary>Every sObject type the emulated org knows, by name (case-insensitive) and by id key prefix.</summary>
public sealed class OrgSchema
{
    private readonly Dictionary<string, SObjectSchema> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SObjectSchema> _byPrefix = new(StringComparer.Ordinal);

    public OrgSchema(IEnumerable<SObjectSchema> objects)
    {
        foreach (var o in objects)
        {
            if (!_byName.TryAdd(o.Name, o))
            {
                throw new InvalidOperationException($"sObject {o.Name} is defined twice.");
            }

            if (!_byPrefix.TryAdd(o.KeyPrefix, o))
            {
                throw new InvalidOperationException($"Key prefix {o.KeyPrefix} of {o.Name} is already used by {_byPrefix[o.KeyPrefix].Name}.");
            }
        }

        foreach (var o in _byName.Values)
        {
            foreach (var f in o.Fields.Where(f => f.Type == FieldType.Reference))
            {
                foreach (var target in f.ReferenceTo)
                {
                    if (_byName.TryGetValue(target, out var parent))
                    {
                        parent.ChildRelationships.Add(new ChildRelationship(o.Name, f.Name, f.ChildRelationshipName ?? ChildRelationshipName(o, f), f.MasterDetail));
                    }
                }
            }
        }
    }

    public IEnumerable<SObjectSchema> Objects => _byName.Values.OrderBy(o => o.Name, StringComparer.Ordinal);

    public SObjectSchema? Find(string name) => _byName.GetValueOrDefault(name);

    public bool TryGet(string name, out SObjectSchema schema) => _byName.TryGetValue(name, out schema!);

    public SObjectSchema? FindByKeyPrefix(string idOrPrefix) =>
        idOrPrefix.Length >= 3 ? _byPrefix.GetValueOrDefault(idOrPrefix[..3]) : null;

    private static string? ChildRelationshipName(SObjectSchema child, FieldSchema field)
    {
        // Standard objects: Opportunities, Contacts, Leads...; custom lookups: Referrals__r.
        if (child.Custom || field.Custom)
        {
            return child.LabelPlural.Replace(" ", "_", StringComparison.Ordinal) + "__r";
        }

        return field.Name is "OwnerId" or "CreatedById" or "LastModifiedById" ? null : child.LabelPlural.Replace(" ", string.Empty, StringComparison.Ordinal);
    }
}
