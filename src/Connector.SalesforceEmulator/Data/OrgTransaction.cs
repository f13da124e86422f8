using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Data;

/// <summary>
/// A unit of work on the org, holding the org lock. Writes take effect at once (so later statements in the
/// same transaction see them) and are undone if the transaction is disposed without <see cref="Commit"/>.
/// Audit fields are maintained here for every object; business rules live in <see cref="Dml"/>.
/// </summary>
public sealed class OrgTransaction : IDisposable
{
    private readonly OrgStore _store;
    private readonly OrgTransaction? _outer;
    private readonly List<(SObjectRecord Record, object?[]? Before)> _undo;
    private readonly List<RecordChange> _changes;
    private readonly int _undoStart;
    private readonly int _changesStart;
    private readonly object _boxedNow;
    private bool _done;

    internal OrgTransaction(OrgStore store, DmlContext context)
    {
        _store = store;
        _undo = [];
        _changes = [];
        Context = context;
        // Salesforce stores audit timestamps to the second: many records share a SystemModstamp.
        var now = store.Time.GetUtcNow();
        Now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        // One boxed timestamp shared by every record the transaction touches: a seed of a million rows
        // would otherwise hold three boxes per row.
        _boxedNow = Now;
    }

    private OrgTransaction(OrgTransaction outer, DmlContext context)
    {
        _store = outer._store;
        _outer = outer;
        _undo = outer._undo;
        _changes = outer._changes;
        _undoStart = _undo.Count;
        _changesStart = _changes.Count;
        Context = context;
        Now = outer.Now;
        _boxedNow = outer._boxedNow;
    }

    public DmlContext Context { get; }

    /// <summary>True until committed or disposed.</summary>
    public bool IsOpen => !_done;

    /// <summary>True for a savepoint inside another transaction (its changes publish with the outer one).</summary>
    public bool IsNested => _outer is not null;

    internal OrgTransaction BeginNested(DmlContext context) => new(this, context);
    public DateTimeOffset Now { get; }
    public OrgReader Reader => new(_store);
    public OrgSchema Schema => _store.Schema;

    public SObjectRecord Insert(SObjectSchema schema, IEnumerable<KeyValuePair<FieldSchema, object?>> values)
    {
        EnsureOpen();
        var record = new SObjectRecord(schema, _store.NewId(schema));
        foreach (var (field, value) in values)
        {
            record.Values[field.Ordinal] = value;
        }

        SetIfPresent(record, "Id", record.Id);
        // A custom object's text Name left empty takes the record id, as the platform does.
        if (schema.Custom && schema.NameFieldSchema is { Type: FieldType.String } name && record.Values[name.Ordinal] is null or "")
        {
            record.Values[name.Ordinal] = record.Id;
        }

        SetIfPresent(record, "IsDeleted", False);
        SetIfPresent(record, "CreatedDate", _boxedNow);
        SetIfPresent(record, "CreatedById", Context.UserId);
        Touch(record);
        _store.Table(schema).Add(record);
        _undo.Add((record, null));
        if (!Context.PublishChanges)
        {
            return record;
        }

        var changed = schema.Fields
            .Where(f => record.Values[f.Ordinal] is not null && !f.ExcludedFromChangeEvents)
            .Select(f => f.Name)
            .ToList();
        _changes.Add(new RecordChange(schema, ChangeType.Create, [record.Id], changed, record.CopyValues(), null));
        return record;
    }

    /// <summary>Applies <paramref name="values"/>; returns the names of the fields whose value actually changed.</summary>
    public IReadOnlyList<string> Update(SObjectRecord record, IEnumerable<KeyValuePair<FieldSchema, object?>> values)
    {
        EnsureOpen();
        var before = record.CopyValues();
        var changed = new List<string>();
        foreach (var (field, value) in values)
        {
            if (!Equals(record.Values[field.Ordinal], value))
            {
                record.Values[field.Ordinal] = value;
                changed.Add(field.Name);
            }
        }

        Touch(record);
        _undo.Add((record, before));
        _store.Table(record.Schema).Reindex(record, before);
        if (!Context.PublishChanges)
        {
            return changed;
        }

        var eventFields = changed.ToList();
        if (record.Schema.TryGetField("LastModifiedDate", out _) && !eventFields.Contains("LastModifiedDate"))
        {
            eventFields.Add("LastModifiedDate");
        }

        _changes.Add(new RecordChange(record.Schema, ChangeType.Update, [record.Id], eventFields, record.CopyValues(), before));
        return changed;
    }

    /// <summary>Moves a record to the recycle bin (IsDeleted = true); queryAll still returns it.</summary>
    public void Delete(SObjectRecord record)
    {
        EnsureOpen();
        var before = record.CopyValues();
        SetIfPresent(record, "IsDeleted", true);
        Touch(record);
        _undo.Add((record, before));
        if (Context.PublishChanges)
        {
            _changes.Add(new RecordChange(record.Schema, ChangeType.Delete, [record.Id], [], null, before));
        }
    }

    public void Undelete(SObjectRecord record)
    {
        EnsureOpen();
        var before = record.CopyValues();
        SetIfPresent(record, "IsDeleted", false);
        Touch(record);
        _undo.Add((record, before));
        if (!Context.PublishChanges)
        {
            return;
        }

        var fields = record.Schema.Fields
            .Where(f => record.Values[f.Ordinal] is not null && !f.ExcludedFromChangeEvents)
            .Select(f => f.Name)
            .ToList();
        _changes.Add(new RecordChange(record.Schema, ChangeType.Undelete, [record.Id], fields, record.CopyValues(), before));
    }

    /// <summary>
    /// Publishes a platform event (nothing is stored): subscribers of /event/Name receive it when the
    /// transaction commits, as with "Publish After Commit" events. Returns the event's id.
    /// </summary>
    public string PublishEvent(SObjectSchema schema, IEnumerable<KeyValuePair<FieldSchema, object?>> values)
    {
        EnsureOpen();
        var id = _store.NewId(schema);
        var record = new SObjectRecord(schema, id);
        foreach (var (field, value) in values)
        {
            record.Values[field.Ordinal] = value;
        }

        SetIfPresent(record, "CreatedDate", Now);
        SetIfPresent(record, "CreatedById", Context.UserId);
        SetIfPresent(record, "EventUuid", Guid.NewGuid().ToString());
        var fields = schema.Fields.Where(f => record.Values[f.Ordinal] is not null).Select(f => f.Name).ToList();
        _changes.Add(new RecordChange(schema, ChangeType.Create, [id], fields, record.Values, null));
        return id;
    }

    /// <summary>Adds a change event that no record write produced (GAP and overflow simulation).</summary>
    public void AddSyntheticChange(RecordChange change)
    {
        EnsureOpen();
        _changes.Add(change);
    }

    /// <summary>Makes every change permanent and publishes the change events, in order, with one transaction key.</summary>
    public IReadOnlyList<RecordChange> Commit()
    {
        EnsureOpen();
        _done = true;
        if (_outer is not null)
        {
            // A savepoint's changes become part of the outer transaction and publish when it commits.
            return _changes.Skip(_changesStart).ToList();
        }

        try
        {
            var key = Guid.NewGuid().ToString();
            var commitNumber = _store.NextCommitNumber();
            var published = _changes.Count <= _store.OverflowThreshold
                ? _changes
                : _changes.Take(_store.OverflowThreshold)
                    .Concat(_changes.Skip(_store.OverflowThreshold).GroupBy(c => c.Object)
                        .Select(g => new RecordChange(g.Key, ChangeType.GapOverflow, [], [], null, null)))
                    .ToList();
            var stamped = published.Select((c, i) => c with
            {
                TransactionKey = key,
                SequenceNumber = i + 1,
                CommitTimestamp = Now,
                CommitNumber = commitNumber,
                CommitUser = Context.UserId,
                ChangeOrigin = Context.ChangeOrigin,
            }).ToList();
            if (stamped.Count > 0)
            {
                _store.Publish(stamped);
            }

            return stamped;
        }
        finally
        {
            _store.ExitLock();
        }
    }

    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            for (var i = _undo.Count - 1; i >= _undoStart; i--)
            {
                var (record, before) = _undo[i];
                var table = _store.Table(record.Schema);
                if (before is null)
                {
                    table.RemoveInserted(record);
                }
                else
                {
                    var current = record.CopyValues();
                    record.Values = before;
                    table.Reindex(record, current);
                }
            }

            _undo.RemoveRange(_undoStart, _undo.Count - _undoStart);
            _changes.RemoveRange(_changesStart, _changes.Count - _changesStart);
        }
        finally
        {
            if (_outer is null)
            {
                _store.ExitLock();
            }
        }
    }

    private void Touch(SObjectRecord record)
    {
        SetIfPresent(record, "LastModifiedDate", _boxedNow);
        SetIfPresent(record, "LastModifiedById", Context.UserId);
        SetIfPresent(record, "SystemModstamp", _boxedNow);
    }

    private static void SetIfPresent(SObjectRecord record, string field, object? value)
    {
        if (record.Schema.TryGetField(field, out var f))
        {
            record.Values[f.Ordinal] = value;
        }
    }

    private static readonly object False = false;

    private void EnsureOpen() => ObjectDisposedException.ThrowIf(_done, this);
}
