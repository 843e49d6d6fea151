using System.ComponentModel.DataAnnotations;
using Amazon.Runtime;

namespace SessionPolicy.Server.Credentials;

/// <summary>
/// AWS STS for IssueSession (section <c>SessionPolicy:Sts</c>). Unset, IssueSession answers
/// FAILED_PRECONDITION. Credentials come from the AWS SDK's default chain (environment, profile, web
/// identity, container or instance role); they are never part of this configuration.
/// </summary>
public sealed class StsOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Sts";

    /// <summary>AWS region whose STS endpoint is called (e.g. <c>eu-west-1</c>); also the signing region with <see cref="ServiceUrl"/>.</summary>
    public string Region { get; set; } = "";

    /// <summary>Any STS-compatible endpoint (e.g. a VPC endpoint or an emulator); empty uses the region's AWS endpoint.</summary>
    public string ServiceUrl { get; set; } = "";

    /// <summary>The SDK's retry mode: <c>Standard</c> (default), <c>Adaptive</c> or <c>Legacy</c>. Throttling is retried with backoff.</summary>
    public RequestRetryMode RetryMode { get; set; } = RequestRetryMode.Standard;

    /// <summary>Retries after the first attempt, for throttling and network errors.</summary>
    [Range(0, 10, ErrorMessage = "SessionPolicy:Sts:MaxErrorRetry must be between 0 and 10")]
    public int MaxErrorRetry { get; set; } = 3;

    /// <summary>Longest one HTTP attempt to STS may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "SessionPolicy:Sts:Timeout must be between 00:00:00.100 and 00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether the service's own credentials are a role session, which caps what it assumes at 1 h:
    /// <c>Auto</c> asks STS (GetCallerIdentity) once, <c>Always</c> or <c>Never</c> say so.
    /// </summary>
    public RoleChainingMode RoleChaining { get; set; } = RoleChainingMode.Auto;

    /// <summary>How long a role maximum learned from an STS refusal is remembered.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "SessionPolicy:Sts:RoleMaximumRetention must be between 00:01:00 and 30.00:00:00")]
    public TimeSpan RoleMaximumRetention { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Whether STS is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Region) || !string.IsNullOrWhiteSpace(ServiceUrl);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ServiceUrl.Length > 0 && (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"SessionPolicy:Sts:ServiceUrl must be an absolute http or https URL, not '{ServiceUrl}'", [nameof(ServiceUrl)]);
        }
        if (Region.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(Region, "^[a-z]{2}(-[a-z]+)+-[0-9]+$"))
        {
            yield return new ValidationResult($"SessionPolicy:Sts:Region must be an AWS region name such as us-east-1, not '{Region}'", [nameof(Region)]);
        }
    }
}

/// <summary>How the service knows whether its own credentials are a role session.</summary>
public enum RoleChainingMode
{
    /// <summary>Ask STS who the credentials belong to, once.</summary>
    Auto,

    /// <summary>The credentials are a role session: cap at 1 h.</summary>
    Always,

    /// <summary>The credentials are not a role session.</summary>
    Never,
}
