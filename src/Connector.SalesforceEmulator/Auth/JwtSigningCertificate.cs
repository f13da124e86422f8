using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Auth;

/// <summary>The certificate uploaded to the connected app: its RSA public key verifies JWT bearer assertions.</summary>
public static class JwtSigningCertificate
{
    public const string OptionKey = EmulatorOptions.SectionName + ":" + nameof(EmulatorOptions.JwtCertificatePath);

    /// <summary>Relative paths resolve from the app folder, where the Dev/ certificate is copied.</summary>
    public static string ResolvePath(string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, path));

    /// <summary>Loads the PEM certificate's RSA public key; throws <see cref="InvalidOperationException"/> naming the option otherwise.</summary>
    public static RSA LoadPublicKey(string path)
    {
        var resolved = ResolvePath(path);
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(resolved));
            return certificate.GetRSAPublicKey()
                ?? throw new InvalidOperationException($"{OptionKey}: the certificate '{resolved}' has no RSA public key (JWT bearer assertions are RS256).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"{OptionKey}: cannot load the JWT signing certificate from '{resolved}': {e.Message}", e);
        }
    }
}

/// <summary>Stops the host at start-up when the JWT certificate cannot be loaded, with a message naming the option.</summary>
internal sealed class JwtCertificateValidation : IValidateOptions<EmulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, EmulatorOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.JwtCertificatePath))
        {
            return ValidateOptionsResult.Fail($"{JwtSigningCertificate.OptionKey} is required.");
        }

        try
        {
            using var key = JwtSigningCertificate.LoadPublicKey(options.JwtCertificatePath);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
