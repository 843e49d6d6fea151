using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// Signing of logout events as CAEP session-revoked Security Event Tokens (section
/// <c>SessionPolicy:SecurityEventTokens</c>); unset, subscribers cannot ask for them.
/// </summary>
public sealed class SecurityEventTokenOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:SecurityEventTokens";

    /// <summary>The <c>iss</c> claim, e.g. <c>https://session-policy.example.com</c>.</summary>
    public string Issuer { get; set; } = "";

    /// <summary>A PEM file with the RSA (RS256) or EC P-256 (ES256) private key that signs.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>The <c>kid</c> header; default the key's JWK thumbprint.</summary>
    public string KeyId { get; set; } = "";

    /// <summary>
    /// PEM files with keys that signed before <see cref="KeyFile"/> (public keys suffice): still published among the
    /// verification keys so tokens they signed verify until they expire; never used to sign. Each one's <c>kid</c> is its
    /// JWK thumbprint.
    /// </summary>
    public string[] PreviousKeyFiles { get; set; } = [];

    public bool IsConfigured => KeyFile.Length > 0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured) yield break;
        if (Issuer.Length == 0) yield return new ValidationResult($"{Section}:Issuer must be set when {Section}:KeyFile is", [nameof(Issuer)]);
        if (!File.Exists(KeyFile)) yield return new ValidationResult($"{Section}:KeyFile '{KeyFile}' does not exist", [nameof(KeyFile)]);
        foreach (var (file, i) in PreviousKeyFiles.Select((f, i) => (f, i)))
        {
            if (!File.Exists(file)) yield return new ValidationResult($"{Section}:PreviousKeyFiles:{i} '{file}' does not exist", [nameof(PreviousKeyFiles)]);
        }
    }
}
