using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Limits per caller (section <c>SessionPolicy:Limits</c>). A caller is its authenticated name once its
/// credential is known, otherwise its network address.
/// </summary>
public sealed class LimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Limits";

    /// <summary>Calls a caller may make per <see cref="Period"/> (a token bucket that refills evenly); 0 turns rate limiting off.</summary>
    [Range(0, 100_000_000, ErrorMessage = "SessionPolicy:Limits:Permits must be between 0 and 100000000")]
    public int Permits { get; set; }

    /// <summary>The period <see cref="Permits"/> refill over.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00", ErrorMessage = "SessionPolicy:Limits:Period must be between 00:00:00.001 and 1.00:00:00")]
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest request or reply message, in bytes.</summary>
    [Range(1024, 64 * 1024 * 1024, ErrorMessage = "SessionPolicy:Limits:MaxMessageBytes must be between 1024 and 67108864")]
    public int MaxMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How far ahead of this service's clock a caller-stated time (a sign-in time) may be; later is refused.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "SessionPolicy:Limits:MaxClockSkew must be between 00:00:00 and 01:00:00")]
    public TimeSpan MaxClockSkew { get; set; } = Mapping.TimeBounds.DefaultMaxSkew;

    /// <summary>How far in the past a caller-stated sign-in time may be; older is refused.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "SessionPolicy:Limits:MaxAuthenticationAge must be between 1.00:00:00 and 3650.00:00:00")]
    public TimeSpan MaxAuthenticationAge { get; set; } = Mapping.TimeBounds.DefaultMaxAge;

    /// <summary>SubscribeLogouts streams one caller may hold open at once.</summary>
    [Range(1, 1_000_000, ErrorMessage = "SessionPolicy:Limits:MaxStreamsPerCaller must be between 1 and 1000000")]
    public int MaxStreamsPerCaller { get; set; } = 1024;
}
