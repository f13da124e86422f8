namespace Connector.SalesforceEmulator.Schema;

/// <summary>
/// The standard objects a referral integration touches, with the fields, types, lengths and picklists of
/// an out-of-the-box org (field reference and real describe captures in ../shared/fixtures). Custom
/// fields from salesforce-metadata are added on top by <see cref="SfdxSchemaReader"/>.
/// </summary>
public static class StandardObjects
{
    public static readonly string[] LeadSources = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"];
    public static readonly string[] Industries =
    [
        "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction", "Consulting",
        "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental", "Finance", "Food & Beverage",
        "Government", "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
        "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation", "Utilities", "Other",
    ];

    public static readonly string[] Currencies = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY"];

    public static IEnumerable<SObjectSchema> Create() =>
    [
        Lead(), Opportunity(), Contact(), Account(), User(), Group(), OpportunityStage(), LeadStatus(), PushTopic(),
        CurrencyType(), DatedConversionRate(), PermissionSet(), PermissionSetAssignment(),
    ];

    private static IEnumerable<FieldSchema> Person(bool lastNameRequired) =>
    [
        F.Text("Salutation", "Salutation", 40),
        F.Text("FirstName", "First Name", 40),
        F.Text("LastName", "Last Name", 80, required: lastNameRequired),
        new() { Name = "Name", Label = "Full Name", Type = FieldType.String, Length = 121, Nillable = false, Createable = false, Updateable = false, DefaultedOnCreate = true, Calculated = true, NameField = true },
    ];

    private static FieldSchema CurrencyIsoCode(string label) =>
        F.Picklist("CurrencyIsoCode", label, Currencies, restricted: true) is var f ? new FieldSchema
        {
            Name = f.Name, Label = f.Label, Type = f.Type, Length = 3, PicklistValues = f.PicklistValues,
            RestrictedPicklist = true, DefaultedOnCreate = true,
        } : f;

    public static SObjectSchema Lead() => new("Lead", "Lead", "Leads", "00Q",
    [
        F.Id(), .. Person(lastNameRequired: true),
        F.Text("Title", "Title", 128),
        F.Text("Company", "Company", 255, required: true),
        F.Text("Street", "Street", 255), F.Text("City", "City", 40), F.Text("State", "State/Province", 80),
        F.Text("PostalCode", "Zip/Postal Code", 20), F.Text("Country", "Country", 80),
        F.Phone("Phone", "Phone"), F.Phone("MobilePhone", "Mobile Phone"),
        F.Email("Email", "Email"), F.Url("Website", "Website"),
        F.TextArea("Description", "Description"),
        F.Picklist("LeadSource", "Lead Source", LeadSources),
        F.Picklist("Status", "Status", ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"], required: true, defaultValue: "Open - Not Contacted"),
        F.Picklist("Industry", "Industry", Industries),
        F.Picklist("Rating", "Rating", ["Hot", "Warm", "Cold"]),
        F.Currency("AnnualRevenue", "Annual Revenue", 18, 0),
        F.Int("NumberOfEmployees", "Employees", 8),
        CurrencyIsoCode("Lead Currency"),
        F.Owner(),
        F.Bool("IsConverted", "Converted", readOnly: true),
        F.Date("ConvertedDate", "Converted Date", readOnly: true),
        F.ReadOnly(F.Lookup("ConvertedAccountId", "Converted Account ID", "ConvertedAccount", "Account")),
        F.ReadOnly(F.Lookup("ConvertedContactId", "Converted Contact ID", "ConvertedContact", "Contact")),
        F.ReadOnly(F.Lookup("ConvertedOpportunityId", "Converted Opportunity ID", "ConvertedOpportunity", "Opportunity")),
        F.Bool("IsUnreadByOwner", "Unread By Owner", defaultValue: true),
        .. F.Audit(),
        F.Date("LastActivityDate", "Last Activity", readOnly: true),
    ])
    { ChangeDataCapture = true, SupportsAssignmentRules = true };

    public static SObjectSchema Opportunity() => new("Opportunity", "Opportunity", "Opportunities", "006",
    [
        F.Id(),
        F.Lookup("AccountId", "Account ID", "Account", "Account"),
        new() { Name = "Name", Label = "Name", Type = FieldType.String, Length = 120, Nillable = false, NameField = true },
        F.TextArea("Description", "Description"),
        F.Picklist("StageName", "Stage",
            ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers", "Perception Analysis",
             "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"], required: true),
        F.Currency("Amount", "Amount"),
        F.Percent("Probability", "Probability (%)"),
        F.Currency("ExpectedRevenue", "Expected Amount", readOnly: true),
        F.Date("CloseDate", "Close Date", required: true),
        F.Picklist("Type", "Opportunity Type", ["Existing Customer - Upgrade", "Existing Customer - Replacement", "Existing Customer - Downgrade", "New Customer"]),
        F.Text("NextStep", "Next Step", 255),
        F.Picklist("LeadSource", "Lead Source", LeadSources),
        F.Bool("IsClosed", "Closed", readOnly: true),
        F.Bool("IsWon", "Won", readOnly: true),
        F.ReadOnly(F.Picklist("ForecastCategory", "Forecast Category", ["Omitted", "Pipeline", "BestCase", "MostLikely", "Forecast", "Closed"])),
        F.Picklist("ForecastCategoryName", "Forecast Category", ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"]),
        CurrencyIsoCode("Opportunity Currency"),
        F.Lookup("ContactId", "Contact ID", "Contact", "Contact"),
        F.Owner(),
        .. F.Audit(),
        F.Int("FiscalYear", "Fiscal Year", 4),
    ])
    { ChangeDataCapture = true };

    public static SObjectSchema Contact() => new("Contact", "Contact", "Contacts", "003",
    [
        F.Id(),
        F.Lookup("AccountId", "Account ID", "Account", "Account"),
        .. Person(lastNameRequired: true),
        F.Text("Title", "Title", 128), F.Text("Department", "Department", 80),
        F.Text("MailingStreet", "Mailing Street", 255), F.Text("MailingCity", "Mailing City", 40),
        F.Text("MailingState", "Mailing State/Province", 80), F.Text("MailingPostalCode", "Mailing Zip/Postal Code", 20),
        F.Text("MailingCountry", "Mailing Country", 80),
        F.Phone("Phone", "Business Phone"), F.Phone("MobilePhone", "Mobile Phone"),
        F.Email("Email", "Email"),
        F.Lookup("ReportsToId", "Reports To ID", "ReportsTo", "Contact"),
        F.Picklist("LeadSource", "Lead Source", LeadSources),
        F.TextArea("Description", "Contact Description"),
        CurrencyIsoCode("Contact Currency"),
        F.Owner(),
        .. F.Audit(),
    ])
    { ChangeDataCapture = true };

    public static SObjectSchema Account() => new("Account", "Account", "Accounts", "001",
    [
        F.Id(),
        new() { Name = "Name", Label = "Account Name", Type = FieldType.String, Length = 255, Nillable = false, NameField = true },
        F.Picklist("Type", "Account Type", ["Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Other"]),
        F.Lookup("ParentId", "Parent Account ID", "Parent", "Account"),
        F.Text("BillingStreet", "Billing Street", 255), F.Text("BillingCity", "Billing City", 40),
        F.Text("BillingState", "Billing State/Province", 80), F.Text("BillingPostalCode", "Billing Zip/Postal Code", 20),
        F.Text("BillingCountry", "Billing Country", 80),
        F.Phone("Phone", "Account Phone"), F.Url("Website", "Website"),
        F.Picklist("Industry", "Industry", Industries),
        F.Currency("AnnualRevenue", "Annual Revenue", 18, 0),
        F.Int("NumberOfEmployees", "Employees", 8),
        F.TextArea("Description", "Account Description"),
        CurrencyIsoCode("Account Currency"),
        F.Owner(),
        .. F.Audit(),
    ])
    { ChangeDataCapture = true };

    public static SObjectSchema User() => new("User", "User", "Users", "005",
    [
        F.Id(),
        F.Text("Username", "Username", 80, required: true, idLookup: true, unique: true),
        .. Person(lastNameRequired: true),
        F.Text("Alias", "Alias", 8, required: true),
        F.Email("Email", "Email"),
        F.Text("Title", "Title", 80), F.Text("Department", "Department", 80),
        F.Bool("IsActive", "Active", defaultValue: true),
        F.Lookup("ManagerId", "Manager ID", "Manager", "User"),
        F.Picklist("UserType", "User Type", ["Standard", "AutomatedProcess"], defaultValue: "Standard"),
        F.Text("TimeZoneSidKey", "Time Zone", 40),
        CurrencyIsoCode("User Currency"),
        .. F.Audit(),
    ])
    { Deletable = false };

    /// <summary>Queues (Type = Queue) can own leads.</summary>
    public static SObjectSchema Group() => new("Group", "Group", "Groups", "00G",
    [
        F.Id(),
        new() { Name = "Name", Label = "Name", Type = FieldType.String, Length = 40, Nillable = false, NameField = true },
        F.Text("DeveloperName", "Developer Name", 80),
        F.Picklist("Type", "Type", ["Queue", "Regular", "Role"], required: true),
        F.Email("Email", "Email"),
        .. F.Audit(),
    ]);

    /// <summary>The org's stage table: Opportunity's IsClosed/IsWon/Probability derive from it.</summary>
    public static SObjectSchema OpportunityStage() => new("OpportunityStage", "Opportunity Stage", "Opportunity Stages", "01J",
    [
        F.Id(),
        new() { Name = "MasterLabel", Label = "Master Label", Type = FieldType.String, Length = 255, Nillable = false, NameField = true },
        F.Text("ApiName", "Api Name", 255, required: true),
        F.Bool("IsActive", "Is Active", defaultValue: true),
        F.Int("SortOrder", "Sort Order"),
        F.Bool("IsClosed", "Closed"),
        F.Bool("IsWon", "Won"),
        F.Picklist("ForecastCategory", "Forecast Type", ["Omitted", "Pipeline", "BestCase", "MostLikely", "Forecast", "Closed"]),
        F.Picklist("ForecastCategoryName", "Forecast Category", ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"]),
        F.Percent("DefaultProbability", "Probability (%)"),
        F.TextArea("Description", "Description", 255),
        .. F.Audit(),
    ]);

    public static SObjectSchema LeadStatus() => new("LeadStatus", "Lead Status Value", "Lead Status Values", "01K",
    [
        F.Id(),
        new() { Name = "MasterLabel", Label = "Master Label", Type = FieldType.String, Length = 255, Nillable = false, NameField = true },
        F.Text("ApiName", "Api Name", 255, required: true),
        F.Int("SortOrder", "Sort Order"),
        F.Bool("IsDefault", "Is Default"),
        F.Bool("IsConverted", "Is Converted"),
        .. F.Audit(),
    ]);

    /// <summary>A PushTopic defines a /topic/Name channel by a SOQL query.</summary>
    public static SObjectSchema PushTopic() => new("PushTopic", "Push Topic", "Push Topics", "0IF",
    [
        F.Id(),
        new() { Name = "Name", Label = "Topic Name", Type = FieldType.String, Length = 25, Nillable = false, NameField = true, Unique = true },
        F.Text("Query", "SOQL Query", 1300, required: true),
        new() { Name = "ApiVersion", Label = "API Version", Type = FieldType.Double, Precision = 18, Scale = 1, Nillable = false },
        F.Bool("IsActive", "Is Active", defaultValue: true),
        F.Picklist("NotifyForFields", "Notify For Fields", ["All", "Referenced", "Select", "Where"], defaultValue: "Referenced"),
        F.Bool("NotifyForOperationCreate", "Create", defaultValue: true),
        F.Bool("NotifyForOperationUpdate", "Update", defaultValue: true),
        F.Bool("NotifyForOperationDelete", "Delete", defaultValue: true),
        F.Bool("NotifyForOperationUndelete", "Undelete", defaultValue: true),
        F.TextArea("Description", "Description", 400),
        .. F.Audit(),
    ]);

    public static SObjectSchema CurrencyType() => new("CurrencyType", "Currency Type", "Currency Types", "02J",
    [
        F.Id(),
        F.Text("IsoCode", "Currency ISO Code", 3, required: true),
        new() { Name = "ConversionRate", Label = "Conversion Rate", Type = FieldType.Double, Precision = 18, Scale = 6, Nillable = false },
        F.Int("DecimalPlaces", "Decimal Places", 1),
        F.Bool("IsActive", "Active", defaultValue: true),
        F.Bool("IsCorporate", "Corporate"),
        .. F.Audit(),
    ]);

    public static SObjectSchema DatedConversionRate() => new("DatedConversionRate", "Dated Conversion Rate", "Dated Conversion Rates", "04w",
    [
        F.Id(),
        F.Text("IsoCode", "Currency ISO Code", 3, required: true),
        new() { Name = "ConversionRate", Label = "Conversion Rate", Type = FieldType.Double, Precision = 18, Scale = 6, Nillable = false },
        F.Date("StartDate", "Start Date", required: true),
        F.Date("NextStartDate", "Next Start Date", readOnly: true),
        .. F.Audit(),
    ]);

    /// <summary>Permission sets grant users extra rights; the connector's admin console checks for Referral_Admin.</summary>
    public static SObjectSchema PermissionSet() => new("PermissionSet", "Permission Set", "Permission Sets", "0PS",
    [
        F.Id(),
        new() { Name = "Name", Label = "Name", Type = FieldType.String, Length = 80, Nillable = false, NameField = true },
        F.Text("Label", "Label", 80, required: true),
        F.TextArea("Description", "Description", 255),
        F.Bool("IsOwnedByProfile", "Is Owned By Profile"),
        .. F.Audit(),
    ]);

    /// <summary>Which user holds which permission set (SELECT ... WHERE AssigneeId = ... AND PermissionSet.Name = ...).</summary>
    public static SObjectSchema PermissionSetAssignment() => new("PermissionSetAssignment", "Permission Set Assignment", "Permission Set Assignments", "0Pa",
    [
        F.Id(),
        Required(F.Lookup("AssigneeId", "Assignee ID", "Assignee", "User")),
        Required(F.Lookup("PermissionSetId", "Permission Set ID", "PermissionSet", "PermissionSet")),
        .. F.Audit(),
    ]);

    private static FieldSchema Required(FieldSchema lookup) => new()
    {
        Name = lookup.Name, Label = lookup.Label, Type = lookup.Type, Length = lookup.Length, ReferenceTo = lookup.ReferenceTo,
        RelationshipName = lookup.RelationshipName, Nillable = false,
    };
}
