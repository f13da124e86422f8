using Connector.SalesforceEmulator.Soql;

namespace Connector.SalesforceEmulator.Tests.Soql;

public sealed class SoqlEvaluatorTests
{
    private static SoqlTestOrg CreateSut()
    {
        var org = new SoqlTestOrg();
        org.Insert("Lead", ("LastName", "Adams"), ("Company", "Acme"), ("City", "Paris"), ("NumberOfEmployees", 10), ("Status", "Working - Contacted"));
        org.Insert("Lead", ("LastName", "baker"), ("Company", "acme"), ("City", null), ("NumberOfEmployees", 50), ("Status", "Open - Not Contacted"));
        org.Insert("Lead", ("LastName", "Clark"), ("Company", "Globex 100%"), ("City", "Berlin"), ("NumberOfEmployees", null), ("Status", "Closed - Converted"));
        org.Insert("Lead", ("LastName", "Davis"), ("Company", "Initech_1"), ("City", "paris"), ("NumberOfEmployees", 50), ("Status", null));
        return org;
    }

    [Theory]
    [InlineData("Company = 'ACME'", "Adams,baker")]
    [InlineData("City != 'Paris'", "baker,Clark")]
    [InlineData("City <> 'Paris'", "baker,Clark")]
    [InlineData("City = null", "baker")]
    [InlineData("City != null", "Adams,Clark,Davis")]
    [InlineData("NumberOfEmployees > 10", "baker,Davis")]
    [InlineData("NumberOfEmployees <= 10", "Adams")]
    [InlineData("NumberOfEmployees < 100", "Adams,baker,Davis")]
    [InlineData("LastName >= 'b'", "baker,Clark,Davis")]
    [InlineData("City IN ('paris', 'Rome')", "Adams,Davis")]
    [InlineData("City NOT IN ('Paris')", "baker,Clark")]
    [InlineData("City IN ('Berlin', null)", "baker,Clark")]
    [InlineData("Company LIKE 'ac%'", "Adams,baker")]
    [InlineData("Company LIKE '%100\\%'", "Clark")]
    [InlineData("Company LIKE 'Initech\\__'", "Davis")]
    [InlineData("Company LIKE 'Initech__'", "Davis")]
    [InlineData("Company LIKE 'Glob_x%'", "Clark")]
    [InlineData("City LIKE '%'", "Adams,Clark,Davis")]
    [InlineData("NOT Company LIKE 'ac%'", "Clark,Davis")]
    [InlineData("NOT (City = 'Paris')", "baker,Clark")]
    public void Execute_Filter_UsesSalesforceSemantics(string where, string expected)
    {
        var org = CreateSut();

        Assert.Equal(expected, string.Join(',', org.Run("SELECT Id FROM Lead WHERE " + where)));
    }

    [Theory]
    [InlineData("Company = 'acme' AND City = 'Paris' OR LastName = 'Clark'", null)]
    [InlineData("(Company = 'acme' AND City = 'Paris') OR LastName = 'Clark'", "Adams,Clark")]
    [InlineData("Company = 'acme' AND (City = 'Paris' OR LastName = 'baker')", "Adams,baker")]
    [InlineData("Company = 'acme' AND City = 'Paris' AND NumberOfEmployees = 10", "Adams")]
    [InlineData("LastName = 'Clark' OR LastName = 'Davis' OR City = null", "baker,Clark,Davis")]
    [InlineData("NOT (LastName = 'Clark' OR LastName = 'Davis') AND City != null", "Adams")]
    public void Execute_AndOr_NeedParenthesesAndGroupAsWritten(string where, string? expected)
    {
        var org = CreateSut();

        if (expected is null)
        {
            // SOQL has no AND/OR precedence: mixing them unparenthesised is a syntax error.
            var e = Assert.Throws<Connector.SalesforceEmulator.Data.SalesforceException>(() => org.Run("SELECT Id FROM Lead WHERE " + where));
            Assert.EndsWith("unexpected token: 'OR'", e.Message);
            return;
        }

        Assert.Equal(expected, string.Join(',', org.Run("SELECT Id FROM Lead WHERE " + where)));
    }

    [Theory]
    [InlineData("ORDER BY City", "baker,Clark,Adams,Davis")]
    [InlineData("ORDER BY City NULLS LAST", "Clark,Adams,Davis,baker")]
    [InlineData("ORDER BY City DESC", "Adams,Davis,Clark,baker")]
    [InlineData("ORDER BY City DESC NULLS FIRST", "baker,Adams,Davis,Clark")]
    [InlineData("ORDER BY NumberOfEmployees DESC, LastName DESC", "Davis,baker,Adams,Clark")]
    [InlineData("ORDER BY LastName", "Adams,baker,Clark,Davis")]
    [InlineData("ORDER BY Status", "Davis,baker,Adams,Clark")]
    [InlineData("ORDER BY LastName LIMIT 2", "Adams,baker")]
    [InlineData("ORDER BY LastName LIMIT 2 OFFSET 1", "baker,Clark")]
    [InlineData("ORDER BY LastName OFFSET 3", "Davis")]
    [InlineData("LIMIT 0", "")]
    public void Execute_OrderLimitOffset_SortStablyWithSalesforceNullDefaults(string tail, string expected)
    {
        var org = CreateSut();

        // City ties (Paris/paris compare equal) keep insertion order.
        Assert.Equal(expected, string.Join(',', org.Run("SELECT Id FROM Lead " + tail)));
    }

    [Fact]
    public void Execute_ParentFields_FilterAndSortThroughLookups()
    {
        var org = CreateSut();
        var inactive = org.Insert("User", ("Username", "gone@example.com"), ("LastName", "Gone"), ("Alias", "gone"), ("IsActive", false)).Id;
        var queue = org.Insert("Group", ("Name", "Referral Leads"), ("Type", "Queue")).Id;
        var advocate = org.Insert("Advocate__c", ("Name", "Ann Advocate"), ("Status__c", "Active"), ("OwnerId", inactive));
        org.Insert("Lead", ("LastName", "Owned"), ("Company", "X"), ("OwnerId", org.UserId), ("Advocate__c", advocate.Id));
        org.Insert("Lead", ("LastName", "Orphan"), ("Company", "X"), ("OwnerId", inactive));
        org.Insert("Lead", ("LastName", "Queued"), ("Company", "X"), ("OwnerId", queue));

        Assert.Equal(["Owned"], org.Run("SELECT Id FROM Lead WHERE Owner.IsActive = true"));
        Assert.Equal(["Queued"], org.Run("SELECT Id FROM Lead WHERE Owner.Name = 'Referral Leads'"));
        Assert.Equal(["Owned"], org.Run("SELECT Id FROM Lead WHERE Advocate__r.Status__c = 'Active' AND Advocate__r.Owner.Username LIKE 'gone@%'"));
        Assert.Equal(["Owned"], org.Run("SELECT Id FROM Lead WHERE Advocate__r.Name != null"));
    }

    [Fact]
    public void GetColumnValue_PolymorphicOwner_ReadsTheOwnersOwnField()
    {
        var org = new SoqlTestOrg();
        var queue = org.Insert("Group", ("Name", "Referral Leads"), ("Type", "Queue")).Id;
        var byUser = org.Insert("Lead", ("LastName", "A"), ("Company", "X"), ("OwnerId", org.UserId));
        var byQueue = org.Insert("Lead", ("LastName", "B"), ("Company", "X"), ("OwnerId", queue));
        var noOwner = org.Insert("Lead", ("LastName", "C"), ("Company", "X"));
        var q = SoqlParser.Parse("SELECT Owner.Name, Owner.Username FROM Lead", org.Schema);

        var values = org.Store.Read(r => new[] { byUser, byQueue, noOwner }
            .Select(rec => q.Columns.Select(c => SoqlEvaluator.GetColumnValue(c, rec, r)).ToList()).ToList());

        Assert.Equal("Rita Rep", values[0][0].Value);
        Assert.Same(org.Schema.Find("User")!.FindField("Name"), values[0][0].Field);
        Assert.Same(org.Schema.Find("Group")!.FindField("Name"), values[1][0].Field);
        Assert.Equal("rep@example.com", values[0][1].Value);
        Assert.Equal("Referral Leads", values[1][0].Value);
        Assert.Null(values[1][1].Value);
        Assert.Null(values[2][0].Value);
        Assert.Equal("Name", values[2][0].Field.Name);
    }

    [Fact]
    public void Execute_DeletedRows_OnlyWithIncludeDeleted()
    {
        var org = CreateSut();
        org.Delete(org.Store.Read(r => r.All("Lead").First()));

        Assert.Equal(3, org.Run("SELECT Id FROM Lead").Count);
        Assert.Equal(4, org.Run("SELECT Id FROM Lead", includeDeleted: true).Count);
        Assert.Equal(["Adams"], org.Run("SELECT Id FROM Lead WHERE IsDeleted = true", includeDeleted: true));
        Assert.Empty(org.Run("SELECT Id FROM Lead WHERE IsDeleted = true"));
    }

    [Theory]
    // Clock: Wednesday 2024-01-31 10:00 UTC.
    [InlineData("TODAY", "d0")]
    [InlineData("YESTERDAY", "d-1")]
    [InlineData("TOMORROW", "d+1")]
    [InlineData("LAST_N_DAYS:2", "d-2,d-1,d0")]
    [InlineData("NEXT_N_DAYS:2", "d+1,d+2")]
    [InlineData("N_DAYS_AGO:3", "d-3")]
    [InlineData("THIS_WEEK", "d-3,d-2,d-1,d0,d+1,d+2")]
    [InlineData("LAST_WEEK", "d-10")]
    [InlineData("THIS_MONTH", "d-10,d-3,d-2,d-1,d0")]
    [InlineData("NEXT_MONTH", "d+1,d+2,d+29")]
    [InlineData("LAST_MONTH", "d-40")]
    [InlineData("THIS_YEAR", "d-10,d-3,d-2,d-1,d0,d+1,d+2,d+29")]
    [InlineData("LAST_90_DAYS", "d-40,d-10,d-3,d-2,d-1,d0")]
    [InlineData("LAST_YEAR", "d-40")]
    public void Execute_RelativeDateLiterals_ResolveAgainstTheOrgClockInUtc(string literal, string expected)
    {
        var org = new SoqlTestOrg();
        var today = new DateOnly(2024, 1, 31);
        foreach (var offset in new[] { -40, -10, -3, -2, -1, 0, 1, 2, 29 })
        {
            var name = offset == 0 ? "d0" : offset > 0 ? $"d+{offset}" : $"d{offset}";
            org.Insert("Advocate__c", ("Name", name), ("Enrolled_Date__c", today.AddDays(offset)),
                ("Last_Contacted__c", new DateTimeOffset(today.AddDays(offset).ToDateTime(new TimeOnly(23, 59)), TimeSpan.Zero)));
        }

        Assert.Equal(expected, string.Join(',', org.Run($"SELECT Id FROM Advocate__c WHERE Enrolled_Date__c = {literal}")));
        Assert.Equal(expected, string.Join(',', org.Run($"SELECT Id FROM Advocate__c WHERE Last_Contacted__c = {literal}")));
    }

    [Fact]
    public void Execute_RelativeDateRanges_CompareByRangeBounds()
    {
        var org = new SoqlTestOrg();
        foreach (var day in new[] { 29, 30, 31 })
        {
            org.Insert("Advocate__c", ("Name", $"{day}"), ("Enrolled_Date__c", new DateOnly(2024, 1, day)));
        }

        Assert.Equal(["29", "30"], org.Run("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c < TODAY"));
        Assert.Equal(["29", "30", "31"], org.Run("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c <= TODAY"));
        Assert.Equal(["30", "31"], org.Run("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c >= YESTERDAY"));
        Assert.Empty(org.Run("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c > TODAY"));
        Assert.Equal(["29", "30"], org.Run("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c != TODAY"));
    }

    [Fact]
    public void Execute_RelativeDate_FollowsTheClock()
    {
        var org = new SoqlTestOrg();
        org.Insert("Advocate__c", ("Name", "x"), ("Enrolled_Date__c", new DateOnly(2024, 2, 1)));

        Assert.Empty(org.Run("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c = TODAY"));
        org.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(["x"], org.Run("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c = TODAY"));
    }

    [Fact]
    public void Execute_DateAndDatetimeLiterals_CompareExactly()
    {
        var org = new SoqlTestOrg();
        org.Insert("Advocate__c", ("Name", "early"), ("Last_Contacted__c", new DateTimeOffset(2024, 1, 31, 8, 59, 59, TimeSpan.Zero)), ("Enrolled_Date__c", new DateOnly(2024, 1, 30)));
        org.Insert("Advocate__c", ("Name", "late"), ("Last_Contacted__c", new DateTimeOffset(2024, 1, 31, 9, 0, 0, TimeSpan.Zero)), ("Enrolled_Date__c", new DateOnly(2024, 1, 31)));

        Assert.Equal(["late"], org.Run("SELECT Id FROM Advocate__c WHERE Last_Contacted__c >= 2024-01-31T10:00:00+01:00"));
        Assert.Equal(["early"], org.Run("SELECT Id FROM Advocate__c WHERE Last_Contacted__c < 2024-01-31T09:00:00.000+0000"));
        Assert.Equal(["late"], org.Run("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c = 2024-01-31"));
    }

    [Fact]
    public void Matches_RecordAgainstWhere_IgnoresLimitAndOrder()
    {
        var org = CreateSut();
        var q = SoqlParser.Parse("SELECT Id FROM Lead WHERE City = 'paris' ORDER BY Name LIMIT 1", org.Schema);

        var matches = org.Store.Read(r => r.All("Lead").Select(l => SoqlEvaluator.Matches(q, l, r)).ToList());

        Assert.Equal([true, false, false, true], matches);
    }

    [Fact]
    public void Aggregate_CountField_CountsNonNullValues()
    {
        var org = CreateSut();
        var q = SoqlParser.Parse("SELECT COUNT(Id), COUNT(City) FROM Lead WHERE Company LIKE 'a%' OR City = 'Berlin'", org.Schema);

        var counts = org.Store.Read(r =>
        {
            var rows = SoqlEvaluator.Execute(q, r, includeDeleted: false).ToList();
            return q.Columns.Select(c => SoqlEvaluator.Aggregate(c, rows, r)).ToList();
        });

        Assert.Equal(new object?[] { 3, 2 }, counts);
    }

    [Fact]
    public void Ids_CompareAsBase62NumbersAcrossTheUpperToLowerCaseBoundary()
    {
        // Sequential ids run ...X, ...Y, ...Z, ...a, ...b: case-insensitively "Z" would sort after "a", so a client paging
        // with WHERE Id > :last ORDER BY Id would read some records twice and skip others.
        var org = new SoqlTestOrg();
        var created = Enumerable.Range(0, 70).Select(i => org.Insert("Lead", ("LastName", "L" + i), ("Company", "Acme")).Id).ToList();
        Assert.Contains(created, id => id[14] == 'Z');
        Assert.Contains(created, id => id[14] == 'a');
        var boundary = created.First(id => id[14] == 'Z');
        var after = created.Skip(created.IndexOf(boundary) + 1).ToList();

        var ordered = org.Store.Read(r => SoqlEvaluator.Execute(SoqlParser.Parse("SELECT Id FROM Lead ORDER BY Id", org.Schema), r, includeDeleted: false)
            .Select(x => x.Id).ToList());
        var greater = org.Store.Read(r => SoqlEvaluator.Execute(SoqlParser.Parse($"SELECT Id FROM Lead WHERE Id > '{boundary}' ORDER BY Id", org.Schema), r, includeDeleted: false)
            .Select(x => x.Id).ToList());
        var byShortId = org.Run($"SELECT Id FROM Lead WHERE Id = '{boundary[..15]}'");
        var byOtherCase = org.Run($"SELECT Id FROM Lead WHERE Id = '{boundary[..14]}z'");

        Assert.Equal(created, ordered);
        Assert.Equal(after, greater);
        Assert.Equal(["L" + created.IndexOf(boundary)], byShortId);
        Assert.DoesNotContain(byOtherCase, name => name == byShortId[0]);
    }
}
