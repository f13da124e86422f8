namespace Connector.Salesforce.Resilience;

/// <summary>Reads the errorCode of an error answer without taking the body away from the caller.</summary>
internal static class ErrorBody
{
    /// <summary>
    /// The first errorCode of a non-success answer, or null. The body is buffered first so it can be read
    /// again by whoever gets the response (SalesforceHttp turns it into a typed exception).
    /// </summary>
    public static async ValueTask<string?> ReadErrorCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode || (int)response.StatusCode < 400 || response.Content is null)
        {
            return null;
        }

        // Error bodies are a small JSON array; buffering keeps them re-readable.
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var errors = SalesforceApiException.ParseErrors(body);
        return errors.Count > 0 ? errors[0].ErrorCode : null;
    }
}
