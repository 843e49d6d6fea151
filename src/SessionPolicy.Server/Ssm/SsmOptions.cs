using System.ComponentModel.DataAnnotations;
using SessionPolicy.Core.Ssm;

namespace SessionPolicy.Server.Ssm;

/// <summary>
/// Session Manager governed by the policy (section <c>SessionPolicy:Ssm</c>): for each configured region (the account of
/// the service's AWS credentials, or another through a role) and the environment its nodes are in, the service writes the Session Manager
/// preferences the policy implies and checks them on an interval. Off unless <see cref="Enabled"/>.
/// </summary>
public sealed class SsmOptions : IValidatableObject
{
    public const string Section = "SessionPolicy:Ssm";

    public bool Enabled { get; set; }

    /// <summary>The regions and their environments (at most 100).</summary>
    public List<SsmTarget> Targets { get; set; } = [];

    /// <summary>How often each region's preferences are checked (a new policy applies at once).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "SessionPolicy:Ssm:PreferencesInterval must be between 00:00:01 and 1.00:00:00")]
    public TimeSpan PreferencesInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often each region's running sessions are listed: new ones registered, those the policy ended terminated.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "SessionPolicy:Ssm:SessionsInterval must be between 00:00:01 and 01:00:00")]
    public TimeSpan SessionsInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The logout audiences Session Manager sessions are registered for (who hears of their endings).</summary>
    public string[] Audiences { get; set; } = ["aws-ssm"];

    /// <summary>Whether preferences changed outside the service are written back (drift is always reported).</summary>
    public bool RestoreDrift { get; set; }

    /// <summary>Where Session Manager sends session logs: the logging inputs of every region's preferences.</summary>
    public SsmLoggingOptions Logging { get; set; } = new();

    /// <summary>Retries of one SSM call on throttling, 5xx or no answer (the SDK's standard retry), 0..10.</summary>
    [Range(0, 10, ErrorMessage = "SessionPolicy:Ssm:MaxErrorRetry must be between 0 and 10")]
    public int MaxErrorRetry { get; set; } = 3;

    /// <summary>Longest one HTTP attempt to SSM.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "SessionPolicy:Ssm:Timeout must be between 00:00:00.100 and 00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>In shared mode, how long one replica holds the SSM work unless renewed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "SessionPolicy:Ssm:Lease must be between 00:00:01 and 00:10:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled) yield break;
        if (Targets.Count is 0 or > 100) yield return new ValidationResult($"{Section}:Targets must list 1 to 100 regions when {Section}:Enabled is true", [nameof(Targets)]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Targets.Count; i++)
        {
            var t = Targets[i];
            var key = $"{Section}:Targets:{i}";
            if (!System.Text.RegularExpressions.Regex.IsMatch(t.Region ?? "", "^[a-z]{2}(-[a-z]+)+-[0-9]+$"))
            {
                yield return new ValidationResult($"{key}:Region must be an AWS region name such as eu-west-1, not '{t.Region}'", [nameof(Targets)]);
            }
            if (string.IsNullOrWhiteSpace(t.Environment) || t.Environment.Length > 64)
            {
                yield return new ValidationResult($"{key}:Environment must name the environment of the region's nodes (1 to 64 characters)", [nameof(Targets)]);
            }
            if (t.ServiceUrl.Length > 0 && (!Uri.TryCreate(t.ServiceUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))))
            {
                yield return new ValidationResult($"{key}:ServiceUrl must be an absolute https URL (http only on loopback), not '{t.ServiceUrl}'", [nameof(Targets)]);
            }
            if (t.RoleArn.Length > 0 && !Core.Evaluation.RoleArn.TryParse(t.RoleArn, out _, out var roleError))
            {
                yield return new ValidationResult($"{key}:RoleArn {roleError}", [nameof(Targets)]);
            }
            if (!seen.Add($"{t.Account}|{t.Region}|{t.ServiceUrl}")) yield return new ValidationResult($"{key} lists region {t.Region} of {(t.Account.Length > 0 ? $"account {t.Account}" : "the service's account")} a second time", [nameof(Targets)]);
        }
        foreach (var problem in Logging.ToLogging().Problems()) yield return new ValidationResult($"{Section}:Logging: {problem}", [nameof(Logging)]);
    }
}

/// <summary>
/// One account and region whose Session Manager the service governs, the environment of its nodes, and an endpoint
/// override (VPC endpoint, test endpoint). The account is the service's own, or that of <see cref="RoleArn"/>, a role
/// there the service assumes through STS.
/// </summary>
public sealed class SsmTarget
{
    public string Region { get; set; } = "";
    public string Environment { get; set; } = "";
    public string ServiceUrl { get; set; } = "";

    /// <summary>A role in another account to govern that account's Session Manager with; empty for the service's own account.</summary>
    public string RoleArn { get; set; } = "";

    /// <summary>The account of <see cref="RoleArn"/>, or empty for the service's own.</summary>
    public string Account => RoleArn.Split(':') is { Length: 6 } parts ? parts[4] : "";

    /// <summary>How the target is named in logs, records and metrics: the region, after the account when it has one.</summary>
    public string Name => Account.Length > 0 ? $"{Account}/{Region}" : Region;
}

/// <summary>The logging inputs of the preferences, from configuration.</summary>
public sealed class SsmLoggingOptions
{
    public string S3BucketName { get; set; } = "";
    public string S3KeyPrefix { get; set; } = "";
    public bool S3EncryptionEnabled { get; set; } = true;
    public string CloudWatchLogGroupName { get; set; } = "";
    public bool CloudWatchEncryptionEnabled { get; set; } = true;
    public bool CloudWatchStreamingEnabled { get; set; } = true;
    public string KmsKeyId { get; set; } = "";

    public SsmLogging ToLogging() => new()
    {
        S3BucketName = S3BucketName, S3KeyPrefix = S3KeyPrefix, S3EncryptionEnabled = S3EncryptionEnabled, CloudWatchLogGroupName = CloudWatchLogGroupName,
        CloudWatchEncryptionEnabled = CloudWatchEncryptionEnabled, CloudWatchStreamingEnabled = CloudWatchStreamingEnabled, KmsKeyId = KmsKeyId,
    };
}
