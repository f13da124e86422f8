using System.Data;
using System.Globalization;
using Connector.Referrals;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Connector.Ledger;

/// <summary>
/// Dapper's type handlers are process-wide; these make both engines read and write the same values:
/// timestamps as UTC with microsecond precision (PostgreSQL's), dates as ISO dates, money as exact decimals.
/// </summary>
internal static class LedgerTypeHandlers
{
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return;
        }

        DefaultTypeMap.MatchNamesWithUnderscores = true;
        // Dapper binds types in its built-in map directly and never asks a handler; without this, SQLite would store
        // local offsets (text that no longer sorts in time order) and Npgsql would refuse non-UTC offsets.
        foreach (var type in new[] { typeof(DateTimeOffset), typeof(DateTimeOffset?), typeof(DateOnly), typeof(DateOnly?) })
        {
            SqlMapper.RemoveTypeMap(type);
        }

        SqlMapper.AddTypeHandler(new UtcTimestampHandler());
        SqlMapper.AddTypeHandler(new DateOnlyHandler());
    }

    private static readonly UtcTimestampHandler Timestamps = new();
    private static readonly DateOnlyHandler Dates = new();

    /// <summary>
    /// Binds <paramref name="value"/> as Dapper would with these handlers: for parameters added without Dapper (a
    /// multi-row statement has thousands, and Dapper looks each name up in the command's list before adding it).
    /// </summary>
    public static void Bind(IDbDataParameter parameter, object? value)
    {
        switch (value)
        {
            case DateTimeOffset timestamp:
                Timestamps.SetValue(parameter, timestamp);
                break;
            case DateOnly date:
                Dates.SetValue(parameter, date);
                break;
            case string text:
                parameter.DbType = DbType.String;
                parameter.Value = text;
                break;
            default:
                parameter.Value = value ?? DBNull.Value;
                break;
        }
    }

    private const string SqliteTimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>A timestamp as SQLite stores it: UTC, fixed width, so text order is time order.</summary>
    public static string SqliteTimestamp(DateTimeOffset value) =>
        ToStoredPrecision(value).UtcDateTime.ToString(SqliteTimestampFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// <see cref="SqliteTimestamp"/> as UTF-8 into <paramref name="utf8"/>, without a string. Written digit by digit: the
    /// custom format string costs some 100 ns more a value, and a backfilled referral binds about eight of them (a test
    /// holds the two equal).
    /// </summary>
    public static bool TryFormatSqliteTimestamp(DateTimeOffset value, Span<byte> utf8, out int written)
    {
        const int Width = 27; // yyyy-MM-ddTHH:mm:ss.ffffffZ
        written = 0;
        if (utf8.Length < Width)
        {
            return false;
        }

        var utc = ToStoredPrecision(value).UtcDateTime;
        Digits(utf8[..4], utc.Year);
        utf8[4] = (byte)'-';
        Digits(utf8.Slice(5, 2), utc.Month);
        utf8[7] = (byte)'-';
        Digits(utf8.Slice(8, 2), utc.Day);
        utf8[10] = (byte)'T';
        Digits(utf8.Slice(11, 2), utc.Hour);
        utf8[13] = (byte)':';
        Digits(utf8.Slice(14, 2), utc.Minute);
        utf8[16] = (byte)':';
        Digits(utf8.Slice(17, 2), utc.Second);
        utf8[19] = (byte)'.';
        Digits(utf8.Slice(20, 6), (int)(utc.Ticks % TimeSpan.TicksPerSecond / 10));
        utf8[26] = (byte)'Z';
        written = Width;
        return true;

        static void Digits(Span<byte> into, int number)
        {
            for (var i = into.Length - 1; i >= 0; i--)
            {
                into[i] = (byte)('0' + (number % 10));
                number /= 10;
            }
        }
    }

    /// <summary>A date as SQLite stores it.</summary>
    public static string SqliteDate(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Drops sub-microsecond ticks so a value reads back equal on both engines.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
    }

    private sealed class UtcTimestampHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
        {
            if (parameter is SqliteParameter)
            {
                parameter.DbType = DbType.String;
                parameter.Value = SqliteTimestamp(value);
            }
            else
            {
                parameter.DbType = DbType.DateTimeOffset;
                parameter.Value = ToStoredPrecision(value);
            }
        }

        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTimeOffset offset => offset.ToUniversalTime(),
            DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc)),
            string text when UtcTimestamp.TryParse(text, out var stored) => stored, // the form SqliteTimestamp writes
            string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            _ => throw new DataException($"Cannot read a timestamp from a {value.GetType().Name}."),
        };
    }

    private sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(IDbDataParameter parameter, DateOnly value)
        {
            if (parameter is SqliteParameter)
            {
                parameter.DbType = DbType.String;
                parameter.Value = SqliteDate(value);
            }
            else
            {
                parameter.DbType = DbType.Date;
                parameter.Value = value;
            }
        }

        public override DateOnly Parse(object value) => value switch
        {
            DateOnly date => date,
            DateTime dateTime => DateOnly.FromDateTime(dateTime),
            string text => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            _ => throw new DataException($"Cannot read a date from a {value.GetType().Name}."),
        };
    }
}
