using System.Net;
using System.Net.Sockets;
using Connector.Salesforce.Resilience;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Connector.Salesforce.Tests.Resilience;

public sealed class OutcomeClassifierTests
{
    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.Created)]
    [InlineData(HttpStatusCode.NoContent)]
    [InlineData(HttpStatusCode.MultipleChoices)]
    [InlineData(HttpStatusCode.NotModified)]
    public void Classify_SuccessOrRedirectStatus_Success(HttpStatusCode status) =>
        Assert.Equal(OutcomeAction.Success, OutcomeClassifier.Classify(status, null, idempotent: false));

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "UNKNOWN_EXCEPTION")]
    [InlineData(HttpStatusCode.BadGateway, null)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SERVER_UNAVAILABLE")]
    [InlineData(HttpStatusCode.GatewayTimeout, null)]
    public void Classify_ServerErrorOnIdempotentRequest_Retry(HttpStatusCode status, string? code) =>
        Assert.Equal(OutcomeAction.Retry, OutcomeClassifier.Classify(status, code, idempotent: true));

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "UNKNOWN_EXCEPTION")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SERVER_UNAVAILABLE")]
    [InlineData(HttpStatusCode.GatewayTimeout, null)]
    public void Classify_ServerErrorOnCreate_FailBecauseSalesforceMayHaveCommittedIt(HttpStatusCode status, string? code) =>
        Assert.Equal(OutcomeAction.Fail, OutcomeClassifier.Classify(status, code, idempotent: false));

    [Fact]
    public void Classify_ServerUnavailableCodeUnderAnyStatus_RetryWhenIdempotent() =>
        Assert.Equal(OutcomeAction.Retry, OutcomeClassifier.Classify(HttpStatusCode.BadRequest, "SERVER_UNAVAILABLE", idempotent: true));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Classify_UnableToLockRow_RetryEvenForCreateBecauseNothingWasCommitted(bool idempotent) =>
        Assert.Equal(OutcomeAction.Retry, OutcomeClassifier.Classify(HttpStatusCode.BadRequest, "UNABLE_TO_LOCK_ROW", idempotent));

    [Fact]
    public void Classify_Unauthorized_RefreshSessionLeftToAuthHandler() =>
        Assert.Equal(OutcomeAction.RefreshSession, OutcomeClassifier.Classify(HttpStatusCode.Unauthorized, "INVALID_SESSION_ID", idempotent: true));

    [Fact]
    public void Classify_RequestLimitExceededFixture_WaitForBudgetNotRetry()
    {
        var errors = SalesforceApiException.ParseErrors(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rest-errors", "request_limit_exceeded_eastfive.json")));

        Assert.Equal(OutcomeAction.WaitForBudget, OutcomeClassifier.Classify(HttpStatusCode.Forbidden, errors[0].ErrorCode, idempotent: true));
    }

    [Theory]
    [InlineData("malformed_query_unexpected_token_2025_node_salesforce_connection.json", HttpStatusCode.BadRequest)]
    [InlineData("required_field_missing_eastfive.json", HttpStatusCode.BadRequest)]
    [InlineData("entity_is_deleted_eastfive.json", HttpStatusCode.NotFound)]
    [InlineData("invalid_field_id_in_create_body_doc_example.json", HttpStatusCode.BadRequest)]
    public void Classify_ClientErrorFixtures_Fail(string fixture, HttpStatusCode status)
    {
        var errors = SalesforceApiException.ParseErrors(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "rest-errors", fixture)));

        Assert.Equal(OutcomeAction.Fail, OutcomeClassifier.Classify(status, errors[0].ErrorCode, idempotent: true));
    }

    [Fact]
    public void Classify_ForbiddenWithoutLimitCode_Fail() =>
        Assert.Equal(OutcomeAction.Fail, OutcomeClassifier.Classify(HttpStatusCode.Forbidden, "INSUFFICIENT_ACCESS", idempotent: true));

    public static TheoryData<Exception> BeforeSending => new()
    {
        new HttpRequestException(HttpRequestError.ConnectionError, "refused"),
        new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"),
        new HttpRequestException("wrapped", new SocketException((int)SocketError.ConnectionRefused)),
    };

    [Theory]
    [MemberData(nameof(BeforeSending))]
    public void Classify_FailureBeforeSending_RetryEvenForCreate(Exception e)
    {
        Assert.Equal(OutcomeAction.Retry, OutcomeClassifier.Classify(e, idempotent: false, callerCancelled: false));
        Assert.Equal(OutcomeAction.Retry, OutcomeClassifier.Classify(e, idempotent: true, callerCancelled: false));
    }

    public static TheoryData<Exception> MayHaveReachedServer => new()
    {
        new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."),
        new IOException("connection reset"),
        new TimeoutRejectedException(),
        new TaskCanceledException("HttpClient timeout"),
        new HttpRequestException("wrapped", new SocketException((int)SocketError.ConnectionReset)),
    };

    [Theory]
    [MemberData(nameof(MayHaveReachedServer))]
    public void Classify_TransportFailureAfterSending_RetryOnlyWhenIdempotent(Exception e)
    {
        Assert.Equal(OutcomeAction.Retry, OutcomeClassifier.Classify(e, idempotent: true, callerCancelled: false));
        Assert.Equal(OutcomeAction.Fail, OutcomeClassifier.Classify(e, idempotent: false, callerCancelled: false));
    }

    [Fact]
    public void Classify_CallerCancelled_FailEvenIfIdempotent() =>
        Assert.Equal(OutcomeAction.Fail, OutcomeClassifier.Classify(new TaskCanceledException(), idempotent: true, callerCancelled: true));

    [Fact]
    public void Classify_OpenCircuit_FailFast() =>
        Assert.Equal(OutcomeAction.Fail, OutcomeClassifier.Classify(new BrokenCircuitException(), idempotent: true, callerCancelled: false));

    [Fact]
    public void Classify_ProgrammingError_Fail() =>
        Assert.Equal(OutcomeAction.Fail, OutcomeClassifier.Classify(new InvalidOperationException(), idempotent: true, callerCancelled: false));

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, null, true)]
    [InlineData(HttpStatusCode.InternalServerError, null, true)]
    [InlineData(HttpStatusCode.BadRequest, "UNABLE_TO_LOCK_ROW", false)]
    [InlineData(HttpStatusCode.Forbidden, "REQUEST_LIMIT_EXCEEDED", false)]
    [InlineData(HttpStatusCode.NotFound, "NOT_FOUND", false)]
    public void IsServerFailure_OnlyServerTrouble_CountsForTheCircuit(HttpStatusCode status, string? code, bool expected) =>
        Assert.Equal(expected, OutcomeClassifier.IsServerFailure(status, code));
}
