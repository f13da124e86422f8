using Microsoft.Extensions.Logging;

namespace Connector.Ledger;

// Ledger event ids: 51xx.
internal static partial class Log
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Ledger migration {Version} ({Name}) applied on {Provider}")]
    public static partial void MigrationApplied(ILogger logger, int version, string name, LedgerProvider provider);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Ledger schema is up to date at version {Version} on {Provider}")]
    public static partial void SchemaUpToDate(ILogger logger, int version, LedgerProvider provider);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Information, Message = "Program {ProgramId} version {Version} is now applied (saved by {SavedBy} at {SavedAt})")]
    public static partial void ProgramVersionPublished(ILogger logger, string programId, int version, string savedBy, DateTimeOffset savedAt);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Warning, Message = "Could not read program {ProgramId}'s current version; the running version stays: {Error}")]
    public static partial void ProgramVersionRefreshFailed(ILogger logger, string programId, string error);
}
