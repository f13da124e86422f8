using Connector.Referrals.Processing;

namespace Connector.Worker.Sync;

/// <summary>
/// What one streaming event means for the domain: a change per record it names (several for a merged multi-record
/// event), or an entity that must be caught up by query because the event cannot name its records, or nothing with
/// the reason (an object the worker does not sync, a message that is not a change event).
/// </summary>
public sealed record NormalizedEvent(IReadOnlyList<SalesforceChange> Changes, EntityResync? Resync = null, string? Skipped = null)
{
    public static NormalizedEvent Skip(string reason) => new([], null, reason);
}

/// <summary>
/// The stream lost changes of an entity without naming the records (GAP_OVERFLOW; a wildcard record id such as
/// "001*" after a field type conversion; a gap event without ids): catch the entity up with the (SystemModstamp, Id)
/// cursor. The domain's <see cref="ChangeKind.Gap"/> is per record, so this stays outside <see cref="SalesforceChange"/>.
/// </summary>
public sealed record EntityResync(ChangeEntity Entity, string SObject, string EventKey, DateTimeOffset? CommitTimestamp, string Reason);
