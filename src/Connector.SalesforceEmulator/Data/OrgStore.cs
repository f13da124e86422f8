using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Data;

/// <summary>
/// The org's records, in memory. Every read and write happens inside <see cref="Read{T}"/> or an
/// <see cref="OrgTransaction"/>, both under one lock: the emulator favours exact semantics (allOrNone,
/// commit order of change events) over write concurrency. The lock is a semaphore owned by the logical
/// call flow (AsyncLocal), so a Composite request can hold one transaction across its awaited subrequests
/// and the subrequests' own reads and transactions nest inside it instead of deadlocking.
/// </summary>
public sealed class OrgStore
{
    private readonly Dictionary<string, ObjectTable> _tables = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IOrgChangeListener> _listeners = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly AsyncLocal<OrgTransaction?> _ambient = new();
    private readonly Lock _listenersLock = new();
    private long _nextSequence = 1;
    private long _commitNumber = 10_000_000_000;

    public OrgStore(OrgSchema schema, TimeProvider time, string orgId)
    {
        Schema = schema;
        Time = time;
        OrgId = orgId;
        foreach (var o in schema.Objects)
        {
            _tables[o.Name] = new ObjectTable(o);
        }
    }

    public OrgSchema Schema { get; }

    /// <summary>
    /// Changes one transaction may publish as normal events; the rest become one GAP_OVERFLOW event per
    /// entity, as Change Data Capture does above 100,000 changes (fact sheet §4.8).
    /// </summary>
    public int OverflowThreshold { get; set; } = 100_000;
    public TimeProvider Time { get; }
    public string OrgId { get; }

    public void AddListener(IOrgChangeListener listener)
    {
        lock (_listenersLock)
        {
            _listeners.Add(listener);
        }
    }

    /// <summary>Runs <paramref name="read"/> against a consistent view of the org.</summary>
    public T Read<T>(Func<OrgReader, T> read)
    {
        // Also true while a commit publishes its events: listeners may read the org they are told about.
        if (_ambient.Value is not null)
        {
            return read(new OrgReader(this));
        }

        _gate.Wait();
        try
        {
            return read(new OrgReader(this));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Opens a transaction holding the org lock until it is committed or disposed (dispose without commit
    /// rolls every change back). Change events are published once, at commit of the outermost transaction.
    /// Inside an open transaction of the same call flow this returns a nested one: a savepoint whose
    /// dispose-without-commit undoes only its own changes.
    /// </summary>
    public OrgTransaction BeginTransaction(DmlContext context)
    {
        if (_ambient.Value is { IsOpen: true } outer)
        {
            return outer.BeginNested(context);
        }

        _gate.Wait();
        var tx = new OrgTransaction(this, context);
        _ambient.Value = tx;
        return tx;
    }

    internal void ExitLock()
    {
        _ambient.Value = null;
        _gate.Release();
    }

    internal ObjectTable Table(SObjectSchema schema) => _tables[schema.Name];

    internal ObjectTable? Table(string name) => _tables.GetValueOrDefault(name);

    internal string NewId(SObjectSchema schema) => SalesforceIds.Create(schema.KeyPrefix, _nextSequence++);

    internal long NextCommitNumber() => ++_commitNumber;

    /// <summary>The id and commit counters, saved and restored with snapshots (only while holding the lock).</summary>
    internal (long NextSequence, long CommitNumber) Counters
    {
        get => (_nextSequence, _commitNumber);
        set => (_nextSequence, _commitNumber) = value;
    }

    internal void Publish(IReadOnlyList<RecordChange> changes)
    {
        IOrgChangeListener[] listeners;
        lock (_listenersLock)
        {
            listeners = [.. _listeners];
        }

        foreach (var l in listeners)
        {
            l.OnCommitted(changes);
        }
    }

    public long Count(string sobject, bool includeDeleted = false) =>
        Read(r => r.All(sobject, includeDeleted).LongCount());
}

/// <summary>Read access to the org's tables, valid only inside <see cref="OrgStore.Read{T}"/> or a transaction.</summary>
public readonly struct OrgReader
{
    private readonly OrgStore _store;

    internal OrgReader(OrgStore store) => _store = store;

    public OrgSchema Schema => _store.Schema;

    /// <summary>The org clock (SOQL relative dates such as TODAY are evaluated against it).</summary>
    public TimeProvider Time => _store.Time;

    public SObjectRecord? Find(string id)
    {
        var normalized = SalesforceIds.Normalize(id);
        if (normalized is null || _store.Schema.FindByKeyPrefix(normalized) is not { } schema)
        {
            return null;
        }

        return _store.Table(schema).Find(normalized);
    }

    /// <summary>Records of one type in insertion order; deleted ones (recycle bin) only when asked.</summary>
    public IEnumerable<SObjectRecord> All(string sobject, bool includeDeleted = false)
    {
        var table = _store.Table(sobject) ?? throw new ArgumentException($"Unknown sObject {sobject}", nameof(sobject));
        return includeDeleted ? table.Records : table.Records.Where(r => !r.IsDeleted);
    }

    /// <summary>Live records whose external-id (or unique) field equals <paramref name="value"/>.</summary>
    public IReadOnlyList<SObjectRecord> FindByExternalId(SObjectSchema schema, FieldSchema field, string value) =>
        _store.Table(schema).FindByIndex(field, value);
}
