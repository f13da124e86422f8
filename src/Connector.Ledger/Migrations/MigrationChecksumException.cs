namespace Connector.Ledger.Migrations;

/// <summary>An applied migration's script was edited afterwards: the database may not match the code's schema.</summary>
public sealed class MigrationChecksumException : InvalidOperationException
{
    public MigrationChecksumException(int version, string name, string appliedChecksum, string currentChecksum)
        : base($"Migration {version:D4}_{name} was applied with checksum {appliedChecksum} but the script now has checksum {currentChecksum}. " +
            "Applied migrations must not change; add a new migration instead (or restore the original script).")
    {
        Version = version;
    }

    public MigrationChecksumException()
    {
    }

    public MigrationChecksumException(string message)
        : base(message)
    {
    }

    public MigrationChecksumException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Version { get; }
}
