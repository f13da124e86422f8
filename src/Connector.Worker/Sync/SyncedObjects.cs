using System.Diagnostics.CodeAnalysis;
using Connector.Referrals.Processing;

namespace Connector.Worker.Sync;

/// <summary>The Salesforce objects the worker syncs, and which domain entity each one is.</summary>
public static class SyncedObjects
{
    public const string Lead = "Lead";
    public const string Opportunity = "Opportunity";
    public const string Contact = "Contact";
    public const string Advocate = "Advocate__c";

    public static IReadOnlyList<string> All { get; } = [Lead, Opportunity, Contact, Advocate];

    public static bool TryGetEntity(string? sobject, [NotNullWhen(true)] out ChangeEntity? entity)
    {
        entity = sobject switch
        {
            _ when Is(sobject, Lead) => ChangeEntity.Lead,
            _ when Is(sobject, Opportunity) => ChangeEntity.Opportunity,
            _ when Is(sobject, Contact) => ChangeEntity.Contact,
            _ when Is(sobject, Advocate) => ChangeEntity.Advocate,
            _ => null,
        };
        return entity is not null;
    }

    public static string ApiName(ChangeEntity entity) => entity switch
    {
        ChangeEntity.Lead => Lead,
        ChangeEntity.Opportunity => Opportunity,
        ChangeEntity.Contact => Contact,
        ChangeEntity.Advocate => Advocate,
        _ => throw new ArgumentOutOfRangeException(nameof(entity), entity, null),
    };

    private static bool Is(string? sobject, string name) => string.Equals(sobject, name, StringComparison.OrdinalIgnoreCase);
}
