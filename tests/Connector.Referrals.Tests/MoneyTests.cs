namespace Connector.Referrals.Tests;

public sealed class MoneyTests
{
    [Theory]
    [InlineData(12.345, "USD", 12.35)]
    [InlineData(-12.345, "USD", -12.35)]
    [InlineData(12.5, "JPY", 13)]
    [InlineData(1.2345, "KWD", 1.235)]
    public void Round_HalfAwayFromZeroToMinorUnit(decimal amount, string currency, decimal expected) =>
        Assert.Equal(expected, new Money(amount, currency).Round().Amount);

    [Fact]
    public void Add_DifferentCurrencies_Throws()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new Money(1, "USD") + new Money(1, "EUR"));

        Assert.Contains("USD and EUR", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("US")]
    [InlineData("")]
    public void Create_BadCurrency_NamesIt(string currency)
    {
        var e = Assert.Throws<ArgumentException>(() => new Money(1, currency));

        Assert.Contains($"'{currency}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConvertTo_AppliesRateAndRounds() =>
        Assert.Equal(new Money(92.59m, "EUR"), new Money(100.64m, "USD").ConvertTo("EUR", 0.92m));
}
