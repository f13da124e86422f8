using System.Runtime.CompilerServices;
using Connector.Ledger.Programs;
using Connector.Referrals.Processing;

namespace Connector.Worker.Sync;

/// <summary>
/// The program's field mapping applied to changes: the domain reads canonical names (<see cref="LeadFields.Advocate"/>,
/// <see cref="LeadFields.ReferralMethod"/>, <see cref="LeadFields.ReferralCode"/>, <see cref="ContactFields.Advocate"/>);
/// an org that keeps the advocate in <c>Referrer__c</c> maps it in the console, and every change — streamed, caught up,
/// re-read — is presented under the canonical name before it reaches the ledger. Pure.
/// <para>A canonical field the mapping points elsewhere is dropped from the change (the org's own <c>Advocate__c</c> is
/// not the program's advocate then), and <see cref="SalesforceChange.ChangedFields"/> follows the renaming, so "the
/// advocate changed" means the mapped field changed.</para>
/// </summary>
public static class MappedFields
{
    /// <summary>(org field, canonical field) for <paramref name="entity"/>, only where they differ.</summary>
    public static IReadOnlyList<(string Source, string Canonical)> Renames(ChangeEntity entity, FieldMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        (string Source, string Canonical)[] pairs = entity switch
        {
            ChangeEntity.Lead =>
            [
                (mapping.LeadAdvocateField, LeadFields.Advocate),
                (mapping.LeadReferralMethodField, LeadFields.ReferralMethod),
                (mapping.LeadReferralCodeField, LeadFields.ReferralCode),
            ],
            ChangeEntity.Contact => [(mapping.ContactAdvocateField, ContactFields.Advocate)],
            _ => [],
        };
        return [.. pairs.Where(p => !string.Equals(p.Source, p.Canonical, StringComparison.OrdinalIgnoreCase))];
    }

    /// <summary>The org fields a snapshot read of <paramref name="entity"/> must select for the mapping.</summary>
    public static IEnumerable<string> Sources(ChangeEntity entity, FieldMapping mapping) => Renames(entity, mapping).Select(r => r.Source);

    /// <summary>The field <paramref name="canonical"/> is read from in the org under <paramref name="mapping"/>.</summary>
    public static string SourceOf(ChangeEntity entity, string canonical, FieldMapping mapping) =>
        Renames(entity, mapping).FirstOrDefault(r => string.Equals(r.Canonical, canonical, StringComparison.OrdinalIgnoreCase)).Source ?? canonical;

    /// <summary><paramref name="change"/> with the mapped fields under their canonical names (the same instance when nothing is mapped).</summary>
    public static SalesforceChange Canonical(SalesforceChange change, FieldMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(change);
        var renames = RenamesCached(change.Entity, mapping);
        if (renames.Count == 0)
        {
            return change;
        }

        // Read every source from the original first: a mapping may swap two canonical fields. Builders, not one new
        // dictionary per removal and per rename: a backfill presents every lead through here.
        var fields = change.Fields.ToBuilder();
        var changed = change.ChangedFields.ToBuilder();
        foreach (var (_, canonical) in renames)
        {
            fields.Remove(canonical);
            changed.Remove(canonical);
        }

        foreach (var (source, canonical) in renames)
        {
            if (change.Fields.TryGetValue(source, out var value))
            {
                fields[canonical] = value;
            }

            if (change.ChangedFields.Contains(source))
            {
                changed.Add(canonical);
            }
        }

        return change with { Fields = fields.ToFieldValues(), ChangedFields = changed.ToImmutable() };
    }

    // Renames per mapping instance (a program version's mapping never changes) and entity; read-only once built.
    private static readonly ConditionalWeakTable<FieldMapping, Dictionary<ChangeEntity, IReadOnlyList<(string Source, string Canonical)>>> RenamesByMapping = [];

    private static IReadOnlyList<(string Source, string Canonical)> RenamesCached(ChangeEntity entity, FieldMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        return RenamesByMapping.GetValue(mapping, static m => Enum.GetValues<ChangeEntity>().ToDictionary(e => e, e => Renames(e, m)))[entity];
    }
}
