using System.ComponentModel.DataAnnotations;

namespace Connector.SalesforceEmulator.Hosting;

/// <summary>
/// Everything configurable about the emulated org (section "Emulator"). The defaults are development
/// credentials documented in the README: they protect nothing and must never be used against a real org.
/// </summary>
public sealed class EmulatorOptions
{
    public const string SectionName = "Emulator";

    [Required] public string ClientId { get; set; } = "emulator-client";
    [Required] public string ClientSecret { get; set; } = "emulator-secret";
    [Required] public string Username { get; set; } = "integration@emulator.local";
    [Required] public string Password { get; set; } = "emulator-password";

    /// <summary>PEM certificate whose key signs JWT bearer assertions; relative paths resolve from the app folder.</summary>
    [Required] public string JwtCertificatePath { get; set; } = "Dev/jwt-signing-cert.pem";

    /// <summary>Access-token lifetime (Salesforce default session timeout: 2 hours).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Rotate refresh tokens on use (a connected-app setting).</summary>
    public bool RotateRefreshTokens { get; set; }

    /// <summary>Oldest and newest REST API versions the org serves.</summary>
    [Range(31, 99)] public int MinApiVersion { get; set; } = 31;
    [Range(31, 99)] public int MaxApiVersion { get; set; } = 66;

    /// <summary>Rolling 24-hour API request allocation (Developer Edition: 15,000).</summary>
    [Range(1, int.MaxValue)] public int DailyApiRequests { get; set; } = 100_000;

    /// <summary>The SFDX project whose objects and fields extend the standard schema.</summary>
    public string? MetadataPath { get; set; }

    /// <summary>How long change events stay replayable.</summary>
    public TimeSpan CdcRetention { get; set; } = TimeSpan.FromHours(72);
    public TimeSpan PushTopicRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Long-poll hold time (advice.timeout) and the window a client has to reconnect before it is forgotten.</summary>
    public TimeSpan StreamingPollTimeout { get; set; } = TimeSpan.FromMilliseconds(110_000);
    public TimeSpan StreamingClientExpiry { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>Seed the realistic demo org at start (0 leads = only the bootstrap users, stages and statuses).</summary>
    public SeedOptions Seed { get; set; } = new();

    /// <summary>Optional file the org is loaded from at start and saved to on demand.</summary>
    public string? SnapshotPath { get; set; }
}

public sealed class SeedOptions
{
    public int RandomSeed { get; set; } = 20261122;
    [Range(0, 5_000_000)] public int Leads { get; set; }
    [Range(0, 1_000_000)] public int Accounts { get; set; }
    [Range(0, 10_000)] public int SalesReps { get; set; } = 8;
}
