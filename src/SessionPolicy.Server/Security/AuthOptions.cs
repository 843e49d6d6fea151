using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Caller authentication (section <c>SessionPolicy:Auth</c>): JWT bearer tokens checked against an issuer,
/// an audience and signing keys (PEM files, a JWKS URL or both), client certificates issued by a configured
/// CA (mutual TLS), or both. Unset, callers are not authenticated: allowed on loopback (with a warning at
/// start), refused elsewhere unless <see cref="AllowUnauthenticated"/> says so.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Auth";

    /// <summary>The tokens' required <c>iss</c>.</summary>
    public string Issuer { get; set; } = "";

    /// <summary>The tokens' required <c>aud</c>.</summary>
    public string Audience { get; set; } = "";

    /// <summary>PEM files with the public keys (RSA or EC) that sign tokens.</summary>
    public string[] SigningKeyFiles { get; set; } = [];

    /// <summary>An HTTPS URL serving the signing keys as a JSON Web Key Set; fetched on first use, then every <see cref="JwksRefresh"/> and when a token names a key not in it.</summary>
    public string JwksUrl { get; set; } = "";

    /// <summary>How often the key set at <see cref="JwksUrl"/> is fetched again.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "1.00:00:00", ErrorMessage = "SessionPolicy:Auth:JwksRefresh must be between 00:00:30 and 1.00:00:00")]
    public TimeSpan JwksRefresh { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The claim listing the caller's permissions (space-separated or an array): decide, issue, subscribe, register, admin.</summary>
    public string PermissionsClaim { get; set; } = "permissions";

    /// <summary>The claim listing the audiences (applications) whose logouts the caller may hear.</summary>
    public string AudiencesClaim { get; set; } = "logout_audiences";

    /// <summary>
    /// PEM file with the CA certificate(s) that issue callers' client certificates. Set, HTTPS endpoints ask
    /// for a client certificate; a caller presenting one is the certificate's subject common name, with the
    /// permissions <see cref="Callers"/> gives that name.
    /// </summary>
    public string ClientCaFile { get; set; } = "";

    /// <summary>What each certificate caller (by subject common name) may do and hear.</summary>
    public Dictionary<string, CallerGrant> Callers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Serve without authentication on addresses other than loopback. Off by default: such a start is refused.</summary>
    public bool AllowUnauthenticated { get; set; }

    public bool TokensConfigured => SigningKeyFiles.Length > 0 || JwksUrl.Length > 0;

    public bool CertificatesConfigured => ClientCaFile.Length > 0;

    public bool IsConfigured => TokensConfigured || CertificatesConfigured;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TokensConfigured)
        {
            if (Issuer.Length == 0) yield return new ValidationResult($"{Section}:Issuer must be set with {Section}:SigningKeyFiles or :JwksUrl", [nameof(Issuer)]);
            if (Audience.Length == 0) yield return new ValidationResult($"{Section}:Audience must be set with {Section}:SigningKeyFiles or :JwksUrl", [nameof(Audience)]);
        }
        foreach (var file in SigningKeyFiles.Where(f => !File.Exists(f)))
        {
            yield return new ValidationResult($"{Section}:SigningKeyFiles: '{file}' does not exist", [nameof(SigningKeyFiles)]);
        }
        if (JwksUrl.Length > 0 && (!Uri.TryCreate(JwksUrl, UriKind.Absolute, out var jwks) || (jwks.Scheme != Uri.UriSchemeHttps && !jwks.IsLoopback)))
        {
            yield return new ValidationResult($"{Section}:JwksUrl must be an absolute https URL (http only on loopback), not '{JwksUrl}'", [nameof(JwksUrl)]);
        }
        if (ClientCaFile.Length > 0 && !File.Exists(ClientCaFile))
        {
            yield return new ValidationResult($"{Section}:ClientCaFile: '{ClientCaFile}' does not exist", [nameof(ClientCaFile)]);
        }
        if (Callers.Count > 0 && !CertificatesConfigured)
        {
            yield return new ValidationResult($"{Section}:Callers grants permissions to certificate callers: set {Section}:ClientCaFile too", [nameof(Callers)]);
        }
        foreach (var (name, grant) in Callers)
        {
            foreach (var p in grant.Permissions.Where(p => !Security.Permissions.All.Contains(p)))
            {
                yield return new ValidationResult(
                    $"{Section}:Callers:{name}:Permissions: '{p}' is not a permission (one of {string.Join(", ", Security.Permissions.All)})", [nameof(Callers)]);
            }
        }
    }
}

/// <summary>What a certificate caller may do (<see cref="Permissions"/>) and which logout audiences it may hear.</summary>
public sealed class CallerGrant
{
    public string[] Permissions { get; set; } = [];

    public string[] Audiences { get; set; } = [];
}
