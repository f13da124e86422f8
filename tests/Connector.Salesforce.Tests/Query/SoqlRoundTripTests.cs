using Connector.Salesforce.Query;
using Connector.Salesforce.Tests.Support;
using Connector.Salesforce.Writes;

namespace Connector.Salesforce.Tests.Query;

/// <summary>Values written through REST come back by equality through SOQL: escaping and URL encoding lose nothing.</summary>
public sealed class SoqlRoundTripTests
{
    private static readonly string[] NastyValues =
    [
        "O'Brien & Sons",
        @"back\slash",
        @"ends with backslash\",
        @"\'",
        "100% _real_",
        "line1\nline2\r\n\ttabbed",
        "say \"hi\"",
        "a+b=c&d?e#f/g",
        "Zoë 東京 🚀 — naïve",
        "' OR Company != '",
        "%25 and %2B encoded-looking",
    ];

    public sealed record Row(string Id, string Company, string? Email);

    [Fact]
    public async Task Equality_NastyCompanies_FindExactlyTheirRecord()
    {
        await using var h = await ClientHarness.StartAsync();
        var values = NastyValues;
        var created = await h.Get<SalesforceWrites>().CreateAsync("Lead", values.Select(v => new { LastName = "Nasty", Company = v }).ToList());
        Assert.All(created, r => Assert.True(r.Success));
        var queries = h.Get<SalesforceQueries>();

        for (var i = 0; i < values.Length; i++)
        {
            var rows = await queries.QueryAsync<Row>(Soql.From("Lead").Select("Id", "Company", "Email").Where(Soql.Field("Company").Equal(values[i]))).ToListAsync();

            var row = Assert.Single(rows);
            Assert.Equal(created[i].Id, row.Id);
            Assert.Equal(values[i], row.Company);
        }
    }

    [Fact]
    public async Task Equality_PlusInEmail_IsNotReadAsSpace()
    {
        await using var h = await ClientHarness.StartAsync();
        await h.Get<SalesforceWrites>().CreateAsync("Lead", [
            new { LastName = "Plus", Company = "P", Email = "a+b@x.com" },
            new { LastName = "Space", Company = "P", Email = "ab@x.com" },
        ]);

        var rows = await h.Get<SalesforceQueries>().QueryAsync<Row>(Soql.From("Lead").Select("Id", "Company", "Email").Where(Soql.Field("Email").Equal("a+b@x.com"))).ToListAsync();

        Assert.Equal("a+b@x.com", Assert.Single(rows).Email);
    }

    [Fact]
    public async Task StartsWith_WildcardCharactersInValue_MatchLiterally()
    {
        await using var h = await ClientHarness.StartAsync();
        await h.Get<SalesforceWrites>().CreateAsync("Lead", [
            new { LastName = "A", Company = "100%_off Ltd" },
            new { LastName = "B", Company = "100X-off Ltd" },
            new { LastName = "C", Company = "100%Xoff Ltd" },
        ]);

        var rows = await h.Get<SalesforceQueries>().QueryAsync<Row>(Soql.From("Lead").Select("Id", "Company", "Email").Where(Soql.Field("Company").StartsWith("100%_"))).ToListAsync();

        Assert.Equal("100%_off Ltd", Assert.Single(rows).Company);
    }

    [Fact]
    public async Task In_NastyValues_MatchAll()
    {
        await using var h = await ClientHarness.StartAsync();
        var values = new[] { "It's", @"C:\path", "plus+sign" };
        await h.Get<SalesforceWrites>().CreateAsync("Lead", values.Select(v => new { LastName = "In", Company = v }).ToList());

        var rows = await h.Get<SalesforceQueries>().QueryAsync<Row>(Soql.From("Lead").Select("Id", "Company", "Email").Where(Soql.Field("Company").In(values))).ToListAsync();

        Assert.Equal(values.Order(StringComparer.Ordinal), rows.Select(r => r.Company).Order(StringComparer.Ordinal));
    }
}
