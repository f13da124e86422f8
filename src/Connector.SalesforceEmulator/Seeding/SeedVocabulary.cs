namespace Connector.SalesforceEmulator.Seeding;

/// <summary>
/// Word lists the seeded org draws from. Strings are shared between records on purpose (names, companies,
/// cities, picklist values): a million leads then cost one reference per value instead of one string.
/// </summary>
internal static class SeedVocabulary
{
    public static readonly string[] FirstNames =
    [
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William",
        "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher", "Lisa",
        "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret", "Paul", "Ashley", "Steven",
        "Kimberly", "Andrew", "Emily", "Kenneth", "Donna", "Joshua", "Michelle", "Kevin", "Carol", "Brian", "Amanda",
        "George", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie", "Jason", "Rebecca", "Ryan", "Laura", "Jacob",
        "Sharon", "Wei", "Mei", "Hiroshi", "Yuki", "Arjun", "Ananya", "Lars", "Freya", "Mateo", "Lucia", "Olumide",
        "Amara", "Liam", "Chloe", "Noah", "Zoe", "Ahmed", "Leila", "Sven", "Ingrid", "Pierre", "Camille", "Raj", "Nina",
    ];

    public static readonly string[] LastNames =
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
        "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
        "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
        "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Chen", "Wang", "Kim", "Park", "Suzuki", "Sato",
        "Singh", "Sharma", "Müller", "Schneider", "Fischer", "Dubois", "Laurent", "Rossi", "Bianchi", "O'Brien",
        "O'Connor", "Murphy", "Kelly", "Andersson", "Johansson", "Nielsen", "Okafor", "Mensah", "Silva", "Santos",
        "MacDonald", "Fraser", "Tremblay", "Gagnon",
    ];

    public static readonly string[] CompanyHeads =
    [
        "Acme", "Apex", "Blue Harbor", "Brightline", "Cascade", "Cedar", "Summit", "Northwind", "Evergreen", "Granite",
        "Harbor", "Ironwood", "Juniper", "Keystone", "Lakeside", "Meridian", "Nimbus", "Oakridge", "Pinnacle", "Quantum",
        "Redwood", "Silverline", "Tidewater", "Unity", "Vantage", "Westfield", "Zenith", "Atlas", "Beacon", "Clearwater",
        "Crescent", "Delta", "Everest", "Falcon", "Frontier", "Golden Gate", "Horizon", "Liberty", "Maple", "Orion",
        "Pacific", "Polaris", "Riverbend", "Sterling", "Stonebridge", "Sunrise", "Trident", "Vertex", "Willow", "Yellowstone",
    ];

    public static readonly string[] CompanyCores =
    [
        "Logistics", "Health", "Software", "Analytics", "Dental Group", "Manufacturing", "Foods", "Energy", "Capital",
        "Insurance", "Legal", "Construction", "Media", "Hospitality", "Telecom", "Robotics", "Biotech", "Retail",
        "Consulting", "Engineering", "Freight", "Labs", "Systems", "Networks", "Partners", "Solutions", "Outfitters",
        "Clinics", "Realty", "Motors", "Aviation", "Farms", "Education", "Security", "Payments", "Cloud", "Design",
        "Marine", "Pharma", "Staffing",
    ];

    public static readonly string[] CompanyTails = ["Inc.", "LLC", "Ltd", "Group", "Co.", "Corp.", "Holdings", "", "", "", "", ""];

    public static readonly string[] Titles =
    [
        "CEO", "CFO", "COO", "CTO", "VP Operations", "VP Finance", "VP Sales", "VP Marketing", "Director of IT",
        "Director of Operations", "Head of Procurement", "Operations Manager", "Office Manager", "IT Manager",
        "Practice Manager", "Controller", "Owner", "Founder", "Purchasing Manager", "Facilities Manager",
    ];

    public static readonly string[] Streets =
    [
        "Main St", "Market St", "Oak Ave", "Pine St", "Maple Ave", "Cedar Rd", "Elm St", "Washington Blvd", "Park Ave",
        "Lake Dr", "Hill Rd", "King St", "Queen St", "High St", "Church Rd", "Station Rd", "Harbour St", "Bridge Rd",
    ];

    public static readonly string[] Products =
    [
        "Annual Subscription", "Enterprise License", "Starter Package", "Platform Upgrade", "Implementation Services",
        "Multi-site Rollout", "Support Renewal", "Premium Tier", "Pilot", "Expansion",
    ];

    public static readonly string[] VerbalNotes =
    [
        "Mentioned at the quarterly business review; customer offered to make an intro.",
        "Customer said their peer at this company is evaluating vendors this quarter.",
        "Referred during onboarding call. Decision maker is the COO.",
        "Advocate will join the first call. Budget approved for next fiscal year.",
        "Met at the user conference; advocate vouched for our support team.",
        "Warm intro by phone. Prospect is unhappy with their current provider.",
    ];

    public static readonly string[] OtherLeadSources = ["Web", "Phone Inquiry", "Purchased List", "Other"];

    /// <summary>Where accounts are, by currency: an org selling in several regions bills in local currency.</summary>
    public static readonly IReadOnlyDictionary<string, Place[]> PlacesByCurrency = new Dictionary<string, Place[]>
    {
        ["USD"] =
        [
            new("San Francisco", "CA", "United States", "941"), new("New York", "NY", "United States", "100"),
            new("Chicago", "IL", "United States", "606"), new("Austin", "TX", "United States", "787"),
            new("Seattle", "WA", "United States", "981"), new("Boston", "MA", "United States", "021"),
            new("Denver", "CO", "United States", "802"), new("Atlanta", "GA", "United States", "303"),
            new("Columbus", "OH", "United States", "432"), new("Phoenix", "AZ", "United States", "850"),
            new("Nashville", "TN", "United States", "372"), new("Minneapolis", "MN", "United States", "554"),
        ],
        ["EUR"] =
        [
            new("Paris", null, "France", "750"), new("Berlin", null, "Germany", "101"), new("Munich", null, "Germany", "803"),
            new("Madrid", null, "Spain", "280"), new("Amsterdam", null, "Netherlands", "101"), new("Milan", null, "Italy", "201"),
            new("Dublin", null, "Ireland", "D02"),
        ],
        ["GBP"] =
        [
            new("London", null, "United Kingdom", "EC1"), new("Manchester", null, "United Kingdom", "M1 "),
            new("Edinburgh", null, "United Kingdom", "EH1"), new("Bristol", null, "United Kingdom", "BS1"),
        ],
        ["CAD"] = [new("Toronto", "ON", "Canada", "M5V"), new("Vancouver", "BC", "Canada", "V6B"), new("Montreal", "QC", "Canada", "H2Y")],
        ["AUD"] = [new("Sydney", "NSW", "Australia", "200"), new("Melbourne", "VIC", "Australia", "300"), new("Brisbane", "QLD", "Australia", "400")],
        ["JPY"] = [new("Tokyo", null, "Japan", "100"), new("Osaka", null, "Japan", "530")],
    };
}

/// <summary>A billing or mailing location.</summary>
internal sealed record Place(string City, string? State, string Country, string PostalPrefix);
