using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;
using Connector.SalesforceEmulator.Soql;

namespace Connector.SalesforceEmulator.Streaming;

/// <summary>
/// A PushTopic's query, parsed by the org's SOQL engine, plus what notification decisions need: the
/// object, the selected fields and the fields the WHERE clause reads. Salesforce restricts PushTopic
/// queries to single-object selects without relationships, aggregates, ORDER BY, LIMIT or OFFSET.
/// </summary>
internal sealed class PushTopicQuery
{
    private readonly SoqlQuery _query;

    private PushTopicQuery(SoqlQuery query)
    {
        _query = query;
        Select = query.Columns.Select(c => c.Path!.Field).ToList();
        WhereFields = (query.Where?.Paths ?? []).Select(p => p.Field.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public SObjectSchema Schema => _query.SObject;
    public IReadOnlyList<FieldSchema> Select { get; }
    public IReadOnlySet<string> WhereFields { get; }

    /// <summary>Whether a record with these values satisfies the WHERE clause. Call inside the org lock.</summary>
    public bool Matches(object?[] values, OrgReader reader) =>
        SoqlEvaluator.Matches(_query, SObjectRecord.Detached(Schema, values), reader);

    /// <summary>Parses the query against the org schema; throws <see cref="FormatException"/> with the reason when it can't be a PushTopic.</summary>
    public static PushTopicQuery Parse(string soql, OrgSchema org)
    {
        SoqlQuery query;
        try
        {
            query = SoqlParser.Parse(soql, org);
        }
        catch (SalesforceException e)
        {
            throw new FormatException(e.Message, e);
        }

        if (query.IsCountOnly || query.IsAggregate)
        {
            throw new FormatException("Aggregate queries are not supported in PushTopic queries.");
        }

        if (query.OrderBy.Count > 0 || query.Limit is not null || query.Offset is not null)
        {
            throw new FormatException("ORDER BY, LIMIT and OFFSET are not supported in PushTopic queries.");
        }

        if (query.ReferencedPaths.Any(p => p.Hops.Count > 0))
        {
            throw new FormatException("Relationships are not supported in PushTopic queries.");
        }

        return new PushTopicQuery(query);
    }
}
