using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Streaming;

/// <summary>One PushTopic record, read into what notification decisions need.</summary>
internal sealed record PushTopicDefinition(
    string Id, string Name, PushTopicQuery Query, bool Active, string NotifyForFields,
    bool OnCreate, bool OnUpdate, bool OnDelete, bool OnUndelete);

public sealed partial class StreamingHub
{
    private void UpdatePushTopic(RecordChange change)
    {
        if (change.Type == ChangeType.Delete)
        {
            lock (_topicsLock)
            {
                foreach (var id in change.RecordIds)
                {
                    _pushTopics.Remove(id);
                }
            }

            return;
        }

        if (change.After is { } after)
        {
            DefinePushTopic(change.Object, after);
        }
    }

    private void DefinePushTopic(SObjectSchema schema, object?[] values)
    {
        object? Get(string field) => schema.FindField(field) is { } f ? values[f.Ordinal] : null;
        var id = Get("Id") as string ?? string.Empty;
        var name = Get("Name") as string ?? string.Empty;
        PushTopicQuery query;
        try
        {
            query = PushTopicQuery.Parse(Get("Query") as string ?? string.Empty, _schema);
        }
        catch (FormatException e)
        {
            Log.PushTopicIgnored(_logger, name, e.Message);
            return;
        }

        var definition = new PushTopicDefinition(
            id, name, query,
            Active: Get("IsActive") is not false,
            NotifyForFields: Get("NotifyForFields") as string ?? "Referenced",
            OnCreate: Get("NotifyForOperationCreate") is not false,
            OnUpdate: Get("NotifyForOperationUpdate") is not false,
            OnDelete: Get("NotifyForOperationDelete") is not false,
            OnUndelete: Get("NotifyForOperationUndelete") is not false);
        lock (_topicsLock)
        {
            _pushTopics[id] = definition;
        }
    }

    private List<(EventStream Stream, StreamEvent Message)> PushTopicEvents(RecordChange change, DateTimeOffset now)
    {
        List<PushTopicDefinition> topics;
        lock (_topicsLock)
        {
            if (_pushTopics.Count == 0)
            {
                return [];
            }

            topics = _pushTopics.Values.Where(t => t.Active && t.Query.Schema == change.Object).ToList();
        }

        var events = new List<(EventStream, StreamEvent)>();
        foreach (var topic in topics)
        {
            var (type, values) = change.Type switch
            {
                ChangeType.Create when topic.OnCreate => ("created", change.After),
                ChangeType.Update when topic.OnUpdate && FieldsTrigger(topic, change.ChangedFields) => ("updated", change.After),
                ChangeType.Delete when topic.OnDelete => ("deleted", change.Before),
                ChangeType.Undelete when topic.OnUndelete => ("undeleted", change.After),
                _ => (null, null),
            };
            if (type is null || values is null || _store is null || !_store.Read(r => topic.Query.Matches(values, r)))
            {
                continue;
            }

            events.Add((TopicStream(topic.Name), new PushTopicMessage(type, change.Object, topic.Query.Select, values, now)));
        }

        return events;
    }

    /// <summary>NotifyForFields: which changed fields make an update worth a notification.</summary>
    private static bool FieldsTrigger(PushTopicDefinition topic, IReadOnlyList<string> changed)
    {
        bool InSelect(string f) => topic.Query.Select.Any(s => s.Name.Equals(f, StringComparison.OrdinalIgnoreCase));
        bool InWhere(string f) => topic.Query.WhereFields.Contains(f);
        return topic.NotifyForFields switch
        {
            "All" => true,
            "Select" => changed.Any(InSelect),
            "Where" => changed.Any(InWhere),
            _ => changed.Any(f => InSelect(f) || InWhere(f)),
        };
    }
}
