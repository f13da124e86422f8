using System.Data.Common;
using Dapper;

namespace Connector.Ledger.Programs;

/// <summary>One saved version of a program's configuration.</summary>
public sealed record ProgramVersion(
    string ProgramId, int Version, ProgramDocument Document, string SavedBy, DateTimeOffset SavedAt, string? Comment, int? CopiedFrom)
{
    /// <summary>The name decisions made under this version record (<c>mapping_version</c>).</summary>
    public string MappingVersion => ProgramDocument.VersionName(Version);
}

/// <summary>A save refused because the document is invalid; <see cref="Errors"/> name each setting.</summary>
public sealed class ProgramValidationException : Exception
{
    public ProgramValidationException(IReadOnlyList<string> errors)
        : base("The program cannot be saved: " + string.Join(" ", errors)) => Errors = errors;

    public ProgramValidationException()
        : this([])
    {
    }

    public ProgramValidationException(string message)
        : base(message) => Errors = [message];

    public ProgramValidationException(string message, Exception innerException)
        : base(message, innerException) => Errors = [message];

    public IReadOnlyList<string> Errors { get; }
}

/// <summary>
/// Every saved version of a program's configuration, with who saved it, when and why. The current version is the
/// highest; a rollback saves a new version copying an old one (history only grows). Each save is audited in
/// <see cref="AdminAuditStore"/> in the same transaction and published to the running ledger when a
/// <see cref="PublishedLedgerProgramSource"/> is given.
/// </summary>
public sealed class ProgramVersionStore
{
    private const string Columns = "program_id, version, document, saved_by, saved_at, comment, copied_from";

    private readonly LedgerDatabase _database;
    private readonly TimeProvider _time;
    private readonly PublishedLedgerProgramSource? _published;

    public ProgramVersionStore(LedgerDatabase database, TimeProvider time, PublishedLedgerProgramSource? published = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time;
        _published = published;
    }

    /// <summary>
    /// Saves <paramref name="document"/> as the program's next version. The reward rules' version is assigned here:
    /// kept when the rules are unchanged, else one more than the highest used (a reward entry names the rules version it
    /// was computed under, so different rules never share a version). Refused with every problem when invalid.
    /// </summary>
    public Task<ProgramVersion> SaveAsync(ProgramDocument document, string actor, string? comment, CancellationToken cancellationToken) =>
        SaveAsync(document, actor, comment, null, "mapping.save", cancellationToken);

    /// <summary>Makes a copy of <paramref name="version"/> the current version. Null when there is no such version.</summary>
    public async Task<ProgramVersion?> RollbackAsync(string programId, int version, string actor, string? comment, CancellationToken cancellationToken)
    {
        var old = await GetAsync(programId, version, cancellationToken).ConfigureAwait(false);
        return old is null
            ? null
            : await SaveAsync(old.Document, actor, comment ?? $"rollback to v{version}", version, "mapping.rollback", cancellationToken).ConfigureAwait(false);
    }

    public async Task<ProgramVersion?> CurrentAsync(string programId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM program_versions WHERE program_id = @ProgramId ORDER BY version DESC {_database.Dialect.Limit("1")}",
            new { ProgramId = programId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToVersion()).FirstOrDefault();
    }

    public async Task<ProgramVersion?> GetAsync(string programId, int version, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM program_versions WHERE program_id = @ProgramId AND version = @Version",
            new { ProgramId = programId, Version = version }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToVersion();
    }

    /// <summary>The programs that have saved versions.</summary>
    public async Task<IReadOnlyList<string>> ProgramIdsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT program_id FROM program_versions ORDER BY program_id", cancellationToken: cancellationToken)).ConfigureAwait(false)];
    }

    /// <summary>Every version, newest first.</summary>
    public async Task<IReadOnlyList<ProgramVersion>> ListAsync(string programId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM program_versions WHERE program_id = @ProgramId ORDER BY version DESC",
            new { ProgramId = programId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToVersion())];
    }

    private async Task<ProgramVersion> SaveAsync(
        ProgramDocument document, string actor, string? comment, int? copiedFrom, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var errors = document.Validate();
        if (errors.Count > 0)
        {
            throw new ProgramValidationException(errors);
        }

        var now = _time.GetUtcNow();
        var d = _database.Dialect;
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var history = (await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM program_versions WHERE program_id = @ProgramId ORDER BY version DESC",
            new { document.ProgramId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => r.ToVersion()).ToList();
        var next = history.Count == 0 ? 1 : history[0].Version + 1;
        var rulesVersion = RulesVersion(document, history);
        var saved = document with { Rewards = document.Rewards with { Version = rulesVersion } };
        var version = new ProgramVersion(document.ProgramId, next, saved, Cut(actor, 255), now, comment is null ? null : Cut(comment, 1000), copiedFrom);

        // The unique (program_id, version) makes a concurrent save of the same number fail rather than both win.
        await connection.ExecuteAsync(new CommandDefinition($"""
            INSERT INTO program_versions ({Columns})
            VALUES (@ProgramId, @Version, {d.JsonParameter("@Document")}, @SavedBy, @SavedAt, @Comment, @CopiedFrom)
            """, new
        {
            version.ProgramId,
            version.Version,
            Document = ProgramJson.Serialize(saved),
            version.SavedBy,
            version.SavedAt,
            version.Comment,
            version.CopiedFrom,
        }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var detail = copiedFrom is { } from
            ? $"v{next} restores v{from}" + (comment is null ? string.Empty : $": {comment}")
            : $"v{next} saved" + (comment is null ? string.Empty : $": {comment}");
        await AdminAuditStore.InsertAsync(connection, transaction, actor, action, $"Program:{document.ProgramId}", detail, now, cancellationToken)
            .ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        _published?.Publish(saved.ToProgram(version.MappingVersion), saved.Fields, next);
        return version;
    }

    private static int RulesVersion(ProgramDocument document, List<ProgramVersion> history)
    {
        var sameRules = history.FirstOrDefault(v => Same(v.Document.Rewards, document.Rewards));
        if (sameRules is not null)
        {
            return sameRules.Document.Rewards.Version;
        }

        var highest = history.Count == 0 ? 0 : history.Max(v => v.Document.Rewards.Version);
        return Math.Max(highest + 1, document.Rewards.Version);
    }

    private static bool Same(Referrals.Rewards.RewardRules a, Referrals.Rewards.RewardRules b)
    {
        var probe = new ProgramDocument { ProgramId = "probe", Rewards = a with { Version = 1 } };
        return ProgramJson.Serialize(probe) == ProgramJson.Serialize(probe with { Rewards = b with { Version = 1 } });
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];

    private sealed record Row
    {
        public required string ProgramId { get; init; }
        public int Version { get; init; }
        public required string Document { get; init; }
        public required string SavedBy { get; init; }
        public DateTimeOffset SavedAt { get; init; }
        public string? Comment { get; init; }
        public int? CopiedFrom { get; init; }

        public ProgramVersion ToVersion() =>
            new(ProgramId, Version, ProgramJson.Deserialize(Document), SavedBy, SavedAt, Comment, CopiedFrom);
    }
}
