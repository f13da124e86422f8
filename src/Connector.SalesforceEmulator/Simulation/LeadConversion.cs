using Connector.SalesforceEmulator.Data;
using Connector.SalesforceEmulator.Schema;

namespace Connector.SalesforceEmulator.Simulation;

public sealed record ConvertLeadRequest
{
    public string? ConvertedStatus { get; init; }
    public bool DoNotCreateOpportunity { get; init; }
    public string? OpportunityName { get; init; }
    public string? AccountId { get; init; }
    public string? ContactId { get; init; }
    public string? OwnerId { get; init; }
}

public sealed record ConvertLeadResult(string LeadId, string AccountId, string ContactId, string? OpportunityId);

/// <summary>
/// Lead conversion as Database.convertLead does it: one transaction that creates (or reuses) the Account and
/// Contact, optionally creates the Opportunity, and marks the Lead converted (fact sheet §3.2, §4.7 —
/// Account, Contact, Opportunity CREATE events then the Lead UPDATE, one transaction key). Custom lead
/// fields with a same-named Opportunity field (Advocate__c) are mapped across, as the org's lead field
/// mapping is set up to do; Account and Contact get only the standard mapping.
/// </summary>
public sealed class LeadConversion
{
    private readonly Dml _dml;

    public LeadConversion(Dml dml) => _dml = dml;

    public ConvertLeadResult Convert(OrgTransaction tx, string leadId, ConvertLeadRequest request)
    {
        var schema = tx.Schema;
        var leadSchema = schema.Find("Lead")!;
        var lead = SalesforceIds.Normalize(leadId) is { } id && tx.Reader.Find(id) is { } r && r.Schema == leadSchema
            ? r
            : throw new SalesforceException(400, "INVALID_CROSS_REFERENCE_KEY", $"invalid cross reference id: {leadId}", ["leadId"]);
        if (lead.IsDeleted)
        {
            throw SalesforceException.EntityIsDeleted();
        }

        if (lead.Get("IsConverted") is true)
        {
            throw new SalesforceException(400, "INVALID_STATUS", "Cannot convert a converted lead.", []);
        }

        var statuses = tx.Reader.All("LeadStatus").Where(s => s.Get("IsConverted") is true).Select(s => s.GetString("ApiName")!).ToList();
        var status = request.ConvertedStatus ?? statuses.FirstOrDefault()
            ?? throw new SalesforceException(400, "INVALID_STATUS", "The org has no converted lead status.", []);
        if (!statuses.Contains(status, StringComparer.Ordinal))
        {
            throw new SalesforceException(400, "INVALID_STATUS", $"invalid converted status: {status}", ["convertedStatus"]);
        }

        var owner = request.OwnerId ?? lead.GetString("OwnerId");
        if (owner is not null && !owner.StartsWith("005", StringComparison.Ordinal))
        {
            // Queues cannot own accounts or contacts: the converting user takes them.
            owner = tx.Context.UserId;
        }

        var accountSchema = schema.Find("Account")!;
        var contactSchema = schema.Find("Contact")!;
        var opportunitySchema = schema.Find("Opportunity")!;
        var company = lead.GetString("Company") ?? lead.GetString("LastName")!;
        var accountId = request.AccountId ?? _dml.Insert(tx, accountSchema, Values(accountSchema, new()
        {
            ["Name"] = company, ["OwnerId"] = owner, ["Industry"] = lead.Get("Industry"), ["Phone"] = lead.Get("Phone"),
            ["Website"] = lead.Get("Website"), ["AnnualRevenue"] = lead.Get("AnnualRevenue"), ["NumberOfEmployees"] = lead.Get("NumberOfEmployees"),
            ["BillingStreet"] = lead.Get("Street"), ["BillingCity"] = lead.Get("City"), ["BillingState"] = lead.Get("State"),
            ["BillingPostalCode"] = lead.Get("PostalCode"), ["BillingCountry"] = lead.Get("Country"), ["CurrencyIsoCode"] = lead.Get("CurrencyIsoCode"),
        })).Id;
        var contactId = request.ContactId ?? _dml.Insert(tx, contactSchema, Values(contactSchema, new()
        {
            ["AccountId"] = accountId, ["FirstName"] = lead.Get("FirstName"), ["LastName"] = lead.Get("LastName"), ["Salutation"] = lead.Get("Salutation"),
            ["Title"] = lead.Get("Title"), ["Email"] = lead.Get("Email"), ["Phone"] = lead.Get("Phone"), ["MobilePhone"] = lead.Get("MobilePhone"),
            ["LeadSource"] = lead.Get("LeadSource"), ["OwnerId"] = owner, ["CurrencyIsoCode"] = lead.Get("CurrencyIsoCode"),
        })).Id;
        string? opportunityId = null;
        if (!request.DoNotCreateOpportunity)
        {
            var firstStage = tx.Reader.All("OpportunityStage").Where(s => s.Get("IsActive") is true && s.Get("IsClosed") is false)
                .OrderBy(s => s.Get("SortOrder") as int? ?? 0).First().GetString("ApiName");
            opportunityId = _dml.Insert(tx, opportunitySchema, Mapped(lead, opportunitySchema, new()
            {
                ["Name"] = request.OpportunityName ?? company + "-",
                ["AccountId"] = accountId, ["ContactId"] = contactId, ["StageName"] = firstStage,
                ["CloseDate"] = DateOnly.FromDateTime(tx.Now.UtcDateTime).AddMonths(3), ["LeadSource"] = lead.Get("LeadSource"),
                ["OwnerId"] = owner, ["CurrencyIsoCode"] = lead.Get("CurrencyIsoCode"),
            })).Id;
        }

        // Converted-lead fields are read-only to API callers; conversion is the platform writing them.
        tx.Update(lead, Values(leadSchema, new()
        {
            ["Status"] = status, ["IsConverted"] = true, ["ConvertedDate"] = DateOnly.FromDateTime(tx.Now.UtcDateTime),
            ["ConvertedAccountId"] = accountId, ["ConvertedContactId"] = contactId, ["ConvertedOpportunityId"] = opportunityId,
        }));
        return new ConvertLeadResult(lead.Id, accountId, contactId, opportunityId);
    }

    private static Dictionary<FieldSchema, object?> Mapped(SObjectRecord lead, SObjectSchema target, Dictionary<string, object?> standard)
    {
        var values = Values(target, standard.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value));
        foreach (var field in lead.Schema.Fields.Where(f => f.Custom && lead[f] is not null))
        {
            if (target.FindField(field.Name) is { Custom: true, Createable: true } t && t.Type == field.Type && !values.ContainsKey(t))
            {
                values[t] = lead[field];
            }
        }

        return values;
    }

    private static Dictionary<FieldSchema, object?> Values(SObjectSchema schema, Dictionary<string, object?> values) =>
        values.Where(kv => kv.Value is not null && schema.FindField(kv.Key) is not null).ToDictionary(kv => schema.FindField(kv.Key)!, kv => kv.Value);
}
