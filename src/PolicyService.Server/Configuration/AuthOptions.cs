using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Configuration;

/// <summary>
/// Caller authentication (section <c>SessionPolicy:Auth</c>): JWT bearer tokens checked against an issuer,
/// an audience and signing keys. Unset, callers are not authenticated: allowed on loopback (with a warning
/// at start), refused elsewhere unless <see cref="AllowUnauthenticated"/> says so.
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

    /// <summary>The claim listing the caller's permissions (space-separated or an array): decide, issue, subscribe, register, admin.</summary>
    public string PermissionsClaim { get; set; } = "permissions";

    /// <summary>The claim listing the audiences (applications) whose logouts the caller may hear.</summary>
    public string AudiencesClaim { get; set; } = "logout_audiences";

    /// <summary>Serve without authentication on addresses other than loopback. Off by default: such a start is refused.</summary>
    public bool AllowUnauthenticated { get; set; }

    public bool IsConfigured => SigningKeyFiles.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured) yield break;
        if (Issuer.Length == 0) yield return new ValidationResult($"{Section}:Issuer must be set with {Section}:SigningKeyFiles", [nameof(Issuer)]);
        if (Audience.Length == 0) yield return new ValidationResult($"{Section}:Audience must be set with {Section}:SigningKeyFiles", [nameof(Audience)]);
        foreach (var file in SigningKeyFiles.Where(f => !File.Exists(f)))
        {
            yield return new ValidationResult($"{Section}:SigningKeyFiles: '{file}' does not exist", [nameof(SigningKeyFiles)]);
        }
    }
}
