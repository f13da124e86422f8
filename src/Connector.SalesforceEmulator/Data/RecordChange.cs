using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Data;

/// <summary>CDC change types, as in ChangeEventHeader.changeType.</summary>
public enum ChangeType
{
    Create,
    Update,
    Delete,
    Undelete,
    GapCreate,
    GapUpdate,
    GapDelete,
    GapUndelete,
    GapOverflow,
}

/// <summary>
/// One committed change to one record, published to streaming once its transaction commits.
/// <see cref="ChangedFields"/> lists the fields a caller set (CREATE: every non-null field; UPDATE: the
/// fields whose value changed); <see cref="After"/> is the full record after the change (null for DELETE).
/// </summary>
public sealed record RecordChange(
    SObjectSchema Object,
    ChangeType Type,
    IReadOnlyList<string> RecordIds,
    IReadOnlyList<string> ChangedFields,
    object?[]? After,
    object?[]? Before)
{
    public string TransactionKey { get; init; } = string.Empty;
    public int SequenceNumber { get; init; }
    public DateTimeOffset CommitTimestamp { get; init; }
    public long CommitNumber { get; init; }
    public string CommitUser { get; init; } = string.Empty;
    public string ChangeOrigin { get; init; } = string.Empty;

    public static string WireChangeType(ChangeType type) => type switch
    {
        ChangeType.Create => "CREATE",
        ChangeType.Update => "UPDATE",
        ChangeType.Delete => "DELETE",
        ChangeType.Undelete => "UNDELETE",
        ChangeType.GapCreate => "GAP_CREATE",
        ChangeType.GapUpdate => "GAP_UPDATE",
        ChangeType.GapDelete => "GAP_DELETE",
        ChangeType.GapUndelete => "GAP_UNDELETE",
        ChangeType.GapOverflow => "GAP_OVERFLOW",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}

/// <summary>Receives every committed transaction's changes, in commit order (streaming subscribes here).</summary>
public interface IOrgChangeListener
{
    void OnCommitted(IReadOnlyList<RecordChange> changes);
}

/// <summary>Who is making a change, and how: drives CreatedById, changeOrigin and assignment rules.</summary>
public sealed record DmlContext(string UserId, string ChangeOrigin = "")
{
    /// <summary>Sforce-Auto-Assign: true (default) runs the active lead assignment rule on create and update.</summary>
    public bool AutoAssign { get; init; } = true;

    /// <summary>Set when the caller named a specific AssignmentRule id in Sforce-Auto-Assign.</summary>
    public string? AssignmentRuleId { get; init; }

    /// <summary>
    /// False for data that predates every subscriber (seeding, snapshot loads): no change events are built or
    /// published, which keeps a million-record seed from doubling its memory and flooding the replay buffer.
    /// </summary>
    public bool PublishChanges { get; init; } = true;
}
