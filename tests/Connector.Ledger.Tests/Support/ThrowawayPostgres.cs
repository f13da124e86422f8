using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Connector.Ledger.Tests.Support;

/// <summary>
/// A private PostgreSQL cluster from the machine's Debian binaries: initdb in a temp dir, trust auth, a free loopback
/// port, stopped and deleted on dispose. PostgreSQL refuses to run as root, so as root it runs as the postgres OS user.
/// It never skips: if it cannot start, it throws with what initdb/pg_ctl said.
/// Shared with bench/Connector.Benchmarks (linked source), so it depends on nothing but Npgsql.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private const string Superuser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly string _binDirectory;
    private readonly string _root;
    private readonly bool _asPostgresUser;
    private int _databases;

    private ThrowawayPostgres(string binDirectory, string root, bool asPostgresUser, int port)
    {
        _binDirectory = binDirectory;
        _root = root;
        _asPostgresUser = asPostgresUser;
        Port = port;
    }

    public int Port { get; }

    private string DataDirectory => Path.Combine(_root, "data");

    private string LogFile => Path.Combine(_root, "server.log");

    /// <param name="durable">false (tests): fsync and synchronous commit off, for speed. true (benchmarks): production settings.</param>
    /// <param name="settings">Server settings on top (<c>NAME=VALUE</c>, as <c>postgres -c</c> takes them), e.g. a benchmark's <c>shared_buffers=1GB</c>.</param>
    public static async Task<ThrowawayPostgres> StartAsync(bool durable = false, CancellationToken cancellationToken = default, IReadOnlyList<string>? settings = null)
    {
        var bin = FindBinDirectory();
        var asPostgresUser = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
        var root = Path.Combine(Path.GetTempPath(), $"ledger-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var cluster = new ThrowawayPostgres(bin, root, asPostgresUser, FreeLoopbackPort());
        try
        {
            if (asPostgresUser)
            {
                await RunAsync("chown", ["-R", $"{Superuser}:{Superuser}", root], cancellationToken).ConfigureAwait(false);
            }

            await cluster.RunToolAsync("initdb", ["-D", cluster.DataDirectory, "-A", "trust", "-U", Superuser, "-E", "UTF8", "--no-locale", "--no-sync"], cancellationToken)
                .ConfigureAwait(false);
            var options = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
                $"-p {cluster.Port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"));
            if (!durable)
            {
                options.Append(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            }

            foreach (var setting in settings ?? [])
            {
                if (!System.Text.RegularExpressions.Regex.IsMatch(setting, "^[a-z_.]+=[A-Za-z0-9_.]+$"))
                {
                    throw new ArgumentException($"A server setting is NAME=VALUE (letters, digits, '_' and '.'), not '{setting}'.", nameof(settings));
                }

                options.Append(" -c ").Append(setting);
            }

            await cluster.RunToolAsync("pg_ctl", ["-D", cluster.DataDirectory, "-l", cluster.LogFile, "-w", "-t", "60", "-o", options.ToString(), "start"], cancellationToken)
                .ConfigureAwait(false);
            return cluster;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var log = File.Exists(cluster.LogFile) ? await File.ReadAllTextAsync(cluster.LogFile, cancellationToken).ConfigureAwait(false) : "(no server log)";
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"The throwaway PostgreSQL cluster did not start: {e.Message}\nServer log:\n{log}", e);
        }
    }

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Database = database,
        MaxPoolSize = 20,
    }.ConnectionString;

    /// <summary>A new empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}".ToLowerInvariant();
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                await RunToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static string FindBinDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PG_BIN");
        var candidates = fromEnvironment is { Length: > 0 } ? [fromEnvironment]
            : Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                    .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).ToArray()
                : [];
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new InvalidOperationException(
                "No PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or $PG_BIN: apt-get install -y postgresql-15.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private Task RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_binDirectory, tool);
        return _asPostgresUser
            ? RunAsync("runuser", ["-u", Superuser, "--", path, .. arguments], cancellationToken)
            : RunAsync(path, arguments, cancellationToken);
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // postgres is not allowed into root's working directory.
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} did not finish within {CommandTimeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }
}
