using System.IO.Compression;
using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Seeding;

/// <summary>
/// The whole org on disk: every record (recycle bin included), the id counters and the org settings, in a
/// gzip'd binary stream. Fields are stored by name, so a snapshot survives schema additions (new fields load
/// empty, removed ones are skipped). Repeated strings (picklist values, owner ids, companies) are written once
/// and shared again on load, so a loaded org is as compact as a freshly seeded one.
/// </summary>
public static class OrgSnapshot
{
    private const string Magic = "SFEMU-ORG-SNAPSHOT";
    private const int FormatVersion = 1;
    private const int MaxPooledStrings = 2_000_000;

    private enum Tag : byte
    {
        Null,
        Text,
        True,
        False,
        Int,
        Decimal,
        DateTime,
        Date,
        Time,
        NewPooled,
        Pooled,
    }

    public sealed record Summary(long Records, long Bytes);

    /// <summary>Writes the org to <paramref name="path"/> (via a temporary file, so a crash leaves the old one intact).</summary>
    public static Summary Save(OrgStore store, OrgSettings settings, OrgBootstrap bootstrap, string path)
    {
        ArgumentNullException.ThrowIfNull(store);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        long records;
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            records = Save(store, settings, bootstrap, file);
        }

        File.Move(temp, full, overwrite: true);
        return new Summary(records, new FileInfo(full).Length);
    }

    /// <summary>Writes the org to <paramref name="output"/>; holds the org lock meanwhile so the copy is consistent.</summary>
    public static long Save(OrgStore store, OrgSettings settings, OrgBootstrap bootstrap, Stream output)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(bootstrap);
        using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        using var writer = new BinaryWriter(gzip, System.Text.Encoding.UTF8, leaveOpen: true);
        return store.Read(_ => Write(writer, store, settings, bootstrap));
    }

    private static long Write(BinaryWriter writer, OrgStore store, OrgSettings settings, OrgBootstrap bootstrap)
    {
        var pool = new Dictionary<string, int>(StringComparer.Ordinal);
        var records = 0L;
        writer.Write(Magic);
        writer.Write(FormatVersion);
        var (sequence, commit) = store.Counters;
        writer.Write(sequence);
        writer.Write(commit);
        WriteSettings(writer, settings, bootstrap);
        var objects = store.Schema.Objects.Where(o => o.Kind == SObjectKind.Entity).ToList();
        writer.Write(objects.Count);
        foreach (var schema in objects)
        {
            var rows = store.Table(schema).Records;
            writer.Write(schema.Name);
            writer.Write(schema.Fields.Count);
            foreach (var field in schema.Fields)
            {
                writer.Write(field.Name);
            }

            var pooled = schema.Fields.Select(Pooled).ToArray();
            writer.Write(rows.Count);
            foreach (var record in rows)
            {
                writer.Write(record.Id);
                for (var i = 0; i < pooled.Length; i++)
                {
                    WriteValue(writer, record.Values[i], pooled[i], pool);
                }

                records++;
            }
        }

        return records;
    }

    /// <summary>Loads a snapshot into an empty org; returns the number of records loaded.</summary>
    public static long Load(OrgStore store, OrgSettings settings, OrgBootstrap bootstrap, string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Load(store, settings, bootstrap, file);
    }

    public static long Load(OrgStore store, OrgSettings settings, OrgBootstrap bootstrap, Stream input)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(bootstrap);
        using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
        using var reader = new BinaryReader(new BufferedStream(gzip, 1 << 16), System.Text.Encoding.UTF8, leaveOpen: false);
        if (reader.ReadString() != Magic || reader.ReadInt32() is var version && version != FormatVersion)
        {
            throw new InvalidDataException("Not an org snapshot of a format this emulator reads.");
        }

        // Under the org lock: nobody sees a half-loaded org. Loading is not a transaction: it publishes no
        // change events and takes no commit number.
        return store.Read(r => Read(reader, r, store, settings, bootstrap));
    }

    private static long Read(BinaryReader reader, OrgReader org, OrgStore store, OrgSettings settings, OrgBootstrap bootstrap)
    {
        var pool = new List<string>();
        var records = 0L;
        if (org.Schema.Objects.Any(o => org.All(o.Name, includeDeleted: true).Any()))
        {
            throw new InvalidOperationException("A snapshot can only be loaded into an empty org.");
        }

        store.Counters = (reader.ReadInt64(), reader.ReadInt64());
        ReadSettings(reader, settings, bootstrap);
        var objectCount = reader.ReadInt32();
        for (var o = 0; o < objectCount; o++)
        {
            var schema = store.Schema.Find(reader.ReadString());
            var names = new string[reader.ReadInt32()];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = reader.ReadString();
            }

            // Snapshot column -> current ordinal (-1: the field no longer exists).
            var ordinals = names.Select(n => schema?.FindField(n)?.Ordinal ?? -1).ToArray();
            var idOrdinal = schema?.FindField("Id")?.Ordinal ?? -1;
            var table = schema is null ? null : store.Table(schema);
            var count = reader.ReadInt32();
            for (var r = 0; r < count; r++)
            {
                var id = reader.ReadString();
                var record = schema is null ? null : new SObjectRecord(schema, id);
                for (var i = 0; i < ordinals.Length; i++)
                {
                    var value = ReadValue(reader, pool);
                    if (record is not null && ordinals[i] >= 0)
                    {
                        record.Values[ordinals[i]] = value;
                    }
                }

                if (record is not null)
                {
                    if (idOrdinal >= 0)
                    {
                        record.Values[idOrdinal] = record.Id;
                    }

                    table!.Add(record);
                    records++;
                }
            }
        }

        return records;
    }

    /// <summary>Strings worth sharing: values that repeat across records (picklists, lookups, names, cities).</summary>
    private static bool Pooled(FieldSchema field) =>
        field.Type is FieldType.Picklist or FieldType.MultiPicklist or FieldType.Reference or FieldType.String;

    private static void WriteValue(BinaryWriter writer, object? value, bool pooled, Dictionary<string, int> pool)
    {
        switch (value)
        {
            case null:
                writer.Write((byte)Tag.Null);
                break;
            case string s when pooled && pool.TryGetValue(s, out var index):
                writer.Write((byte)Tag.Pooled);
                writer.Write7BitEncodedInt(index);
                break;
            case string s when pooled && pool.Count < MaxPooledStrings:
                pool[s] = pool.Count;
                writer.Write((byte)Tag.NewPooled);
                writer.Write(s);
                break;
            case string s:
                writer.Write((byte)Tag.Text);
                writer.Write(s);
                break;
            case bool b:
                writer.Write((byte)(b ? Tag.True : Tag.False));
                break;
            case int i:
                writer.Write((byte)Tag.Int);
                writer.Write(i);
                break;
            case decimal d:
                writer.Write((byte)Tag.Decimal);
                writer.Write(d);
                break;
            case DateTimeOffset dt:
                writer.Write((byte)Tag.DateTime);
                writer.Write(dt.UtcTicks);
                break;
            case DateOnly date:
                writer.Write((byte)Tag.Date);
                writer.Write(date.DayNumber);
                break;
            case TimeOnly time:
                writer.Write((byte)Tag.Time);
                writer.Write(time.Ticks);
                break;
            default:
                throw new InvalidOperationException($"A record holds a {value.GetType().Name}, which snapshots do not store.");
        }
    }

    private static readonly object True = true;
    private static readonly object False = false;

    private static object? ReadValue(BinaryReader reader, List<string> pool) => (Tag)reader.ReadByte() switch
    {
        Tag.Null => null,
        Tag.Text => reader.ReadString(),
        Tag.NewPooled => Add(pool, reader.ReadString()),
        Tag.Pooled => pool[reader.Read7BitEncodedInt()],
        Tag.True => True,
        Tag.False => False,
        Tag.Int => reader.ReadInt32(),
        Tag.Decimal => reader.ReadDecimal(),
        Tag.DateTime => new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero),
        Tag.Date => DateOnly.FromDayNumber(reader.ReadInt32()),
        Tag.Time => new TimeOnly(reader.ReadInt64()),
        var tag => throw new InvalidDataException($"Unknown value tag {(byte)tag} in the snapshot."),
    };

    private static string Add(List<string> pool, string value)
    {
        pool.Add(value);
        return value;
    }

    private static void WriteSettings(BinaryWriter writer, OrgSettings settings, OrgBootstrap bootstrap)
    {
        writer.Write(bootstrap.IntegrationUserId);
        writer.Write(bootstrap.LeadQueueId);
        WriteStrings(writer, bootstrap.SalesRepIds);
        writer.Write(settings.AssignmentRuleId);
        writer.Write(settings.AssignmentRuleActive);
        WriteStrings(writer, settings.RoundRobinOwnerIds);
        writer.Write(settings.DefaultLeadOwnerId ?? string.Empty);
        writer.Write(settings.NextRoundRobinIndex);
        writer.Write(settings.MultiCurrency);
        writer.Write(settings.CorporateCurrency);
        writer.Write(settings.DatedRates.Count);
        foreach (var (iso, rates) in settings.DatedRates)
        {
            writer.Write(iso);
            writer.Write(rates.Count);
            foreach (var (start, rate) in rates)
            {
                writer.Write(start.DayNumber);
                writer.Write(rate);
            }
        }
    }

    private static void ReadSettings(BinaryReader reader, OrgSettings settings, OrgBootstrap bootstrap)
    {
        var integrationUser = reader.ReadString();
        var leadQueue = reader.ReadString();
        bootstrap.Restore(integrationUser, leadQueue, ReadStrings(reader));
        settings.AssignmentRuleId = reader.ReadString();
        settings.AssignmentRuleActive = reader.ReadBoolean();
        settings.RoundRobinOwnerIds.Clear();
        settings.RoundRobinOwnerIds.AddRange(ReadStrings(reader));
        settings.DefaultLeadOwnerId = reader.ReadString() is { Length: > 0 } owner ? owner : null;
        settings.NextRoundRobinIndex = reader.ReadInt32();
        settings.MultiCurrency = reader.ReadBoolean();
        settings.CorporateCurrency = reader.ReadString();
        settings.DatedRates.Clear();
        var currencies = reader.ReadInt32();
        for (var c = 0; c < currencies; c++)
        {
            var iso = reader.ReadString();
            var rates = new SortedList<DateOnly, decimal>();
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                rates[DateOnly.FromDayNumber(reader.ReadInt32())] = reader.ReadDecimal();
            }

            settings.DatedRates[iso] = rates;
        }
    }

    private static void WriteStrings(BinaryWriter writer, IReadOnlyCollection<string> values)
    {
        writer.Write(values.Count);
        foreach (var v in values)
        {
            writer.Write(v);
        }
    }

    private static List<string> ReadStrings(BinaryReader reader)
    {
        var values = new List<string>();
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            values.Add(reader.ReadString());
        }

        return values;
    }
}
