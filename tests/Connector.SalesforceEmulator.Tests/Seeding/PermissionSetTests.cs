using System.Net.Http.Json;
using System.Text.Json;
using Connector.SalesforceEmulator.Seeding;
using Connector.SalesforceEmulator.Tests.Support;

namespace Connector.SalesforceEmulator.Tests.Seeding;

/// <summary>The Referral_Admin permission set the connector's admin console checks, as a SOQL client sees it.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class PermissionSetTests(EmulatorFixture fixture)
{
    private async Task<List<string>> HoldersAsync(string permissionSet)
    {
        var soql = "SELECT Assignee.Username FROM PermissionSetAssignment WHERE PermissionSet.Name = '" + permissionSet + "'";
        var body = await fixture.Http.GetFromJsonAsync<JsonElement>($"{EmulatorFixture.V}/query?q={Uri.EscapeDataString(soql)}");
        return [.. body.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("Assignee").GetProperty("Username").GetString()!).Order()];
    }

    [Fact]
    public async Task Bootstrap_ReferralAdmin_HeldByTheIntegrationUserAndTheSeededAdminOnly()
    {
        var holders = await HoldersAsync(OrgBootstrap.AdminPermissionSet);

        Assert.Equal([OrgBootstrap.AdminUsername, "integration@emulator.local"], holders);
    }

    [Fact]
    public async Task Query_ByAssigneeAndSetName_FindsNothingForASalesRep()
    {
        var rep = fixture.Server.Get<OrgBootstrap>().SalesRepIds[0];
        var soql = $"SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '{rep}' AND PermissionSet.Name = '{OrgBootstrap.AdminPermissionSet}'";

        var body = await fixture.Http.GetFromJsonAsync<JsonElement>($"{EmulatorFixture.V}/query?q={Uri.EscapeDataString(soql)}");

        Assert.Equal(0, body.GetProperty("totalSize").GetInt32());
        Assert.Empty(await HoldersAsync("No_Such_Set"));
    }
}
