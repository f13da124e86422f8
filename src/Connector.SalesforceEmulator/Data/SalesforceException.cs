namespace Connector.SalesforceEmulator.Data;

/// <summary>
/// An error the org reports to the caller: REST turns it into <c>[{"message","errorCode","fields"}]</c>
/// with <see cref="HttpStatus"/>; sObject Collections report it per record with <c>statusCode</c>.
/// </summary>
public sealed class SalesforceException : Exception
{
    public SalesforceException(int httpStatus, string errorCode, string message, IReadOnlyList<string>? fields = null)
        : base(message)
    {
        HttpStatus = httpStatus;
        ErrorCode = errorCode;
        Fields = fields;
    }

    public SalesforceException()
        : this(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred.")
    {
    }

    public SalesforceException(string message)
        : this(400, "INVALID_INPUT", message)
    {
    }

    public SalesforceException(string message, Exception innerException)
        : base(message, innerException)
    {
        HttpStatus = 500;
        ErrorCode = "UNKNOWN_EXCEPTION";
    }

    public int HttpStatus { get; }
    public string ErrorCode { get; }
    /// <summary>Field names the error is about; null when the real API omits the key.</summary>
    public IReadOnlyList<string>? Fields { get; }

    public static SalesforceException NotFound() =>
        new(404, "NOT_FOUND", "The requested resource does not exist");

    public static SalesforceException InvalidField(string message, params string[] fields) =>
        new(400, "INVALID_FIELD", message, fields);

    public static SalesforceException EntityIsDeleted() =>
        new(404, "ENTITY_IS_DELETED", "entity is deleted", []);

    public static SalesforceException MalformedId(string sobject, string id) =>
        new(400, "MALFORMED_ID", $"{sobject} ID: id value of incorrect type: {id}", ["Id"]);

    public static SalesforceException InvalidCrossReference(string field, string value) =>
        new(400, "INVALID_CROSS_REFERENCE_KEY", $"invalid cross reference id", [field]) { Data = { ["value"] = value } };

    public static SalesforceException RequiredFieldMissing(IReadOnlyList<string> fields) =>
        new(400, "REQUIRED_FIELD_MISSING", $"Required fields are missing: [{string.Join(", ", fields)}]", fields);
}
