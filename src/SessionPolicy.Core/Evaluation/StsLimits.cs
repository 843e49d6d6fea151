namespace SessionPolicy.Core.Evaluation;

/// <summary>The AWS STS limits the service enforces itself, because emulators do not.</summary>
public static class StsLimits
{
    /// <summary>Smallest AssumeRole DurationSeconds.</summary>
    public const int MinDurationSeconds = 900;

    /// <summary>Largest AssumeRole DurationSeconds, and the largest role MaxSessionDuration.</summary>
    public const int MaxDurationSeconds = 43_200;

    /// <summary>Default DurationSeconds, and the smallest role MaxSessionDuration.</summary>
    public const int DefaultDurationSeconds = 3_600;

    /// <summary>Cap on a session assumed with credentials that are themselves a role session.</summary>
    public const int RoleChainingMaxSeconds = 3_600;

    /// <summary>Shortest RoleSessionName and SourceIdentity.</summary>
    public const int MinNameLength = 2;

    /// <summary>Longest RoleSessionName and SourceIdentity.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Shortest ExternalId.</summary>
    public const int MinExternalIdLength = 2;

    /// <summary>Longest ExternalId.</summary>
    public const int MaxExternalIdLength = 1224;

    /// <summary>Most session tags in one AssumeRole call.</summary>
    public const int MaxSessionTags = 50;

    /// <summary>Longest session tag key.</summary>
    public const int MaxTagKeyLength = 128;

    /// <summary>Longest session tag value.</summary>
    public const int MaxTagValueLength = 256;

    /// <summary>Most managed policy ARNs passed as session policies.</summary>
    public const int MaxPolicyArns = 10;

    /// <summary>Shortest and longest policy ARN.</summary>
    public const int MinArnLength = 20, MaxArnLength = 2048;

    /// <summary>Longest inline session policy, in characters.</summary>
    public const int MaxInlinePolicyLength = 2048;
}
