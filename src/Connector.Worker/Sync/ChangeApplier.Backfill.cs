using Connector.Referrals.Processing;

namespace Connector.Worker.Sync;

public sealed partial class ChangeApplier
{
    /// <summary>The records of <paramref name="entity"/> whose re-read is pending now.</summary>
    public IReadOnlyList<string> PendingResyncs(ChangeEntity entity) => [.. _deferred.Keys.Where(k => k.Entity == entity).Select(k => k.Id)];

    /// <summary>
    /// Drops pending re-reads a backfill made pointless: it read every record of <paramref name="entity"/> after the
    /// re-reads were requested and applied each one (a backfill of a large org would otherwise re-read its converted
    /// leads' opportunities by id, 200 per call, right after reading them all).
    /// </summary>
    public void ForgetResyncs(ChangeEntity entity, IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        foreach (var id in ids)
        {
            _deferred.TryRemove((entity, id), out _);
        }
    }
}
