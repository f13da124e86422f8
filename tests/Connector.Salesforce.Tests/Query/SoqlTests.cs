using Connector.Salesforce.Query;

namespace Connector.Salesforce.Tests.Query;

public sealed class SoqlTests
{
    [Fact]
    public void ToSoql_FullStatement_RendersInOrder()
    {
        var since = new DateTimeOffset(2026, 3, 1, 10, 20, 30, TimeSpan.FromHours(2));

        var soql = Soql.From("Lead").Select("Id", "Name", "Owner.Name")
            .Where(Soql.Field("Email").Equal("a+b@x.com"))
            .And(Soql.Field("SystemModstamp").GreaterThan(since))
            .OrderBy("SystemModstamp").ThenBy("Id").Limit(200)
            .ToSoql();

        Assert.Equal("SELECT Id, Name, Owner.Name FROM Lead WHERE Email = 'a+b@x.com' AND SystemModstamp > 2026-03-01T08:20:30Z ORDER BY SystemModstamp, Id LIMIT 200", soql);
    }

    [Theory]
    [InlineData("O'Brien", @"'O\'Brien'")]
    [InlineData(@"back\slash", @"'back\\slash'")]
    [InlineData(@"\'", @"'\\\''")]
    [InlineData("trailing\\", @"'trailing\\'")]
    [InlineData("line1\nline2\r\n\tx", @"'line1\nline2\r\n\tx'")]
    [InlineData("say \"hi\"", @"'say \""hi\""'")]
    [InlineData("100% _real_", "'100% _real_'")]
    [InlineData("a+b", "'a+b'")]
    [InlineData("Zoë 東京 🚀", "'Zoë 東京 🚀'")]
    [InlineData("bell\u0007", @"'bell\u0007'")]
    [InlineData("' OR Name != '", @"'\' OR Name != \''")]
    public void StringLiteral_NastyValues_AreEscapedByConstruction(string value, string expected)
    {
        Assert.Equal("SELECT Id FROM Lead WHERE Company = " + expected, Soql.From("Lead").Select("Id").Where(Soql.Field("Company").Equal(value)).ToSoql());
    }

    [Fact]
    public void Like_LiteralHelpers_EscapeWildcards_PatternKeepsThem()
    {
        Assert.Equal(@"Name LIKE '100\%\_off%'", Soql.Field("Name").StartsWith("100%_off").ToString());
        Assert.Equal(@"Name LIKE '%O\'B%'", Soql.Field("Name").Contains("O'B").ToString());
        Assert.Equal(@"Name LIKE '%\_x'", Soql.Field("Name").EndsWith("_x").ToString());
        Assert.Equal("Name LIKE 'Ac_e%'", Soql.Field("Name").Like("Ac_e%").ToString());
    }

    [Fact]
    public void Literals_TypedValues_RenderInvariantAndUnquoted()
    {
        Assert.Equal("X = true", Soql.Field("X").Equal(true).ToString());
        Assert.Equal("X = 12.5", Soql.Field("X").Equal(12.5m).ToString());
        Assert.Equal("X = 0.1", Soql.Field("X").Equal(0.1d).ToString());
        Assert.Equal("X = -42", Soql.Field("X").Equal(-42).ToString());
        Assert.Equal("X = 9000000000", Soql.Field("X").Equal(9_000_000_000L).ToString());
        Assert.Equal("X = 2026-02-28", Soql.Field("X").Equal(new DateOnly(2026, 2, 28)).ToString());
        Assert.Equal("X = null", Soql.Field("X").Equal((string?)null).ToString());
        Assert.Equal("X != null", Soql.Field("X").IsNotNull().ToString());
        Assert.Equal("X = LAST_N_DAYS:30", Soql.Field("X").Equal(SoqlValue.DateLiteral("LAST_N_DAYS", 30)).ToString());
        Assert.Equal("Id = '00Q000000000001AAA'", Soql.Field("Id").Equal(SoqlValue.Id("00Q000000000001AAA")).ToString());
    }

    [Fact]
    public void Literals_UnsafeInputs_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => SoqlValue.Id("00Q' OR Id != '"));
        Assert.Throws<ArgumentException>(() => SoqlValue.DateLiteral("TODAY OR Id != null"));
        Assert.Throws<ArgumentException>(() => SoqlValue.FromDateTime(new DateTimeOffset(2026, 1, 1, 0, 0, 0, 500, TimeSpan.Zero)));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoqlValue.FromDouble(double.NaN));
        Assert.Throws<ArgumentException>(() => Soql.Field("Name = 'x' OR Name"));
        Assert.Throws<ArgumentException>(() => Soql.From("Lead WHERE"));
        Assert.Throws<ArgumentException>(() => Soql.From("Lead").Select("Id, (SELECT Id FROM Tasks)"));
        Assert.Throws<ArgumentException>(() => Soql.Field("Id").In(Array.Empty<string>()));
        Assert.Throws<InvalidOperationException>(() => Soql.From("Lead").ToSoql());
    }

    [Fact]
    public void Conditions_MixedAndOr_AreParenthesised()
    {
        var ts = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var stamp = Soql.Field("SystemModstamp");

        var condition = (stamp.GreaterThan(ts) | (stamp.Equal(ts) & Soql.Field("Id").GreaterThan(SoqlValue.Id("00Q000000000001AAA"))))
            & stamp.LessThan(ts.AddHours(1)) & !Soql.Field("IsConverted").Equal(true);

        Assert.Equal(
            "(SystemModstamp > 2026-01-02T03:04:05Z OR (SystemModstamp = 2026-01-02T03:04:05Z AND Id > '00Q000000000001AAA')) AND SystemModstamp < 2026-01-02T04:04:05Z AND NOT (IsConverted = true)",
            condition.ToString());
    }

    [Fact]
    public void Select_OrOnExistingWhere_GroupsTheOldCondition()
    {
        var soql = Soql.From("Lead").Select("Id").Where(Soql.Field("A").Equal(1)).And(Soql.Field("B").Equal(2)).Or(Soql.Field("C").Equal(3)).ToSoql();

        Assert.Equal("SELECT Id FROM Lead WHERE (A = 1 AND B = 2) OR C = 3", soql);
    }

    [Fact]
    public void In_Lists_RenderEachLiteral()
    {
        Assert.Equal(@"Status IN ('Open','It\'s')", Soql.Field("Status").In(["Open", "It's"]).ToString());
        Assert.Equal("Id IN ('00Q000000000001AAA')", Soql.Field("Id").InIds(["00Q000000000001AAA"]).ToString());
        Assert.Equal("N NOT IN (1,2)", Soql.Field("N").NotIn([1, 2]).ToString());
    }

    [Fact]
    public void Count_DropsOrderingKeepsFilter()
    {
        var count = Soql.From("Lead").Select("Id").Where(Soql.Field("Company").Equal("Acme")).OrderBy("Id").Count();

        Assert.Equal("SELECT COUNT() FROM Lead WHERE Company = 'Acme'", count.ToSoql());
    }

    [Fact]
    public void Builder_IsImmutable()
    {
        var basis = Soql.From("Lead").Select("Id");
        var limited = basis.Limit(5);

        Assert.Equal("SELECT Id FROM Lead", basis.ToSoql());
        Assert.Equal("SELECT Id FROM Lead LIMIT 5", limited.ToSoql());
    }
}
