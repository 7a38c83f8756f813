using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OnedriveOffsite.GraphEmulator.Identity;

/// <summary>
/// The self-signed TLS certificate of the fake identity authority: MSAL only talks to https authorities, and a
/// separate process (pwsh running the module) must trust it without any validation being switched off, so the
/// certificate is written as PEM for the client to add to its trust store (SSL_CERT_FILE / SSL_CERT_DIR).
/// </summary>
internal static class IdentityCertificate
{
    public static X509Certificate2 Create(string pemPath)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=GraphEmulator identity (test only)", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        // A self-signed trust anchor: marked as a CA so chain builders that insist on it accept it as a root.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));

        var directory = Path.GetDirectoryName(Path.GetFullPath(pemPath));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllText(pemPath, created.ExportCertificatePem() + "\n");
        // Round trip through PKCS#12 so SslStream gets a key it can use on every platform (ephemeral keys fail on Windows).
        // The constructor, not X509CertificateLoader (.NET 9+): the emulator targets net8.0 like the product.
        return new X509Certificate2(created.Export(X509ContentType.Pkcs12), (string?)null);
    }
}
