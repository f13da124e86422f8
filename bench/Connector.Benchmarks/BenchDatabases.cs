using Connector.Ledger.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Connector.Benchmarks;

/// <summary>
/// The databases the ledger benchmarks measure: a fresh SQLite file per run (deleted afterwards, WAL files too) and
/// one throwaway durable PostgreSQL cluster per benchmark (or a given connection string), a fresh database per run.
/// </summary>
internal static class BenchDatabases
{
    public static async Task<T> WithSqliteFileAsync<T>(string name, Func<string, Task<T>> run)
    {
        var file = Path.Combine(Path.GetTempPath(), $"{name}-{Environment.ProcessId}.db");
        try
        {
            return await run(new SqliteConnectionStringBuilder { DataSource = file }.ConnectionString);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>Runs <paramref name="runs"/> with a factory of fresh PostgreSQL databases.</summary>
    public static async Task WithPostgresAsync(LedgerBenchOptions options, TextWriter output, Func<Func<string, Task<string>>, Task> runs, CancellationToken cancellationToken)
    {
        ThrowawayPostgres? cluster = null;
        try
        {
            if (options.PostgresConnectionString is null)
            {
                output.WriteLine(options.PostgresSettings.Count == 0
                    ? "Starting a throwaway PostgreSQL cluster (fsync on, synchronous_commit on)..."
                    : $"Starting a throwaway PostgreSQL cluster (fsync on, synchronous_commit on, {string.Join(", ", options.PostgresSettings)})...");
                cluster = await ThrowawayPostgres.StartAsync(durable: true, cancellationToken, options.PostgresSettings);
            }

            await runs(async name => cluster is null ? options.PostgresConnectionString! : await cluster.CreateDatabaseAsync(name, cancellationToken));
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
    }
}
