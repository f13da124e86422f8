using Connector.Ledger.Applying;

namespace Connector.Ledger.Programs;

/// <summary>
/// Where <see cref="ReferralLedger"/> reads the program it applies a change under: read once per use, so a version an
/// admin saves takes effect for the next change without restarting the worker.
/// </summary>
public interface ILedgerProgramSource
{
    LedgerProgram Current { get; }

    /// <summary>
    /// Which org fields carry what the domain reads under its canonical names, published with <see cref="Current"/>: the
    /// worker selects these fields and renames them before a change reaches the ledger.
    /// </summary>
    FieldMapping Fields { get; }
}

/// <summary>A program that never changes (tests, hosts without the versioned store).</summary>
public sealed class FixedLedgerProgramSource(LedgerProgram program, FieldMapping? fields = null) : ILedgerProgramSource
{
    public LedgerProgram Current { get; } = program ?? throw new ArgumentNullException(nameof(program));

    public FieldMapping Fields { get; } = fields ?? FieldMapping.For(program);
}

/// <summary>
/// The program as last published: starts with the host's configured program, then whatever
/// <see cref="ProgramVersionStore"/> saves or finds current in the ledger (<see cref="ProgramVersionRefresher"/>).
/// </summary>
public sealed class PublishedLedgerProgramSource : ILedgerProgramSource
{
    private Published _current;

    public PublishedLedgerProgramSource(LedgerProgram initial, FieldMapping? fields = null)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _current = new Published(initial, fields ?? FieldMapping.For(initial), null);
    }

    public LedgerProgram Current => Volatile.Read(ref _current).Program;

    public FieldMapping Fields => Volatile.Read(ref _current).Fields;

    /// <summary>The stored version published last; null while the configured program is in force.</summary>
    public int? Version => Volatile.Read(ref _current).Version;

    /// <summary>
    /// Publishes <paramref name="program"/> with its <paramref name="fields"/> as stored version <paramref name="version"/>;
    /// an older version never replaces a newer one.
    /// </summary>
    public bool Publish(LedgerProgram program, FieldMapping fields, int version)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(fields);
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current.Version is { } known && known >= version)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, new Published(program, fields, version), current) == current)
            {
                return true;
            }
        }
    }

    private sealed record Published(LedgerProgram Program, FieldMapping Fields, int? Version);
}
