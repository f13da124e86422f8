using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Connector.SalesforceEmulator.Tour;

/// <summary>
/// The demo: a guided walk through the seeded org over plain HTTP, as an integration sees it — JWT login,
/// describe, SOQL, a rep logging a verbal referral, round-robin assignment versus routing to the
/// advocate's rep, change events arriving, conversion and a won deal, batching, Bulk 2.0 and limits.
/// Every step checks what it shows and the tour fails loudly if the org misbehaves.
/// </summary>
public sealed class OrgTour
{
    private const string V = "/services/data/v62.0";
    private readonly Uri _baseUrl;
    private readonly TextWriter _out;
    private readonly HttpClient _http;

    public OrgTour(Uri baseUrl, TextWriter output)
    {
        _baseUrl = baseUrl;
        _out = output;
        _http = new HttpClient { BaseAddress = baseUrl };
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var org = await GetJsonAsync("/emulator/org", cancellationToken);
        var counts = org.GetProperty("counts");
        Say($"Org {org.GetProperty("orgId").GetString()} is up at {_baseUrl}");
        Say($"  seeded: {Count(counts, "Lead")} leads, {Count(counts, "Account")} accounts, {Count(counts, "Contact")} contacts, " +
            $"{Count(counts, "Advocate__c")} advocates, {Count(counts, "Opportunity")} opportunities, {Count(counts, "User")} users");

        // 1. Server-to-server login: a JWT signed with the (public, development-only) key.
        var token = await JwtLoginAsync(cancellationToken);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Step("JWT bearer login as integration@emulator.local (no password stored)");

        // 2. The referral fields the in-org package adds, as describe reports them.
        var describe = await GetJsonAsync($"{V}/sobjects/Lead/describe", cancellationToken);
        var method = describe.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "Referral_Method__c");
        var custom = describe.GetProperty("fields").EnumerateArray().Where(f => f.GetProperty("custom").GetBoolean()).Select(f => f.GetProperty("name").GetString());
        Step($"describe Lead: custom fields {string.Join(", ", custom)}");
        Say($"  Referral_Method__c values: {string.Join(" | ", method.GetProperty("picklistValues").EnumerateArray().Select(p => p.GetProperty("value").GetString()))}");

        // 3. SOQL with relationships.
        var verbal = await QueryAsync("SELECT COUNT() FROM Lead WHERE Referral_Method__c = 'Verbal'", cancellationToken);
        Step($"SOQL: {verbal.GetProperty("totalSize").GetInt32()} verbal referral leads");
        var recent = await QueryAsync(
            "SELECT Name, Company, Referral_Method__c, Advocate__r.Name, Owner.Name FROM Lead WHERE Advocate__c != null ORDER BY CreatedDate DESC LIMIT 3",
            cancellationToken);
        foreach (var r in recent.GetProperty("records").EnumerateArray())
        {
            Say($"  {r.GetProperty("Name").GetString()} ({r.GetProperty("Company").GetString()}), {r.GetProperty("Referral_Method__c").GetString()}, " +
                $"advocate {r.GetProperty("Advocate__r").GetProperty("Name").GetString()}, owner {r.GetProperty("Owner").GetProperty("Name").GetString()}");
        }

        // 4. Real-time: subscribe to Lead changes before the rep acts.
        await using var leadEvents = await BayeuxProbe.SubscribeAsync(_baseUrl, token, "/data/LeadChangeEvent", cancellationToken);
        Step("Streaming API: subscribed to /data/LeadChangeEvent (replay -1)");

        // 5. A rep logs a verbal referral; the org's round-robin rule picks the owner...
        var advocate = (await QueryAsync("SELECT Id, Name, OwnerId, Owner.Name FROM Advocate__c WHERE Status__c = 'Active' LIMIT 1", cancellationToken))
            .GetProperty("records")[0];
        var rep = (await QueryAsync("SELECT Id, Name FROM User WHERE Title = 'Account Executive' LIMIT 1", cancellationToken)).GetProperty("records")[0];
        var started = Stopwatch.GetTimestamp();
        var created = await SendAsync(HttpMethod.Post, $"{V}/sobjects/Lead", new
        {
            FirstName = "Grace", LastName = "Hopper", Company = "Compilers Ltd", Email = "grace@compilers.example",
            Referral_Method__c = "Verbal", Advocate__c = advocate.GetProperty("Id").GetString(), Logged_By__c = rep.GetProperty("Id").GetString(),
            CurrencyIsoCode = "EUR",
        }, null, cancellationToken);
        var leadId = created.GetProperty("id").GetString()!;
        var lead = (await QueryAsync($"SELECT Owner.Name FROM Lead WHERE Id = '{leadId}'", cancellationToken)).GetProperty("records")[0];
        var roundRobinOwner = lead.GetProperty("Owner").GetProperty("Name").GetString();
        Step($"rep {rep.GetProperty("Name").GetString()} logged a verbal referral from advocate {advocate.GetProperty("Name").GetString()}: lead {leadId}");
        Say($"  the org's assignment rule gave it to {roundRobinOwner}; the advocate's rep is {advocate.GetProperty("Owner").GetProperty("Name").GetString()}");

        var createEvent = await leadEvents.NextAsync(TimeSpan.FromSeconds(10), cancellationToken)
            ?? throw new InvalidOperationException("No CDC event for the new lead within 10 s.");
        var header = createEvent.GetProperty("data").GetProperty("payload").GetProperty("ChangeEventHeader");
        Step($"CDC {header.GetProperty("changeType").GetString()} event for {header.GetProperty("recordIds")[0].GetString()} arrived after " +
            $"{Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms (replayId {createEvent.GetProperty("data").GetProperty("event").GetProperty("replayId")})");

        // 6. ...so routing writes the advocate's rep back, telling the org not to re-run its rules.
        await SendAsync(HttpMethod.Patch, $"{V}/sobjects/Lead/{leadId}", new { OwnerId = advocate.GetProperty("OwnerId").GetString() },
            new() { ["Sforce-Auto-Assign"] = "FALSE" }, cancellationToken);
        var routed = await GetJsonAsync($"{V}/sobjects/Lead/{leadId}?fields=OwnerId", cancellationToken);
        Check(routed.GetProperty("OwnerId").GetString() == advocate.GetProperty("OwnerId").GetString(), "the owner did not stick");
        var updateEvent = await leadEvents.NextAsync(TimeSpan.FromSeconds(10), cancellationToken)
            ?? throw new InvalidOperationException("No CDC event for the owner change within 10 s.");
        Step($"routed to the advocate's rep with Sforce-Auto-Assign: FALSE; CDC UPDATE changedFields " +
            string.Join(",", updateEvent.GetProperty("data").GetProperty("payload").GetProperty("ChangeEventHeader").GetProperty("changedFields").EnumerateArray().Select(f => f.GetString())));

        // 7. Sales works the lead: conversion, then a won deal in euros.
        var conversion = await SendAsync(HttpMethod.Post, $"/emulator/leads/{leadId}/convert", new { opportunityName = "Compilers Ltd - platform" }, null, cancellationToken);
        var opportunityId = conversion.GetProperty("opportunityId").GetString()!;
        await SendAsync(HttpMethod.Post, $"/emulator/opportunities/{opportunityId}/stage", new { stage = "Closed Won", amount = 48000 }, null, cancellationToken);
        var won = await QueryAsync($"SELECT StageName, IsWon, Amount, CurrencyIsoCode, Advocate__r.Name FROM Opportunity WHERE Id = '{opportunityId}'", cancellationToken);
        var deal = won.GetProperty("records")[0];
        Check(deal.GetProperty("IsWon").GetBoolean(), "the deal is not won");
        Step($"lead converted; opportunity {opportunityId} is {deal.GetProperty("StageName").GetString()}: " +
            $"{deal.GetProperty("Amount").GetDecimal().ToString("N0", CultureInfo.InvariantCulture)} {deal.GetProperty("CurrencyIsoCode").GetString()}, advocate {deal.GetProperty("Advocate__r").GetProperty("Name").GetString()}");

        // 8. Writes back are batched: 200 records, one API call.
        var batch = (await QueryAsync("SELECT Id FROM Lead WHERE IsConverted = false LIMIT 200", cancellationToken)).GetProperty("records").EnumerateArray()
            .Select(r => new Dictionary<string, object> { ["attributes"] = new { type = "Lead" }, ["id"] = r.GetProperty("Id").GetString()!, ["Rating"] = "Warm" }).ToList();
        var usageBefore = (await GetJsonAsync("/emulator/usage", cancellationToken)).GetProperty("used").GetInt32();
        var results = await SendAsync(HttpMethod.Patch, $"{V}/composite/sobjects", new { allOrNone = false, records = batch }, new() { ["Sforce-Auto-Assign"] = "FALSE" }, cancellationToken);
        var usageAfter = (await GetJsonAsync("/emulator/usage", cancellationToken)).GetProperty("used").GetInt32();
        var calls = usageAfter - usageBefore;
        Step($"sObject Collections: {results.EnumerateArray().Count(r => r.GetProperty("success").GetBoolean())} leads updated in {calls} API call{(calls == 1 ? string.Empty : "s")}");

        // 9. Backfill path: Bulk API 2.0 query to CSV.
        var job = await SendAsync(HttpMethod.Post, $"{V}/jobs/query", new { operation = "query", query = "SELECT Id, Referral_Method__c, Advocate__r.Referral_Code__c FROM Lead WHERE Advocate__c != null" }, null, cancellationToken);
        var jobId = job.GetProperty("id").GetString()!;
        var state = string.Empty;
        for (var attempt = 0; attempt < 200 && state != "JobComplete"; attempt++)
        {
            state = (await GetJsonAsync($"{V}/jobs/query/{jobId}", cancellationToken)).GetProperty("state").GetString()!;
            Check(state is not ("Failed" or "Aborted"), $"bulk job ended {state}");
            if (state != "JobComplete")
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }

        Check(state == "JobComplete", "bulk job did not complete within 10 s");
        using var csv = await _http.GetAsync($"{V}/jobs/query/{jobId}/results?maxRecords=50000", cancellationToken);
        csv.EnsureSuccessStatusCode();
        var firstLine = (await csv.Content.ReadAsStringAsync(cancellationToken)).Split('\n')[0];
        Step($"Bulk API 2.0: {csv.Headers.GetValues("Sforce-NumberOfRecords").Single()} referral leads exported as CSV (columns {firstLine.Trim()}), next locator {csv.Headers.GetValues("Sforce-Locator").Single()}");

        // 10. The daily allocation the connector must leave for the org's own users.
        using var limitsResponse = await _http.GetAsync($"{V}/limits", cancellationToken);
        var limits = (await limitsResponse.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("DailyApiRequests");
        Step($"limits: {limitsResponse.Headers.GetValues("Sforce-Limit-Info").Single()} (remaining {limits.GetProperty("Remaining").GetInt32()} of {limits.GetProperty("Max").GetInt32()})");
        Say("Tour complete: every step above was checked against the org.");
    }

    private async Task<string> JwtLoginAsync(CancellationToken cancellationToken)
    {
        var keyPath = Path.Combine(AppContext.BaseDirectory, "Dev", "jwt-signing-key.DEVELOPMENT-ONLY.pem");
        using var rsa = RSA.Create();
        rsa.ImportFromPem(await File.ReadAllTextAsync(keyPath, cancellationToken));
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var exp = DateTimeOffset.FromUnixTimeSeconds(await ServerEpochAsync(cancellationToken) + 120).ToUnixTimeSeconds();
        var claims = JsonSerializer.Serialize(new { iss = "emulator-client", sub = "integration@emulator.local", aud = "https://login.salesforce.com", exp });
        var unsigned = B64("""{"alg":"RS256"}"""u8.ToArray()) + "." + B64(Encoding.UTF8.GetBytes(claims));
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(unsigned), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var response = await _http.PostAsync("/services/oauth2/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = unsigned + "." + B64(signature),
        }), cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Check(response.IsSuccessStatusCode, $"JWT login failed: {(body.TryGetProperty("error_description", out var d) ? d.GetString() : response.StatusCode.ToString())}");
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>The emulator's clock (the tour may run against an org whose clock is not the wall clock).</summary>
    private async Task<long> ServerEpochAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("/services/data", cancellationToken);
        return (response.Headers.Date ?? TimeProvider.System.GetUtcNow()).ToUnixTimeSeconds();
    }

    private Task<JsonElement> QueryAsync(string soql, CancellationToken cancellationToken) =>
        GetJsonAsync($"{V}/query?q={Uri.EscapeDataString(soql)}", cancellationToken);

    private async Task<JsonElement> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Check(response.IsSuccessStatusCode, $"GET {path.Split('?')[0]} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object body, Dictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Add(name, value);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Check(response.IsSuccessStatusCode, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static int Count(JsonElement counts, string name) => counts.TryGetProperty(name, out var c) ? c.GetInt32() : 0;

    private static void Check(bool condition, string failure)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Tour step failed: " + failure);
        }
    }

    private void Step(string text) => _out.WriteLine("  \u2713 " + text);

    private void Say(string text) => _out.WriteLine(text);
}
