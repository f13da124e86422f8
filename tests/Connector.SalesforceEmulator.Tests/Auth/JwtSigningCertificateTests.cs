using Connector.SalesforceEmulator.Auth;
using Connector.SalesforceEmulator.Hosting;
using Microsoft.Extensions.Options;

namespace Connector.SalesforceEmulator.Tests.Auth;

public sealed class JwtSigningCertificateTests
{
    [Fact]
    public void LoadPublicKey_DefaultRelativePath_ResolvesFromTheAppFolder()
    {
        using var key = JwtSigningCertificate.LoadPublicKey(new EmulatorOptions().JwtCertificatePath);

        Assert.Equal(2048, key.KeySize);
    }

    [Fact]
    public async Task Start_CertificateMissing_FailsNamingTheOption()
    {
        var settings = new Dictionary<string, string?> { ["Emulator:JwtCertificatePath"] = "Dev/no-such-cert.pem" };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => EmulatorServer.StartAsync(settings));

        Assert.Contains("Emulator:JwtCertificatePath", error.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-cert.pem", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FileIsNotACertificate_FailsNamingTheOption()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Dev", "README.md");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => EmulatorServer.StartAsync(new Dictionary<string, string?> { ["Emulator:JwtCertificatePath"] = path }));

        Assert.Contains("Emulator:JwtCertificatePath", error.Message, StringComparison.Ordinal);
    }
}
