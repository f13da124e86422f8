using System.Text.Json;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Rest;

namespace Connector.SalesforceEmulator.Soql;

/// <summary>
/// Writes query records as the REST API does: <c>attributes {type,url}</c>, then the selected fields in
/// the order selected, parent relationships as nested records with their own attributes (or null when the
/// lookup is empty), each relationship placed where its first field was selected
/// (fixture rest-query/query_case_with_parent_relationships_v39_netcoreforce.json).
/// </summary>
internal sealed class QueryResultWriter
{
    private readonly Node _root;
    private readonly string _basePath;

    public QueryResultWriter(SoqlQuery query, string basePath)
    {
        _basePath = basePath;
        _root = new Node(null);
        foreach (var column in query.Columns)
        {
            var node = _root;
            var hops = column.Path!.Hops;
            for (var depth = 0; depth < hops.Count; depth++)
            {
                var hop = hops[depth];
                var child = node.Children.OfType<Node>().FirstOrDefault(n => n.Hop!.LookupField == hop.LookupField);
                if (child is null)
                {
                    child = new Node(hop);
                    node.Children.Add(child);
                }

                node = child;
            }

            node.Children.Add(column);
        }
    }

    public void WriteRecord(Utf8JsonWriter w, SObjectRecord record, OrgReader reader) => Write(w, _root, record, reader);

    public static void WriteAggregate(Utf8JsonWriter w, SoqlQuery query, IReadOnlyList<object?> values)
    {
        w.WriteStartObject();
        w.WritePropertyName("attributes");
        w.WriteStartObject();
        w.WriteString("type", "AggregateResult");
        w.WriteEndObject();
        for (var i = 0; i < query.Columns.Count; i++)
        {
            w.WritePropertyName(query.Columns[i].Name);
            FieldValues.WriteJson(w, query.Columns[i].Field, values[i]);
        }

        w.WriteEndObject();
    }

    private void Write(Utf8JsonWriter w, Node node, SObjectRecord record, OrgReader reader)
    {
        w.WriteStartObject();
        RecordJson.WriteAttributes(w, record.Schema, record.Id, _basePath);
        foreach (var child in node.Children)
        {
            if (child is SoqlColumn column)
            {
                var field = SoqlEvaluator.LeafField(column.Path!, record);
                w.WritePropertyName(field?.Name ?? column.Path!.Field.Name);
                FieldValues.WriteJson(w, field ?? column.Path!.Field, field is null ? null : record[field]);
                continue;
            }

            var nested = (Node)child;
            w.WritePropertyName(nested.Hop!.RelationshipName);
            var parent = SoqlEvaluator.ResolveParent([nested.Hop], 1, record, reader);
            if (parent is null)
            {
                w.WriteNullValue();
            }
            else
            {
                Write(w, nested, parent, reader);
            }
        }

        w.WriteEndObject();
    }

    private sealed class Node(SoqlHop? hop)
    {
        public SoqlHop? Hop { get; } = hop;
        public List<object> Children { get; } = [];
    }
}
