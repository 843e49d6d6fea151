using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>A certificate authority for tests: a server certificate for 127.0.0.1 and client certificates by common name.</summary>
public sealed class TestCertificates : IDisposable
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificates(string name = "Test Callers CA")
    {
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-7), DateTimeOffset.UtcNow.AddYears(1));
    }

    public X509Certificate2 Authority { get; }

    /// <summary>A client certificate for <paramref name="commonName"/>, valid from yesterday for a day unless told otherwise.</summary>
    public X509Certificate2 Client(string commonName, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, string usage = ClientAuthentication) =>
        Issue($"CN={commonName}", notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(1), usage, san: null);

    /// <summary>A client certificate that says it is for servers only.</summary>
    public X509Certificate2 ServerOnly(string commonName) => Client(commonName, usage: ServerAuthentication);

    /// <summary>The server's certificate for 127.0.0.1, written as PEM files (certificate, key) for Kestrel's configuration.</summary>
    public (string CertificateFile, string KeyFile) ServerFiles(string folder)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        using var server = Issue("CN=localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), ServerAuthentication, san.Build());
        var certificate = Path.Combine(folder, "server.pem");
        var key = Path.Combine(folder, "server.key");
        File.WriteAllText(certificate, server.ExportCertificatePem());
        File.WriteAllText(key, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificate, key);
    }

    /// <summary>The authority's certificate as a PEM file.</summary>
    public string AuthorityFile(string folder)
    {
        var path = Path.Combine(folder, $"ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, Authority.ExportCertificatePem());
        return path;
    }

    private X509Certificate2 Issue(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, string usage, X509Extension? san)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (san is not null) request.CertificateExtensions.Add(san);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(Authority, notBefore, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        Authority.Dispose();
        _caKey.Dispose();
    }
}
