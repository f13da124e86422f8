using System.Text.Json;
using System.Text.Json.Nodes;
using Connector.Ledger.Outbox;

namespace Connector.Worker.Outbox;

/// <summary>
/// The contract between whoever writes outbox rows (the sync path, through <c>LedgerStore.ApplyAsync</c>) and the
/// dispatcher. The ledger stores kind, target and a JSON payload without looking inside; this is what they mean:
/// <list type="bullet">
/// <item><see cref="OutboxKinds.OwnerChange"/>: <c>TargetSObject</c> an object with assignment rules and an OwnerId
/// (normally <c>Lead</c>), <c>TargetId</c> the record's 15- or 18-character id, payload <c>{"OwnerId":"005…"}</c> and
/// nothing else (a user or queue id). Sent as an sObject Collections update with <c>Sforce-Auto-Assign: FALSE</c>,
/// then verified by re-reading OwnerId.</item>
/// <item><see cref="OutboxKinds.ProfileUpsert"/>: <c>TargetSObject</c> <c>Advocate__c</c> (any object with the
/// <c>External_Key__c</c> external id), <c>TargetId</c> the External_Key__c value, payload a flat JSON object of the
/// record's fields as Salesforce takes them (<c>{"Name":"…","Status__c":"Active","Total_Referrals__c":3,…}</c>): the
/// whole profile as decided, not a delta. No <c>Id</c>; an <c>External_Key__c</c> in it must equal TargetId. Sent
/// as an sObject Collections upsert by External_Key__c.</item>
/// </list>
/// Both are idempotent, and a later message for the same target supersedes an earlier one: within a batch only the
/// newest is sent and its outcome stands for the others.
/// </summary>
public static class OutboxPayloads
{
    public const string ExternalIdField = "External_Key__c";
    public const string InvalidPayload = "INVALID_PAYLOAD";
    public const string UnknownKind = "UNKNOWN_OUTBOX_KIND";

    /// <summary>The record to send for <paramref name="message"/>, or the reason it cannot be sent.</summary>
    public static (JsonObject? Record, string? Error) ToRecord(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Kind switch
        {
            OutboxKinds.OwnerChange => OwnerChange(message),
            OutboxKinds.ProfileUpsert => ProfileUpsert(message),
            OutboxKinds.ProfileUpdate => ProfileUpdate(message),
            _ => (null, $"{UnknownKind}: the dispatcher does not know outbox kind '{message.Kind}'"),
        };
    }

    /// <summary>The owner an owner-change record sets.</summary>
    public static string OwnerOf(JsonObject record) => (string)record["OwnerId"]!;

    private static (JsonObject?, string?) OwnerChange(OutboxMessage message)
    {
        if (!IsRecordId(message.TargetId))
        {
            return (null, $"{InvalidPayload}: OwnerChange target '{message.TargetId}' is not a record id");
        }

        if (Parse(message.Payload) is not { } payload)
        {
            return (null, $"{InvalidPayload}: OwnerChange payload is not a JSON object");
        }

        if (payload.Count != 1 || !payload.TryGetPropertyValue("OwnerId", out var owner)
            || owner?.GetValueKind() != JsonValueKind.String || !IsRecordId((string)owner!))
        {
            return (null, $"{InvalidPayload}: OwnerChange payload must be {{\"OwnerId\":\"<user or queue id>\"}}");
        }

        return (new JsonObject { ["Id"] = message.TargetId, ["OwnerId"] = (string)owner! }, null);
    }

    private static (JsonObject?, string?) ProfileUpsert(OutboxMessage message)
    {
        if (string.IsNullOrWhiteSpace(message.TargetId))
        {
            return (null, $"{InvalidPayload}: ProfileUpsert has no {ExternalIdField} value");
        }

        if (Parse(message.Payload) is not { } payload)
        {
            return (null, $"{InvalidPayload}: ProfileUpsert payload is not a JSON object");
        }

        if (payload.ContainsKey("Id") || payload.ContainsKey("attributes"))
        {
            return (null, $"{InvalidPayload}: ProfileUpsert payload must not carry Id or attributes; it is keyed by {ExternalIdField}");
        }

        if (payload.Any(p => p.Value is JsonObject or JsonArray))
        {
            return (null, $"{InvalidPayload}: ProfileUpsert payload must be flat field values");
        }

        if (payload.TryGetPropertyValue(ExternalIdField, out var key)
            && (key?.GetValueKind() != JsonValueKind.String || !string.Equals((string)key!, message.TargetId, StringComparison.Ordinal)))
        {
            return (null, $"{InvalidPayload}: ProfileUpsert payload {ExternalIdField} differs from its target");
        }

        payload[ExternalIdField] = message.TargetId;
        return (payload, null);
    }

    private static (JsonObject?, string?) ProfileUpdate(OutboxMessage message)
    {
        if (!IsRecordId(message.TargetId))
        {
            return (null, $"{InvalidPayload}: ProfileUpdate target '{message.TargetId}' is not a record id");
        }

        if (Parse(message.Payload) is not { } payload || payload.Any(p => p.Value is JsonObject or JsonArray) || payload.ContainsKey("attributes"))
        {
            return (null, $"{InvalidPayload}: ProfileUpdate payload must be a flat JSON object of field values");
        }

        payload["Id"] = message.TargetId;
        return (payload, null);
    }

    private static JsonObject? Parse(string payload)
    {
        try
        {
            return JsonNode.Parse(payload) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsRecordId(string value) =>
        value.Length is 15 or 18 && value.All(char.IsAsciiLetterOrDigit);
}
