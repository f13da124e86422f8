using System.Text.Json;
using Connector.Salesforce.Http;

namespace Connector.Salesforce.Writes;

/// <summary>Per-call write settings.</summary>
public sealed record WriteOptions
{
    public static readonly WriteOptions Default = new();

    /// <summary>
    /// Roll back a whole call when any record fails. Default false: each record stands alone and failures are
    /// reported per record. Atomic only within one call, so it is refused for more than 200 records.
    /// </summary>
    public bool AllOrNone { get; init; }

    /// <summary>
    /// Sforce-Auto-Assign. Null: FALSE when any record sets OwnerId (otherwise Salesforce's assignment rule
    /// would overwrite the owner we chose, fact sheet §3.1), else no header (Salesforce's default, TRUE).
    /// </summary>
    public bool? AutoAssign { get; init; }

    public CallPriority Priority { get; init; } = CallPriority.Normal;

    /// <summary>How records are turned into JSON; default: names as written, null properties of classes left out.</summary>
    public JsonSerializerOptions? Json { get; init; }
}
