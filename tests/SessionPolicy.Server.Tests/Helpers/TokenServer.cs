using System.Security.Cryptography;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// A service in process that accepts bearer tokens of <see cref="TestTokens.Issuer"/> signed by <see cref="Key"/>
/// (ES256, its public key in a temporary PEM file, removed on dispose).
/// </summary>
public sealed class TokenServer : IDisposable
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"jwt-{Guid.NewGuid():N}.pem");

    public TokenServer()
    {
        File.WriteAllText(_keyFile, Key.ExportSubjectPublicKeyInfoPem());
        Server = new PolicyServiceFactory(Sample.OneHourPolicy, settings: TestTokens.ServerSettings(_keyFile));
    }

    /// <summary>The key the service trusts.</summary>
    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public PolicyServiceFactory Server { get; }

    public void Dispose()
    {
        Server.Dispose();
        File.Delete(_keyFile);
        Key.Dispose();
    }
}
