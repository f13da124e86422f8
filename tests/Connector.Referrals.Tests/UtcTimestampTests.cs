using System.Globalization;

namespace Connector.Referrals.Tests;

public sealed class UtcTimestampTests
{
    [Theory]
    [InlineData("2026-01-05T10:00:00.000Z")] // a Bulk CSV cell
    [InlineData("2026-11-23T17:41:09.692583Z")] // the ledger's stored text
    [InlineData("2026-11-23T17:41:09.6925831Z")]
    [InlineData("2024-02-29T23:59:59.9Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    public void Reads_the_instant_the_general_parser_reads(string text)
    {
        Assert.True(UtcTimestamp.TryParse(text, out var fast));

        var general = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        Assert.Equal(general, fast);
        Assert.Equal(general.Offset, fast.Offset);
        Assert.Equal(general.Ticks, fast.Ticks);
    }

    [Theory]
    [InlineData("2026-01-05T10:00:00.000+0000")] // REST's offset: the general parser's
    [InlineData("2026-01-05T10:00:00.000+01:00")]
    [InlineData("2026-01-05 10:00:00Z")]
    [InlineData("2026-01-05T10:00:00.Z")]
    [InlineData("2026-01-05T10:00:00.12345678Z")]
    [InlineData("2026-13-05T10:00:00Z")]
    [InlineData("2025-02-29T10:00:00Z")]
    [InlineData("2026-01-05T24:00:00Z")]
    [InlineData("2026-01-05T10:60:00Z")]
    [InlineData("2026-01-05T10:00:00,5Z")]
    [InlineData("2026-0a-05T10:00:00Z")]
    [InlineData("2026-01-05")]
    [InlineData("")]
    public void Leaves_every_other_form_to_the_general_parser(string text) =>
        Assert.False(UtcTimestamp.TryParse(text, out _));
}
