using Connector.SalesforceEmulator.Hosting;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Tests.Schema;

public sealed class SfdxSchemaReaderTests
{
    private static OrgSchema CreateSut() =>
        new(SfdxSchemaReader.Apply(StandardObjects.Create(), MetadataLocator.Resolve(null)));

    public static TheoryData<string, string, FieldType, int, int, int> CustomFields => new()
    {
        // object, field, type, length, precision, scale
        { "Advocate__c", "Contact__c", FieldType.Reference, 18, 0, 0 },
        { "Advocate__c", "Account__c", FieldType.Reference, 18, 0, 0 },
        { "Advocate__c", "Status__c", FieldType.Picklist, 255, 0, 0 },
        { "Advocate__c", "Referral_Code__c", FieldType.String, 20, 0, 0 },
        { "Advocate__c", "External_Key__c", FieldType.String, 64, 0, 0 },
        { "Advocate__c", "Enrolled_Date__c", FieldType.Date, 0, 0, 0 },
        { "Advocate__c", "Total_Referrals__c", FieldType.Double, 0, 18, 0 },
        { "Advocate__c", "Open_Referrals__c", FieldType.Double, 0, 18, 0 },
        { "Advocate__c", "Won_Referrals__c", FieldType.Double, 0, 18, 0 },
        { "Advocate__c", "Lost_Referrals__c", FieldType.Double, 0, 18, 0 },
        { "Advocate__c", "Conversion_Rate__c", FieldType.Percent, 0, 5, 2 },
        { "Advocate__c", "Rewards_Earned__c", FieldType.Currency, 0, 16, 2 },
        { "Advocate__c", "Rewards_Pending__c", FieldType.Currency, 0, 16, 2 },
        { "Advocate__c", "Rewards_Paid__c", FieldType.Currency, 0, 16, 2 },
        { "Advocate__c", "Last_Referral_Date__c", FieldType.Date, 0, 0, 0 },
        { "Advocate__c", "Tax_Form_Required__c", FieldType.Boolean, 0, 0, 0 },
        { "Advocate__c", "Reward_Currency__c", FieldType.String, 3, 0, 0 },
        { "Referral__c", "Advocate__c", FieldType.Reference, 18, 0, 0 },
        { "Referral__c", "Lead__c", FieldType.Reference, 18, 0, 0 },
        { "Referral__c", "Opportunity__c", FieldType.Reference, 18, 0, 0 },
        { "Referral__c", "State__c", FieldType.Picklist, 255, 0, 0 },
        { "Referral__c", "Method__c", FieldType.Picklist, 255, 0, 0 },
        { "Referral__c", "Referee_Name__c", FieldType.String, 120, 0, 0 },
        { "Referral__c", "Referee_Email__c", FieldType.Email, 80, 0, 0 },
        { "Referral__c", "Referee_Company__c", FieldType.String, 255, 0, 0 },
        { "Referral__c", "Referee_Phone__c", FieldType.Phone, 40, 0, 0 },
        { "Referral__c", "Submitted_Date__c", FieldType.DateTime, 0, 0, 0 },
        { "Referral__c", "Reward_Currency__c", FieldType.String, 3, 0, 0 },
        { "Referral__c", "Reward_Amount__c", FieldType.Currency, 0, 16, 2 },
        { "Referral__c", "Reward_Status__c", FieldType.Picklist, 255, 0, 0 },
        { "Referral__c", "External_Key__c", FieldType.String, 64, 0, 0 },
        { "Lead", "Advocate__c", FieldType.Reference, 18, 0, 0 },
        { "Lead", "Referral_Method__c", FieldType.Picklist, 255, 0, 0 },
        { "Lead", "Logged_By__c", FieldType.Reference, 18, 0, 0 },
        { "Lead", "Referral_Notes__c", FieldType.TextArea, 32000, 0, 0 },
        { "Lead", "Referral_Code__c", FieldType.String, 20, 0, 0 },
        { "Opportunity", "Advocate__c", FieldType.Reference, 18, 0, 0 },
        { "Opportunity", "Referral_State__c", FieldType.Picklist, 255, 0, 0 },
        { "Opportunity", "Reward_Amount_Override__c", FieldType.Currency, 0, 16, 2 },
        { "Contact", "Advocate__c", FieldType.Reference, 18, 0, 0 },
        { "Contact", "Invite_To_Referral_Program__c", FieldType.Boolean, 0, 0, 0 },
        { "Contact", "Referral_Program_Status__c", FieldType.Picklist, 255, 0, 0 },
        { "Referral_Logged__e", "Lead_Id__c", FieldType.String, 18, 0, 0 },
        { "Referral_Logged__e", "Advocate_Id__c", FieldType.String, 18, 0, 0 },
        { "Referral_Logged__e", "Method__c", FieldType.String, 40, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(CustomFields))]
    public void Apply_RealProject_CustomFieldHasMetadataType(string obj, string name, FieldType type, int length, int precision, int scale)
    {
        var field = CreateSut().Find(obj)?.FindField(name);

        Assert.NotNull(field);
        Assert.Equal((type, length, precision, scale), (field.Type, field.Length, field.Precision, field.Scale));
        Assert.True(field.Custom);
        Assert.False(string.IsNullOrWhiteSpace(field.InlineHelpText));
    }

    [Fact]
    public void Apply_RealProject_CustomFieldsAreExactlyTheProjectOnes()
    {
        var schema = CreateSut();
        var expected = CustomFields.Select(row => $"{row[0]}.{row[1]}").Order(StringComparer.Ordinal);

        var actual = schema.Objects.SelectMany(o => o.Fields.Where(f => f.Custom).Select(f => $"{o.Name}.{f.Name}")).Order(StringComparer.Ordinal);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Apply_RealProject_CustomObjectsGetSystemFieldsAndKeyPrefixesInNameOrder()
    {
        var schema = CreateSut();
        var advocate = schema.Find("Advocate__c")!;
        var referral = schema.Find("Referral__c")!;

        Assert.Equal(("a00", "a01"), (advocate.KeyPrefix, referral.KeyPrefix));
        Assert.Equal(["Id", "OwnerId", "IsDeleted", "Name", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp", "LastActivityDate"],
            advocate.Fields.Take(10).Select(f => f.Name));
        Assert.Equal(("Advocate", "Advocates", "Advocate Name"), (advocate.Label, advocate.LabelPlural, advocate.NameFieldSchema!.Label));
        Assert.True(advocate.Custom && advocate.ChangeDataCapture && referral.ChangeDataCapture);
        Assert.Equal("Advocate__ChangeEvent", advocate.ChangeEventName);
        Assert.Same(advocate, schema.FindByKeyPrefix("a00000000000001AAA"));
    }

    [Fact]
    public void Apply_RealProject_PlatformEventIsPublishOnly()
    {
        var e = CreateSut().Find("Referral_Logged__e")!;

        Assert.Equal(SObjectKind.PlatformEvent, e.Kind);
        Assert.Equal("e00", e.KeyPrefix);
        Assert.Equal(["ReplayId", "CreatedDate", "CreatedById", "EventUuid", "Advocate_Id__c", "Lead_Id__c", "Method__c"], e.Fields.Select(f => f.Name));
        Assert.True(e.Createable);
        Assert.False(e.Queryable || e.Updateable || e.Deletable || e.ChangeDataCapture);
    }

    [Fact]
    public void Apply_RealProject_StandardObjectsKeepTheirFieldsAndKeyPrefix()
    {
        var standardLead = StandardObjects.Lead();
        var lead = CreateSut().Find("Lead")!;

        Assert.Equal(standardLead.Fields.Select(f => f.Name), lead.Fields.Take(standardLead.Fields.Count).Select(f => f.Name));
        Assert.Equal("00Q", lead.KeyPrefix);
        Assert.True(lead.SupportsAssignmentRules && lead.ChangeDataCapture);
        Assert.Equal(Enumerable.Range(0, lead.Fields.Count), lead.Fields.Select(f => f.Ordinal));
    }

    [Fact]
    public void Apply_RealProject_LookupsHaveRelationshipsBothWays()
    {
        var schema = CreateSut();
        var leadAdvocate = schema.Find("Lead")!.FindRelationship("Advocate__r");

        Assert.NotNull(leadAdvocate);
        Assert.Equal(["Advocate__c"], leadAdvocate.ReferenceTo);
        Assert.Equal("Contact__c", schema.Find("Advocate__c")!.FindRelationship("Contact__r")?.Name);
        var advocateChildren = schema.Find("Advocate__c")!.ChildRelationships.Select(c => $"{c.ChildSObject}.{c.Field}:{c.RelationshipName}").Order(StringComparer.Ordinal);
        Assert.Equal(["Contact.Advocate__c:Contacts__r", "Lead.Advocate__c:Leads__r", "Opportunity.Advocate__c:Opportunities__r", "Referral__c.Advocate__c:Referrals__r"], advocateChildren);
        Assert.Contains(schema.Find("User")!.ChildRelationships, c => c is { ChildSObject: "Lead", Field: "Logged_By__c", RelationshipName: "Logged_Referral_Leads__r" });
    }

    [Fact]
    public void Apply_RealProject_PicklistsCheckboxesAndExternalIdsFollowTheMetadata()
    {
        var schema = CreateSut();
        var status = schema.Find("Advocate__c")!.FindField("Status__c")!;
        var code = schema.Find("Advocate__c")!.FindField("Referral_Code__c")!;
        var method = schema.Find("Lead")!.FindField("Referral_Method__c")!;
        var invite = schema.Find("Contact")!.FindField("Invite_To_Referral_Program__c")!;
        var notes = schema.Find("Lead")!.FindField("Referral_Notes__c")!;

        Assert.Equal(["Invited", "Active", "Inactive", "Opted Out"], status.PicklistValues.Select(v => v.Value));
        Assert.True(status.RestrictedPicklist);
        Assert.Equal("Invited", status.DefaultValue);
        Assert.Equal(["Verbal", "Email", "Lead Form", "Social", "Shareable URL", "Print Card"], method.PicklistValues.Select(v => v.Value));
        Assert.Null(method.DefaultValue);
        Assert.True(code.ExternalId && code.Unique && code.IdLookup);
        Assert.False(schema.Find("Lead")!.FindField("Referral_Code__c")!.Unique);
        Assert.Equal((false, false, true), (invite.DefaultValue, invite.Nillable, invite.DefaultedOnCreate));
        Assert.False(notes.Filterable || notes.Sortable || notes.Groupable);
    }

    public static TheoryData<string, string, string> BrokenFields => new()
    {
        // field XML body, expected message fragment, file name
        { "<fullName>X__c</fullName><label>X</label><type>Text</type>", "length is missing", "X__c" },
        { "<fullName>X__c</fullName><label>X</label><type>Text</type><length>300</length>", "length 300 is out of range", "X__c" },
        { "<fullName>X__c</fullName><label>X</label><type>Formula</type>", "field type 'Formula' is not supported", "X__c" },
        { "<fullName>X__c</fullName><label>X</label><type>Number</type><precision>18</precision>", "Number field needs scale", "X__c" },
        { "<fullName>X__c</fullName><label>X</label><type>Checkbox</type>", "Checkbox field needs defaultValue", "X__c" },
        { "<fullName>X__c</fullName><label>X</label><type>Picklist</type>", "picklist field needs valueSet", "X__c" },
        { "<fullName>X__c</fullName><label>X</label><type>Lookup</type><referenceTo>Account</referenceTo>", "relationshipName is missing", "X__c" },
        { "<fullName>Y__c</fullName><label>X</label><type>Date</type>", "fullName 'Y__c' does not match the file name 'X__c'", "X__c" },
        { "<fullName>X__c</fullName><type>Date</type>", "label is missing", "X__c" },
        { "<fullName>X__c</fullName><label>X</label><type>Date</type><required>yes</required>", "required 'yes' is not true or false", "X__c" },
    };

    [Theory]
    [MemberData(nameof(BrokenFields))]
    public void Apply_BrokenField_ThrowsNamingFileAndProblem(string body, string problem, string fileName)
    {
        using var project = TempProject.Create();
        project.Write($"objects/Lead/fields/{fileName}.field-meta.xml", FieldXml(body));

        var e = Assert.Throws<InvalidDataException>(() => SfdxSchemaReader.Apply(StandardObjects.Create(), project.Path).ToList());

        Assert.Contains(Path.Combine("objects", "Lead", "fields", fileName + ".field-meta.xml"), e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_MalformedXml_ThrowsNamingFile()
    {
        using var project = TempProject.Create();
        project.Write("objects/Lead/fields/X__c.field-meta.xml", "<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata\"><fullName>X__c</fullName>");

        var e = Assert.Throws<InvalidDataException>(() => SfdxSchemaReader.Apply(StandardObjects.Create(), project.Path).ToList());

        Assert.Contains("X__c.field-meta.xml: malformed XML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WrongNamespace_ThrowsNamingExpectedRoot()
    {
        using var project = TempProject.Create();
        project.Write("objects/Lead/fields/X__c.field-meta.xml", "<CustomField><fullName>X__c</fullName></CustomField>");

        var e = Assert.Throws<InvalidDataException>(() => SfdxSchemaReader.Apply(StandardObjects.Create(), project.Path).ToList());

        Assert.Contains("expected <CustomField> in http://soap.sforce.com/2006/04/metadata", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_CustomObjectWithoutObjectFile_Throws()
    {
        using var project = TempProject.Create();
        project.Write("objects/Thing__c/fields/X__c.field-meta.xml", FieldXml("<fullName>X__c</fullName><label>X</label><type>Date</type>"));

        var e = Assert.Throws<InvalidDataException>(() => SfdxSchemaReader.Apply(StandardObjects.Create(), project.Path).ToList());

        Assert.Contains("Thing__c.object-meta.xml is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_UnknownStandardObject_Throws()
    {
        using var project = TempProject.Create();
        project.Write("objects/Case/fields/X__c.field-meta.xml", FieldXml("<fullName>X__c</fullName><label>X</label><type>Date</type>"));

        var e = Assert.Throws<InvalidDataException>(() => SfdxSchemaReader.Apply(StandardObjects.Create(), project.Path).ToList());

        Assert.Contains("Case is not a standard object the emulator knows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_MasterDetailAndAutoNumber_MapLikeTheOrg()
    {
        using var project = TempProject.Create();
        project.Write("objects/Line__c/Line__c.object-meta.xml", ObjectXml("<label>Line</label><pluralLabel>Lines</pluralLabel><nameField><displayFormat>L-{0000}</displayFormat><label>Line Number</label><type>AutoNumber</type></nameField><sharingModel>ControlledByParent</sharingModel>"));
        project.Write("objects/Line__c/fields/Account__c.field-meta.xml", FieldXml("<fullName>Account__c</fullName><label>Account</label><referenceTo>Account</referenceTo><relationshipName>Lines</relationshipName><type>MasterDetail</type>"));

        var schema = new OrgSchema(SfdxSchemaReader.Apply(StandardObjects.Create(), project.Path));
        var line = schema.Find("Line__c")!;
        var master = line.FindField("Account__c")!;

        Assert.Null(line.FindField("OwnerId"));
        Assert.True(line.NameFieldSchema!.AutoNumber);
        Assert.False(line.NameFieldSchema.Createable);
        Assert.Equal((false, false, true, "Account__r"), (master.Nillable, master.Updateable, master.MasterDetail, master.RelationshipName));
        Assert.True(master.Required);
        Assert.Contains(schema.Find("Account")!.ChildRelationships, c => c is { ChildSObject: "Line__c", RelationshipName: "Lines__r", CascadeDelete: true });
    }

    [Fact]
    public async Task StartAsync_BrokenMetadata_RefusesToStartWithTheReason()
    {
        using var project = TempProject.Create();
        project.Write("objects/Lead/fields/X__c.field-meta.xml", FieldXml("<fullName>X__c</fullName><label>X</label><type>Text</type>"));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
            EmulatorServer.StartAsync(new Dictionary<string, string?> { ["Emulator:MetadataPath"] = project.Path }));

        Assert.Contains("X__c.field-meta.xml: length is missing", e.Message, StringComparison.Ordinal);
    }

    private static string FieldXml(string body) =>
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata\">{body}</CustomField>\n";

    private static string ObjectXml(string body) =>
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CustomObject xmlns=\"http://soap.sforce.com/2006/04/metadata\">{body}</CustomObject>\n";

    /// <summary>A throwaway SFDX project with one package directory.</summary>
    private sealed class TempProject : IDisposable
    {
        private TempProject(string path) => Path = path;

        public string Path { get; }

        public static TempProject Create()
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sfdx-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(System.IO.Path.Combine(path, "src", "main", "default"));
            File.WriteAllText(System.IO.Path.Combine(path, "sfdx-project.json"), """{"packageDirectories":[{"path":"src","default":true}],"sourceApiVersion":"62.0"}""");
            return new TempProject(path);
        }

        public void Write(string relative, string content)
        {
            var file = System.IO.Path.Combine(Path, "src", "main", "default", relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            File.WriteAllText(file, content);
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
