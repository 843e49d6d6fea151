using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Client certificates (mutual TLS): a certificate chaining to a configured CA, valid now and usable for client
/// authentication, names its caller by its subject common name; <see cref="AuthOptions.Callers"/> says what
/// that name may do. TLS proved the caller holds the certificate's key; this checks who issued it.
/// </summary>
internal sealed class CertificateAuthenticator
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private static readonly IReadOnlySet<string> Nothing = new HashSet<string>();
    private readonly X509Certificate2Collection _authorities = [];
    private readonly Dictionary<string, CallerGrant> _grants;
    private readonly TimeProvider _time;

    public CertificateAuthenticator(IOptions<AuthOptions> options, TimeProvider time)
    {
        var file = options.Value.ClientCaFile;
        _authorities.ImportFromPemFile(file);
        if (_authorities.Count == 0) throw new InvalidOperationException($"{AuthOptions.Section}:ClientCaFile: '{file}' holds no PEM certificate");
        _grants = new Dictionary<string, CallerGrant>(options.Value.Callers, StringComparer.Ordinal);
        _time = time;
    }

    /// <summary>The certificate's caller, or why the certificate was refused.</summary>
    public (Caller? Caller, string Failure) Validate(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (!chain.Build(certificate)) return (null, Why(chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status)));
        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (string.IsNullOrEmpty(name)) return (null, "the client certificate's subject has no common name");
        var grant = _grants.GetValueOrDefault(name);
        return (new Caller(
            name,
            grant is null ? Nothing : grant.Permissions.ToHashSet(StringComparer.Ordinal),
            grant is null ? Nothing : grant.Audiences.ToHashSet(StringComparer.Ordinal),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero)), "");
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    private static string Why(X509ChainStatusFlags status) =>
        (status & X509ChainStatusFlags.NotTimeValid) != 0 ? "the client certificate has expired or is not valid yet"
        : (status & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0 ? "the client certificate is not issued by a trusted CA"
        : (status & X509ChainStatusFlags.NotValidForUsage) != 0 ? "the client certificate is not for client authentication"
        : $"the client certificate is not valid ({status})";
}
