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
}
