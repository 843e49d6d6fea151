using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Revocation;

/// <summary>
/// Revocation of the AWS credentials IssueSession handed out, once their session ends (section
/// <c>SessionPolicy:Revocation</c>). Off unless <see cref="Enabled"/>; with <see cref="DryRun"/> the service logs the
/// policy it would write and calls nothing. The service's credentials come from the AWS SDK's default chain, as for STS.
/// </summary>
public sealed class RevocationOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Revocation";

    /// <summary>Whether ended sessions' credentials are denied in their role's inline policy.</summary>
    public bool Enabled { get; set; }

    /// <summary>Log the policy each role would get, call nothing.</summary>
    public bool DryRun { get; set; }

    /// <summary>Any IAM-compatible endpoint; empty uses AWS's global IAM endpoint (<c>https://iam.amazonaws.com/</c>).</summary>
    public string ServiceUrl { get; set; } = "";

    /// <summary>The signing region; IAM is global and signed for <c>us-east-1</c> in the commercial partition.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The inline policy the service owns on each role it revokes sessions of; nothing else of the role is touched.</summary>
    [RegularExpression(@"^[\w+=,.@-]{1,128}$", ErrorMessage = "SessionPolicy:Revocation:PolicyName must be 1 to 128 of letters, digits and _+=,.@-")]
    public string PolicyName { get; set; } = "SessionPolicyRevocations";

    /// <summary>
    /// The most characters (white space not counted) the policy may hold before it falls back to the role-wide deny.
    /// IAM allows 10,240 for all of a role's inline policies together; set it lower when roles carry other inline policies.
    /// </summary>
    [Range(512, 10_240, ErrorMessage = "SessionPolicy:Revocation:MaxPolicyCharacters must be between 512 and 10240")]
    public int MaxPolicyCharacters { get; set; } = 10_240;

    /// <summary>Retries of one IAM call after the first attempt, for throttling, 5xx and network errors.</summary>
    [Range(0, 10, ErrorMessage = "SessionPolicy:Revocation:MaxErrorRetry must be between 0 and 10")]
    public int MaxErrorRetry { get; set; } = 4;

    /// <summary>Longest one HTTP attempt to IAM may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "SessionPolicy:Revocation:Timeout must be between 00:00:00.100 and 00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait before a role whose write failed is tried again (the wait doubles from 1 s up to this).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "SessionPolicy:Revocation:MaxRetryDelay must be between 00:00:01 and 01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one replica holds the revoking before another may take over, when it stops renewing (shared mode).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "SessionPolicy:Revocation:Lease must be between 00:00:01 and 00:10:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // The requests carry the service's session token: in the clear only to a test endpoint on this machine.
        if (ServiceUrl.Length > 0 && (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))))
        {
            yield return new ValidationResult($"{Section}:ServiceUrl must be an absolute https URL (http only on loopback), not '{ServiceUrl}'", [nameof(ServiceUrl)]);
        }
        if (!System.Text.RegularExpressions.Regex.IsMatch(Region, "^[a-z]{2}(-[a-z]+)+-[0-9]+$"))
        {
            yield return new ValidationResult($"{Section}:Region must be an AWS region name such as us-east-1, not '{Region}'", [nameof(Region)]);
        }
    }
}
