using System.ComponentModel.DataAnnotations;

namespace Connector.Salesforce.Limits;

/// <summary>
/// How the API budget governor waits (section "Salesforce:Budget"). The reserve itself is
/// <see cref="SalesforceOptions.ReservePercent"/>.
/// </summary>
public sealed class SalesforceBudgetOptions : IValidatableObject
{
    public const string SectionName = SalesforceOptions.SectionName + ":Budget";

    /// <summary>Background work stops this many points of the allocation earlier than normal work, so it yields first.</summary>
    [Range(0, 50)] public int BackgroundExtraReservePercent { get; set; } = 5;

    /// <summary>How long a call waits for the budget to recover before <see cref="ApiBudgetExhaustedException"/> lets the caller defer it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>While calls wait, /limits is read again after this long, doubling up to <see cref="RecheckMaxInterval"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RecheckMaxInterval { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RecheckInterval > RecheckMaxInterval)
        {
            yield return new ValidationResult($"{SectionName}:RecheckInterval ({RecheckInterval}) must not exceed {SectionName}:RecheckMaxInterval ({RecheckMaxInterval}).", [nameof(RecheckInterval)]);
        }
    }
}
