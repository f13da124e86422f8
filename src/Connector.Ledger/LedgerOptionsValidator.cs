using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Connector.Ledger;

/// <summary>Stops the host at start with a message naming the key, rather than at the first write.</summary>
internal sealed class LedgerOptionsValidator : IValidateOptions<LedgerOptions>
{
    public ValidateOptionsResult Validate(string? name, LedgerOptions options)
    {
        if (options.Provider == LedgerProvider.PostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail("Ledger:ConnectionString is required when Ledger:Provider is PostgreSql.");
        }

        try
        {
            // Parsing only: the connection string may hold a password, so the message never quotes it.
            _ = options.Provider == LedgerProvider.PostgreSql
                ? new NpgsqlConnectionStringBuilder(options.EffectiveConnectionString).ConnectionString
                : new SqliteConnectionStringBuilder(options.EffectiveConnectionString).ConnectionString;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"Ledger:ConnectionString is not a valid {options.Provider} connection string ({e.GetType().Name}).");
        }

        if (options.Provider == LedgerProvider.Sqlite
            && string.IsNullOrWhiteSpace(new SqliteConnectionStringBuilder(options.EffectiveConnectionString).DataSource))
        {
            return ValidateOptionsResult.Fail("Ledger:ConnectionString must name a SQLite file (Data Source=...).");
        }

        return ValidateOptionsResult.Success;
    }
}
