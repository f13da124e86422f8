using Connector.Referrals.Processing;

namespace Connector.Referrals.Tests.Processing;

public sealed class FieldValuesTests
{
    [Fact]
    public void Fields_are_found_whatever_the_case_of_their_name()
    {
        var fields = SalesforceChange.FieldsOf(("Advocate__c", "a00000000000001AAA"), ("Email", null));

        Assert.Equal(FieldValue.Of("a00000000000001AAA"), fields["advocate__C"]);
        Assert.True(fields.ContainsKey("EMAIL"));
        Assert.True(fields.TryGetValue("email", out var email));
        Assert.Null(email); // present, and null: a field Salesforce nulled, not a field left out
        Assert.False(fields.ContainsKey("Status"));
        Assert.Equal(2, fields.Count);
    }

    [Fact]
    public void Setting_or_removing_a_field_makes_a_copy_and_leaves_the_original_as_it_was()
    {
        var original = SalesforceChange.FieldsOf(("Status", "Open"), ("Company", "Acme"));

        var set = original.SetItem("STATUS", FieldValue.Of("Qualified"));
        var removed = original.Remove("company");
        var both = original.SetItems([KeyValuePair.Create("LastName", (FieldValue?)FieldValue.Of("Ng")), KeyValuePair.Create("Status", (FieldValue?)null)]);

        Assert.Equal(FieldValue.Of("Open"), original["Status"]);
        Assert.Equal(2, original.Count);
        Assert.Equal(FieldValue.Of("Qualified"), set["status"]);
        Assert.Equal(2, set.Count); // replaced under the name it had, not added a second time
        Assert.False(removed.ContainsKey("Company"));
        Assert.Equal(3, both.Count);
        Assert.Null(both["Status"]);
    }

    [Fact]
    public void A_builder_hands_its_fields_over_once()
    {
        var builder = FieldValues.CreateBuilder();
        builder["Id"] = FieldValue.Of("00Q000000000001AAA");
        Assert.False(builder.TryAdd("ID", FieldValue.Of("other")));

        var built = builder.ToFieldValues();

        Assert.Equal(FieldValue.Of("00Q000000000001AAA"), Assert.Single(built).Value);
        // Writing on would change fields that are read-only once built.
        var spent = Assert.Throws<InvalidOperationException>(() => builder["Email"] = null);
        Assert.Contains("built already", spent.Message, StringComparison.Ordinal);
    }
}
