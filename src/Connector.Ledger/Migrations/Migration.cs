using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Connector.Ledger.Dialects;

namespace Connector.Ledger.Migrations;

/// <summary>
/// One versioned schema change. Scripts are embedded as <c>Migrations/NNNN_name.sql</c> (all engines, with
/// <c>{{token}}</c> column types) or <c>NNNN_name.sqlite.sql</c> / <c>NNNN_name.postgresql.sql</c> where syntax differs.
/// The checksum covers the script as written (line endings normalized), before tokens are replaced.
/// </summary>
public sealed partial record Migration(int Version, string Name, string Script)
{
    private const string ResourcePrefix = "Connector.Ledger.Migrations.";

    // Computed on read, not stored: a copy made with `with { Script = ... }` must not keep the old checksum.
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Script.ReplaceLineEndings("\n"))));

    /// <summary>The script with the dialect's column types filled in.</summary>
    public string Render(ISqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        return TokenPattern().Replace(Script, match => match.Groups[1].Value switch
        {
            "tokens" => match.Value,
            var token when dialect.SchemaTokens.TryGetValue(token, out var sql) => sql,
            var token => throw new InvalidOperationException($"Migration {Version:D4}_{Name} uses unknown token {{{{{token}}}}}."),
        });
    }

    /// <summary>The embedded scripts that apply to <paramref name="provider"/>, in version order.</summary>
    public static IReadOnlyList<Migration> LoadEmbedded(LedgerProvider provider)
    {
        var assembly = typeof(Migration).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var match = FileNamePattern().Match(resource[ResourcePrefix.Length..]);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Embedded migration {resource} is not named NNNN_name[.sqlite|.postgresql].sql.");
            }

            var only = match.Groups["provider"].Value;
            if (only.Length > 0 && !string.Equals(only, provider.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(
                int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations have version {duplicate.Key:D4} for {provider}.");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    [GeneratedRegex(@"\{\{([a-z]+)\}\}")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"^(?<version>\d{4})_(?<name>[a-z0-9_]+?)(\.(?<provider>sqlite|postgresql))?\.sql$")]
    private static partial Regex FileNamePattern();
}
