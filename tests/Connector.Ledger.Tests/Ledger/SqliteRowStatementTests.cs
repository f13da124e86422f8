using System.Data;
using System.Globalization;
using Connector.Ledger.Dialects;
using Microsoft.Data.Sqlite;

namespace Connector.Ledger.Tests.Ledger;

/// <summary>
/// Rows statements run through SQLite's own API (<see cref="SqliteSession.TryExecuteRows"/>) must store exactly what
/// the command path stores (Microsoft.Data.Sqlite with the ledger's type handlers): the ledger reads and compares
/// those texts (timestamps in text order, amounts, keys).
/// </summary>
public sealed class SqliteRowStatementTests : IAsyncLifetime
{
    private const string Insert = "INSERT INTO t (k, v) VALUES (@w_0, @w_1)";

    private SqliteConnection _connection = null!;
    private SqliteSession _session = null!;

    public async Task InitializeAsync()
    {
        _connection = new SqliteConnection("Data Source=:memory:");
        await _connection.OpenAsync();
        _session = new SqliteSession(_connection);
        await using var create = _connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (k TEXT NOT NULL PRIMARY KEY, v)";
        await create.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    public static TheoryData<string, object?> Values() => new()
    {
        { "text", "Zoë Ørsted 😀 'quoted'" },
        { "empty", string.Empty },
        { "long-text", new string('é', 400) + "…" }, // more UTF-8 bytes than the stack buffer holds
        { "null", null },
        { "dbnull", DBNull.Value },
        { "timestamp", new DateTimeOffset(2026, 11, 22, 19, 27, 42, TimeSpan.FromHours(2)).AddTicks(1234567) },
        { "date", new DateOnly(2026, 2, 28) },
        { "long", 9_007_199_254_740_993L },
        { "int", -42 },
        { "true", true },
        { "false", false },
        { "decimal", 1234.5000m },
        { "decimal-zero", 0m },
        { "decimal-small", -0.0001m },
        { "decimal-large", 99_999_999_999_999.9999m },
        { "decimal-whole", 250m },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task TryExecuteRows_StoresTheValueAsTheCommandPathDoes(string name, object? value)
    {
        await InsertThroughCommandAsync("command-" + name, value);

        var ran = _session.TryExecuteRows(Insert, ["rows-" + name, value]);

        Assert.True(ran);
        Assert.Equal(await StoredAsync("command-" + name), await StoredAsync("rows-" + name));
    }

    [Fact]
    public void TryFormatSqliteTimestamp_WritesWhatTheStringFormIsForAnyInstantAndOffset()
    {
        var random = new Random(20261123);
        Span<byte> utf8 = stackalloc byte[32];
        var instants = new List<DateTimeOffset>
        {
            DateTimeOffset.MinValue, DateTimeOffset.MaxValue, DateTimeOffset.UnixEpoch,
            new(2026, 12, 31, 23, 59, 59, 999, TimeSpan.FromHours(-5)), // next year in UTC
            new DateTimeOffset(2024, 2, 29, 0, 0, 0, TimeSpan.FromHours(14)).AddTicks(9), // sub-microsecond ticks dropped
            new DateTimeOffset(999, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(10), // a year of three digits
        };
        for (var i = 0; i < 2_000; i++)
        {
            var ticks = random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay);
            instants.Add(new DateTimeOffset(ticks, TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1))));
        }

        foreach (var instant in instants)
        {
            Assert.True(LedgerTypeHandlers.TryFormatSqliteTimestamp(instant, utf8, out var written));
            Assert.Equal(LedgerTypeHandlers.SqliteTimestamp(instant), System.Text.Encoding.UTF8.GetString(utf8[..written]));
        }

        Assert.False(LedgerTypeHandlers.TryFormatSqliteTimestamp(DateTimeOffset.UnixEpoch, utf8[..26], out _));
    }

    [Fact]
    public async Task TryExecuteRows_SameStatementManyTimes_EachRowItsOwnValues()
    {
        for (var i = 0; i < 50; i++)
        {
            Assert.True(_session.TryExecuteRows(Insert, [$"k{i}", i % 2 == 0 ? $"v{i}" : null]));
        }

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(i % 2 == 0 ? $"text:'v{i}'" : "null:NULL", await StoredAsync($"k{i}"));
        }
    }

    [Fact]
    public async Task TryExecuteRows_DuplicateKey_ThrowsTheEnginesUniqueViolationAndTheStatementStaysUsable()
    {
        Assert.True(_session.TryExecuteRows(Insert, ["dup", "first"]));

        var error = Assert.Throws<SqliteException>(() => _session.TryExecuteRows(Insert, ["dup", "second"]));

        Assert.Equal(19, error.SqliteErrorCode);
        Assert.Equal(1555, error.SqliteExtendedErrorCode); // SQLITE_CONSTRAINT_PRIMARYKEY: what IsUniqueViolation recognizes
        Assert.True(_session.TryExecuteRows(Insert, ["after", "third"]));
        Assert.Equal("text:'first'", await StoredAsync("dup"));
        Assert.Equal("text:'third'", await StoredAsync("after"));
    }

    [Theory]
    [InlineData("INSERT INTO t (k, v) VALUES (@w_1, @w_0)")] // parameters out of order
    [InlineData("INSERT INTO t (k, v) VALUES (@a, @b)")] // other names
    [InlineData("INSERT INTO t (k, v) VALUES (@w_0, @w_1); INSERT INTO t (k, v) VALUES ('x', 'y')")] // two statements
    public async Task TryExecuteRows_TextItCannotBindByPosition_RunsNothing(string sql)
    {
        Assert.False(_session.TryExecuteRows(sql, ["k", "v"]));

        Assert.Equal(0L, await CountAsync());
    }

    [Fact]
    public async Task TryExecuteRows_ValueOfAnotherType_RunsNothingAndTheNextRowBindsCleanly()
    {
        Assert.False(_session.TryExecuteRows(Insert, ["guid", Guid.NewGuid()]));
        Assert.True(_session.TryExecuteRows(Insert, ["next", null]));

        Assert.Equal(1L, await CountAsync());
        Assert.Equal("null:NULL", await StoredAsync("next"));
    }

    private async Task InsertThroughCommandAsync(string key, object? value)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = Insert;
        foreach (var (parameterName, parameterValue) in new[] { ("@w_0", (object?)key), ("@w_1", value) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = parameterName;
            LedgerTypeHandlers.Bind(parameter, parameterValue);
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }

    private async Task<string> StoredAsync(string key)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = "SELECT typeof(v) || ':' || quote(v) FROM t WHERE k = @k";
        command.Parameters.AddWithValue("@k", key);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)
            ?? throw new DataException($"No row {key}.");
    }

    private async Task<long> CountAsync()
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM t";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
