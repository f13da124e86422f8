using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;
using Connector.SalesforceEmulator.Soql;

namespace Connector.SalesforceEmulator.Tests.Soql;

public sealed class SoqlParserTests
{
    private const string Wsdl = " Please reference your WSDL or the describe call for the appropriate names.";
    private static readonly OrgSchema Schema = SoqlTestOrg.CreateSchema();

    private static SoqlQuery Parse(string soql) => SoqlParser.Parse(soql, Schema);

    private static SalesforceException Fails(string soql) => Assert.Throws<SalesforceException>(() => Parse(soql));

    [Fact]
    public void Parse_FieldsAndParentPaths_ResolvesCanonicalNamesInOrder()
    {
        var q = Parse("select id, owner.name, ADVOCATE__R.status__c, Advocate__r.Owner.Username FROM lead");

        Assert.Equal("Lead", q.SObject.Name);
        Assert.Equal(["Id", "Owner.Name", "Advocate__r.Status__c", "Advocate__r.Owner.Username"], q.Columns.Select(c => c.Name));
        var deep = q.Columns[3].Path!;
        Assert.Equal(["OwnerId", "Advocate__c"], deep.Hops.Select(h => h.LookupField.Name).Reverse());
        Assert.Equal("Username", deep.Field.Name);
        Assert.Equal(["Group", "User"], deep.Hops[1].Targets.Select(t => t.Name));
    }

    [Fact]
    public void Parse_KeywordsInAnyCase_AreAccepted()
    {
        var q = Parse("SeLeCt Id FrOm Lead wHeRe Company LiKe 'a%' AnD IsConverted = FALSE oRdEr By Name DeSc NuLlS fIrSt LiMiT 5 OfFsEt 2");

        Assert.IsType<SoqlAnd>(q.Where);
        Assert.True(q.OrderBy[0].Descending);
        Assert.True(q.OrderBy[0].NullsFirst);
        Assert.Equal(5, q.Limit);
        Assert.Equal(2, q.Offset);
    }

    [Fact]
    public void Parse_OrderByDefaults_AscNullsFirstDescNullsLast()
    {
        var q = Parse("SELECT Id FROM Lead ORDER BY Name, Company DESC, City ASC NULLS LAST");

        Assert.Equal([(false, true), (true, false), (false, false)], q.OrderBy.Select(o => (o.Descending, o.NullsFirst)));
    }

    [Fact]
    public void Parse_CountForms_AreCountOnlyOrAggregate()
    {
        Assert.True(Parse("SELECT COUNT() FROM Lead").IsCountOnly);
        var agg = Parse("SELECT COUNT(Id), COUNT(Email) emails FROM Lead");
        Assert.True(agg.IsAggregate);
        Assert.Equal(["expr0", "emails"], agg.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Parse_Literals_AreTypedForTheirFields()
    {
        var q = Parse("""
            SELECT Id FROM Lead WHERE Company = 'O\'Brien \\ \n \u0041' AND NumberOfEmployees > 10 AND AnnualRevenue >= USD5000.50
            AND CreatedDate > 2024-01-31T10:00:00Z AND LastModifiedDate < 2024-01-31T10:00:00+01:00
            AND SystemModstamp <= 2024-01-31T10:00:00.000+0000 AND IsConverted = true AND Email = null AND CreatedDate = LAST_N_DAYS:7
            """);

        var values = ((SoqlAnd)q.Where!).Operands.Cast<SoqlComparison>().Select(c => c.Value).ToList();
        Assert.Equal("O'Brien \\ \n A", values[0].Constant);
        Assert.Equal(10m, values[1].Constant);
        Assert.Equal(5000.50m, values[2].Constant);
        Assert.Equal(new DateTimeOffset(2024, 1, 31, 10, 0, 0, TimeSpan.Zero), values[3].Constant);
        Assert.Equal(new DateTimeOffset(2024, 1, 31, 9, 0, 0, TimeSpan.Zero), values[4].Constant);
        Assert.Equal(new DateTimeOffset(2024, 1, 31, 10, 0, 0, TimeSpan.Zero), values[5].Constant);
        Assert.Equal(true, values[6].Constant);
        Assert.True(values[7].IsNull);
        Assert.Equal(new SoqlDateLiteral("LAST_N_DAYS", 7), values[8].Relative);
    }

    [Fact]
    public void Parse_IdLiteral15Chars_IsNormalisedTo18()
    {
        var id18 = SalesforceIds.Create("00Q", 42);
        var q = Parse($"SELECT Id FROM Lead WHERE Id IN ('{id18[..15]}', '{id18}')");

        Assert.All(((SoqlIn)q.Where!).Values, v => Assert.Equal(id18, v.Constant));
    }

    [Fact]
    public void Parse_DateLiteralOnDateField_IsDateOnly()
    {
        var q = Parse("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c = 2024-01-31");

        Assert.Equal(new DateOnly(2024, 1, 31), ((SoqlComparison)q.Where!).Value.Constant);
    }

    [Fact]
    public void Parse_UnknownField_ReportsInvalidFieldWithRealShape()
    {
        var e = Fails("SELECT Foo FROM Lead");

        Assert.Equal("INVALID_FIELD", e.ErrorCode);
        Assert.Equal(400, e.HttpStatus);
        // Fact sheet §2.3, verbatim.
        Assert.Equal(
            "\nSELECT Foo FROM Lead\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name." + Wsdl,
            e.Message);
    }

    [Fact]
    public void Parse_UnknownFieldInWhere_PointsAtTheField()
    {
        var e = Fails("SELECT Id FROM Lead WHERE Missing__c = 'x'");

        Assert.StartsWith("\nSELECT Id FROM Lead WHERE Missing__c = 'x'\n                          ^\nERROR at Row:1:Column:27\nNo such column 'Missing__c' on entity 'Lead'.", e.Message);
    }

    [Fact]
    public void Parse_UnknownObject_ReportsInvalidType()
    {
        var e = Fails("SELECT Id FROM Foo");

        Assert.Equal("INVALID_TYPE", e.ErrorCode);
        Assert.Equal(
            "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name." + Wsdl,
            e.Message);
    }

    [Fact]
    public void Parse_UnknownRelationship_ReportsDidntUnderstandRelationship()
    {
        var e = Fails("SELECT Id, Advocate__c.Name FROM Lead");

        Assert.Equal("INVALID_FIELD", e.ErrorCode);
        Assert.EndsWith("ERROR at Row:1:Column:12\nDidn't understand relationship 'Advocate__c' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name." + Wsdl, e.Message);
    }

    [Fact]
    public void Parse_NotStartingWithSelect_MatchesRealFixture()
    {
        var e = Fails("invalid");
        var fixture = System.Text.Json.JsonDocument.Parse(File.ReadAllText("Fixtures/rest-errors/malformed_query_unexpected_token_2025_node_salesforce_connection.json")).RootElement[0];

        Assert.Equal(fixture.GetProperty("errorCode").GetString(), e.ErrorCode);
        Assert.Equal(fixture.GetProperty("message").GetString(), e.Message);
    }

    [Theory]
    [InlineData("SELECT Id FROM Account WHERE", 29, "<EOF>")]
    [InlineData("SELECT Id, FROM Lead", 12, "FROM")]
    [InlineData("SELECT Id FROM Lead LIMT 10", 21, "LIMT")]
    [InlineData("SELECT Id FROM Lead WHERE Name = 'a' AND City = 'b' OR State = 'c'", 53, "OR")]
    [InlineData("SELECT Id FROM Lead WHERE Name IN ()", 36, ")")]
    [InlineData("SELECT Id FROM Lead WHERE Name = 'unterminated", 47, "<EOF>")]
    [InlineData("SELECT Id from $casecomment", 16, "$")]
    public void Parse_SyntaxError_ReportsMalformedQueryWithCaret(string soql, int column, string token)
    {
        var e = Fails(soql);

        Assert.Equal("MALFORMED_QUERY", e.ErrorCode);
        Assert.Equal($"\n{soql}\n{new string(' ', column - 1)}^\nERROR at Row:1:Column:{column}\nunexpected token: '{token}'", e.Message);
    }

    [Fact]
    public void Parse_MultiLineStatement_ReportsRowAndEchoesThatLine()
    {
        var e = Fails("SELECT Id\nFROM Lead\nWHERE Nope__c = 1");

        Assert.StartsWith("\nWHERE Nope__c = 1\n      ^\nERROR at Row:3:Column:7\nNo such column 'Nope__c'", e.Message);
    }

    [Theory]
    [InlineData("SELECT Id FROM Lead WHERE CreatedDate > 2024-01-31", "CreatedDate", "dateTime", "should not")]
    [InlineData("SELECT Id FROM Lead WHERE CreatedDate > '2024-01-31T00:00:00Z'", "CreatedDate", "dateTime", "should not")]
    [InlineData("SELECT Id FROM Advocate__c WHERE Enrolled_Date__c = 2024-01-31T10:00:00Z", "Enrolled_Date__c", "date", "should not")]
    [InlineData("SELECT Id FROM Lead WHERE IsConverted = 'true'", "IsConverted", "boolean", "should not")]
    [InlineData("SELECT Id FROM Lead WHERE AnnualRevenue > '5'", "AnnualRevenue", "double", "should not")]
    [InlineData("SELECT Id FROM Lead WHERE Company = 5", "Company", "string", "should")]
    [InlineData("SELECT Id FROM Lead WHERE Company = TODAY", "Company", "string", "should")]
    [InlineData("SELECT Id FROM Lead WHERE Owner.IsActive = 1", "Owner.IsActive", "boolean", "should not")]
    public void Parse_LiteralOfWrongType_ReportsFilterCriterionError(string soql, string field, string type, string quoting)
    {
        var e = Fails(soql);

        Assert.Equal("INVALID_FIELD", e.ErrorCode);
        Assert.EndsWith($"\nvalue of filter criterion for field '{field}' must be of type {type} and {quoting} be enclosed in quotes", e.Message);
    }

    [Fact]
    public void Parse_BadIdLiteral_ReportsInvalidIdField()
    {
        var e = Fails("SELECT Id FROM Lead WHERE Id = 'abc'");

        Assert.Equal("MALFORMED_QUERY", e.ErrorCode);
        Assert.EndsWith("ERROR at Row:1:Column:32\ninvalid ID field: abc", e.Message);
    }

    [Fact]
    public void Parse_InvalidEscape_ReportsMalformedQuery()
    {
        var e = Fails(@"SELECT Id FROM Lead WHERE Company = 'a\qb'");

        Assert.Equal("MALFORMED_QUERY", e.ErrorCode);
        Assert.Contains("Illegal character sequence '\\q' in string literal.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidDatetime_ReportsInvalidDatetime()
    {
        var e = Fails("SELECT Id FROM Lead WHERE SystemModstamp > 2020-12-12T12:12:00-25:00");

        Assert.EndsWith("\nInvalid datetime: 2020-12-12T12:12:00-25:00", e.Message);
    }

    [Fact]
    public void Parse_OffsetOver2000_ReportsNumberOutsideValidRange()
    {
        Parse("SELECT Id FROM Lead OFFSET 2000");
        var e = Fails("SELECT Id FROM Lead OFFSET 2001");

        Assert.Equal("NUMBER_OUTSIDE_VALID_RANGE", e.ErrorCode);
        Assert.Equal("Maximum SOQL offset allowed is 2000", e.Message);
    }

    [Fact]
    public void Parse_StatementOver100000Chars_IsRejected()
    {
        var soql = "SELECT Id FROM Lead WHERE Company IN (" + string.Join(',', Enumerable.Repeat("'abcdefgh'", 10_000)) + ")";

        Assert.Equal("MALFORMED_QUERY", Assert.Throws<SalesforceException>(() => Parse(soql)).ErrorCode);
    }

    [Fact]
    public void Parse_RelationshipDeeperThanFiveLevels_IsRejected()
    {
        Parse("SELECT Owner.Manager.Manager.Manager.Manager.Name FROM Lead");
        var e = Fails("SELECT Owner.Manager.Manager.Manager.Manager.Manager.Name FROM Lead");

        Assert.Equal("MALFORMED_QUERY", e.ErrorCode);
    }

    [Fact]
    public void Parse_CountWithPlainField_RequiresGrouping()
    {
        var e = Fails("SELECT Name, COUNT(Id) FROM Lead");

        Assert.EndsWith("Field must be grouped or aggregated: Name", e.Message);
    }

    [Fact]
    public void Parse_DuplicateField_IsRejected()
    {
        Assert.EndsWith("duplicate field selected: Name", Fails("SELECT Name, name FROM Lead").Message);
    }

    [Fact]
    public void Parse_NotIn_And_NotOperator_AreNegated()
    {
        var q = Parse("SELECT Id FROM Lead WHERE Status NOT IN ('a', 'b') AND NOT (Company LIKE 'x\\_%')");

        var and = (SoqlAnd)q.Where!;
        Assert.True(((SoqlIn)and.Operands[0]).Negated);
        Assert.Equal("x\\_%", ((SoqlLike)((SoqlNot)and.Operands[1]).Operand).Pattern);
    }

    [Fact]
    public void Parse_SortOnLongTextArea_IsRejected()
    {
        Assert.EndsWith("field 'Description' can not be sorted in a query call", Fails("SELECT Id FROM Lead ORDER BY Description").Message);
        Assert.EndsWith("field 'Description' can not be filtered in query call", Fails("SELECT Id FROM Lead WHERE Description = 'x'").Message);
    }
}
