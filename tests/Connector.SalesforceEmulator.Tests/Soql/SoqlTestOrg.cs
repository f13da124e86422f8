using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Soql;

/// <summary>
/// An org store with the standard objects plus a small Advocate__c object and Lead.Advocate__c lookup
/// (the shape of the referral schema), on a fake clock. Records go in raw through a transaction, without
/// DML rules, so tests control every value.
/// </summary>
internal sealed class SoqlTestOrg
{
    public SoqlTestOrg(DateTimeOffset? now = null)
    {
        Clock = new FakeTimeProvider(now ?? new DateTimeOffset(2024, 1, 31, 10, 0, 0, TimeSpan.Zero));
        Schema = CreateSchema();
        Store = new OrgStore(Schema, Clock, SalesforceIds.Create("00D", 1));
        UserId = Insert("User", ("Username", "rep@example.com"), ("LastName", "Rep"), ("FirstName", "Rita"), ("Name", "Rita Rep"), ("Alias", "rrep"), ("IsActive", true)).Id;
    }

    public FakeTimeProvider Clock { get; }
    public OrgSchema Schema { get; }
    public OrgStore Store { get; }
    public string UserId { get; }

    public static OrgSchema CreateSchema()
    {
        var standard = StandardObjects.Create().ToList();
        var advocate = new SObjectSchema("Advocate__c", "Advocate", "Advocates", "a0A",
        [
            new FieldSchema { Name = "Id", Label = "Record ID", Type = FieldType.Id, Length = 18, Nillable = false },
            new FieldSchema { Name = "Name", Label = "Advocate Name", Type = FieldType.String, Length = 80, NameField = true },
            new FieldSchema
            {
                Name = "Status__c", Label = "Status", Type = FieldType.Picklist, Custom = true,
                PicklistValues = new[] { "Invited", "Active", "Inactive", "Opted Out" }.Select(v => new PicklistValue(v, v)).ToList(),
            },
            new FieldSchema { Name = "Enrolled_Date__c", Label = "Enrolled", Type = FieldType.Date, Custom = true },
            new FieldSchema { Name = "Last_Contacted__c", Label = "Last Contacted", Type = FieldType.DateTime, Custom = true },
            new FieldSchema
            {
                Name = "OwnerId", Label = "Owner ID", Type = FieldType.Reference, Length = 18, ReferenceTo = ["Group", "User"],
                RelationshipName = "Owner",
            },
            new FieldSchema { Name = "IsDeleted", Label = "Deleted", Type = FieldType.Boolean },
            new FieldSchema { Name = "CreatedDate", Label = "Created Date", Type = FieldType.DateTime },
            new FieldSchema { Name = "SystemModstamp", Label = "System Modstamp", Type = FieldType.DateTime },
        ])
        { Custom = true };
        var lead = standard.Single(o => o.Name == "Lead");
        lead.AddField(new FieldSchema
        {
            Name = "Advocate__c", Label = "Advocate", Type = FieldType.Reference, Length = 18, ReferenceTo = ["Advocate__c"],
            RelationshipName = "Advocate__r", Custom = true,
        });
        return new OrgSchema([.. standard, advocate]);
    }

    public SObjectRecord Insert(string sobject, params (string Field, object? Value)[] values)
    {
        using var tx = Store.BeginTransaction(new DmlContext(UserId ?? SalesforceIds.Create("005", 1)));
        var schema = Schema.Find(sobject)!;
        var record = tx.Insert(schema, values.Select(v => KeyValuePair.Create(schema.FindField(v.Field)!, v.Value)));
        tx.Commit();
        return record;
    }

    public void Delete(SObjectRecord record)
    {
        using var tx = Store.BeginTransaction(new DmlContext(UserId));
        tx.Delete(record);
        tx.Commit();
    }

    public List<string> Run(string soql, bool includeDeleted = false)
    {
        var query = Connector.SalesforceEmulator.Soql.SoqlParser.Parse(soql, Schema);
        return Store.Read(r => Connector.SalesforceEmulator.Soql.SoqlEvaluator.Execute(query, r, includeDeleted)
            .Select(x => x.GetString("LastName") ?? x.GetString("Name") ?? x.Id).ToList());
    }
}
