using System.ComponentModel.DataAnnotations;

namespace Connector.Salesforce.Describe;

/// <summary>Describe caching (section "Salesforce:Describe").</summary>
public sealed class DescribeOptions
{
    public const string SectionName = "Salesforce:Describe";

    /// <summary>How long a describe is trusted before it is revalidated (a 304 costs one API call and no body).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(30);
}
