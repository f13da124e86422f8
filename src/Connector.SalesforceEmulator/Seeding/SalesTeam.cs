using Connector.SalesforceEmulator.Data;

namespace Connector.SalesforceEmulator.Seeding;

/// <summary>A sales organisation: a VP, regional managers, and reps reporting to them.</summary>
internal static class SalesTeam
{
    private static readonly string[] FirstNames =
    [
        "Maya", "Daniel", "Priya", "Tom", "Aisha", "Lucas", "Sofia", "Kenji", "Grace", "Omar", "Elena", "Marcus",
        "Hannah", "Diego", "Chloe", "Noah", "Fatima", "Ethan", "Ingrid", "Samuel",
    ];

    private static readonly string[] LastNames =
    [
        "Chen", "Okafor", "Patel", "Brennan", "Khan", "Moreau", "Rossi", "Tanaka", "Lindqvist", "Haddad", "Novak",
        "Alvarez", "Schmidt", "Walsh", "Dubois", "Kim", "Nakamura", "Oliveira", "Berg", "Adeyemi",
    ];

    /// <summary>Creates <paramref name="reps"/> reps (plus their managers); returns the reps' user ids.</summary>
    public static IReadOnlyList<string> Create(OrgTransaction tx, Dml dml, int reps)
    {
        if (reps == 0)
        {
            return [];
        }

        var user = tx.Schema.Find("User")!;
        var vp = Insert(tx, dml, user, 0, "VP Sales", null);
        var managerCount = Math.Max(1, (reps + 5) / 6);
        var managers = Enumerable.Range(1, managerCount).Select(i => Insert(tx, dml, user, i, "Regional Sales Manager", vp)).ToList();
        return Enumerable.Range(0, reps)
            .Select(i => Insert(tx, dml, user, managerCount + 1 + i, "Account Executive", managers[i % managers.Count]))
            .ToList();
    }

    private static string Insert(OrgTransaction tx, Dml dml, Schema.SObjectSchema user, int n, string title, string? managerId)
    {
        var first = FirstNames[n % FirstNames.Length];
        var last = LastNames[(n * 7 + n / LastNames.Length) % LastNames.Length];
        var username = $"{first}.{last}{(n >= FirstNames.Length ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty)}@emulator.local".ToLowerInvariant();
        var values = new Dictionary<string, object?>
        {
            ["Username"] = username, ["FirstName"] = first, ["LastName"] = last, ["Email"] = username,
            ["Alias"] = (first[..1] + last).ToLowerInvariant()[..Math.Min(8, last.Length + 1)], ["Title"] = title,
            ["Department"] = "Sales", ["ManagerId"] = managerId,
        };
        return dml.Insert(tx, user, Dml.ReadValues(user, values)).Id;
    }
}
