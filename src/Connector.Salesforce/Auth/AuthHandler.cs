using System.Net;
using System.Net.Http.Headers;

namespace Connector.Salesforce.Auth;

/// <summary>
/// Signs every call with the cached session and points it at the session's instance URL. When Salesforce
/// answers 401 INVALID_SESSION_ID, the session is renewed once (single-flight across callers) and the
/// request replayed once; a second 401 is the caller's error.
/// </summary>
public sealed class AuthHandler : DelegatingHandler
{
    private readonly TokenCache _tokens;

    public AuthHandler(TokenCache tokens) => _tokens = tokens;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await _tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        var response = await SendWithAsync(request, token, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        var fresh = await _tokens.RenewAsync(token, cancellationToken).ConfigureAwait(false);
        return await SendWithAsync(request, fresh, cancellationToken).ConfigureAwait(false);
    }

    private Task<HttpResponseMessage> SendWithAsync(HttpRequestMessage request, AccessToken token, CancellationToken cancellationToken)
    {
        request.RequestUri = Rebase(request.RequestUri!, token.InstanceUrl);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>Moves a request built against the placeholder (or a previous instance) to the session's instance.</summary>
    internal static Uri Rebase(Uri uri, Uri instance)
    {
        var builder = new UriBuilder(uri) { Scheme = instance.Scheme, Host = instance.Host, Port = instance.Port };
        var basePath = instance.AbsolutePath.TrimEnd('/');
        if (basePath.Length > 0 && !builder.Path.StartsWith(basePath + "/", StringComparison.Ordinal))
        {
            builder.Path = basePath + builder.Path;
        }

        return builder.Uri;
    }
}
