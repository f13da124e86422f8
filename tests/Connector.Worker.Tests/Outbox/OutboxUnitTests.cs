using System.Net;
using Connector.Ledger.Outbox;
using Connector.Salesforce;
using Connector.Salesforce.Limits;
using Connector.Salesforce.Resilience;
using Connector.Worker.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Connector.Worker.Tests.Outbox;

public sealed class OutboxUnitTests
{
    private static OutboxMessage Message(string kind, string target, string payload, string sObject = "Lead") => new()
    {
        Id = 1, Kind = kind, TargetSObject = sObject, TargetId = target, Payload = payload, IdempotencyKey = "k",
    };

    [Theory]
    [InlineData("00Q000000000001AAA", """{"OwnerId":"005000000000001AAA"}""", true)]
    [InlineData("00Q000000000001", """{"OwnerId":"00G000000000001"}""", true)]
    [InlineData("not-an-id", """{"OwnerId":"005000000000001AAA"}""", false)]
    [InlineData("00Q000000000001AAA", """{"OwnerId":"005000000000001AAA","Status":"Working"}""", false)]
    [InlineData("00Q000000000001AAA", """{"OwnerId":5}""", false)]
    [InlineData("00Q000000000001AAA", "not json", false)]
    public void ToRecord_OwnerChange_AcceptsOnlyTheContract(string target, string payload, bool valid)
    {
        var (record, error) = OutboxPayloads.ToRecord(Message(OutboxKinds.OwnerChange, target, payload));

        Assert.Equal(valid, record is not null);
        Assert.Equal(valid, error is null);
        if (valid)
        {
            Assert.Equal(target, (string?)record!["Id"]);
        }
        else
        {
            Assert.StartsWith(OutboxPayloads.InvalidPayload + ": ", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"Name":"A"}""", true)]
    [InlineData("""{"Name":"A","External_Key__c":"adv-1"}""", true)]
    [InlineData("""{"Name":"A","External_Key__c":"adv-2"}""", false)]
    [InlineData("""{"Id":"a00000000000001AAA"}""", false)]
    [InlineData("""{"Contact__r":{"Email":"x"}}""", false)]
    public void ToRecord_ProfileUpsert_KeysByTheTarget(string payload, bool valid)
    {
        var (record, error) = OutboxPayloads.ToRecord(Message(OutboxKinds.ProfileUpsert, "adv-1", payload, "Advocate__c"));

        Assert.Equal(valid, error is null);
        if (valid)
        {
            Assert.Equal("adv-1", (string?)record![OutboxPayloads.ExternalIdField]);
        }
    }

    public static TheoryData<Exception, bool> Failures() => new()
    {
        { new ApiBudgetExhaustedException("PATCH x", 80, 100, 20, rejectedBySalesforce: false), true },
        { new ApiBudgetExhaustedException("PATCH x", 100, 100, 20, rejectedBySalesforce: true), true },
        { new SalesforceUnavailableException("PATCH x", null, new HttpRequestException()), true },
        { new SalesforceApiException(HttpStatusCode.ServiceUnavailable, [new SalesforceError("SERVER_UNAVAILABLE", "down", [])], "PATCH x"), true },
        { new SalesforceApiException(HttpStatusCode.Unauthorized, [new SalesforceError("INVALID_SESSION_ID", "expired", [])], "PATCH x"), true },
        { new HttpRequestException("reset"), true },
        { new SalesforceApiException(HttpStatusCode.BadRequest, [new SalesforceError("INVALID_FIELD", "No such column", [])], "PATCH x"), false },
        { new SalesforceApiException(HttpStatusCode.NotFound, [new SalesforceError("NOT_FOUND", "no type", [])], "PATCH x"), false },
        { new InvalidOperationException("bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void IsTransient_ClassifiesWholeCallFailures(Exception exception, bool transient) =>
        Assert.Equal(transient, OutboxFailures.IsTransient(exception));

    [Fact]
    public void RetryDelay_DoublesUpToTheMax()
    {
        var options = new OutboxOptions { RetryBaseDelay = TimeSpan.FromSeconds(10), RetryMaxDelay = TimeSpan.FromSeconds(60) };

        Assert.Equal([0, 10, 20, 40, 60, 60], Enumerable.Range(0, 6).Select(a => options.RetryDelay(a).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(60), options.RetryDelay(int.MaxValue));
    }

    [Theory]
    [InlineData("BatchSize", "1001", "Worker:Outbox:BatchSize")]
    [InlineData("QuietPeriod", "00:02:00", "Worker:Outbox:QuietPeriod")]
    [InlineData("BackgroundLinger", "-00:00:01", "Worker:Outbox:BackgroundLinger")]
    [InlineData("BatchSize", "0", "Worker:Outbox:BatchSize")]
    [InlineData("MaxAttempts", "0", "Worker:Outbox:MaxAttempts")]
    [InlineData("Linger", "00:05:00", "Worker:Outbox:Linger")]
    [InlineData("RetryBaseDelay", "02:00:00", "Worker:Outbox:RetryBaseDelay")]
    public void Options_OutOfRange_RefusedNamingTheKey(string key, string value, string named)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Worker:Outbox:" + key] = value }).Build();
        var services = new ServiceCollection();
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection(OutboxOptions.SectionName)).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<OutboxOptions>>().Value);

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
