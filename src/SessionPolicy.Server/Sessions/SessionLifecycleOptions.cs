using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Sessions;

/// <summary>The session registry and the logout log (section <c>SessionPolicy:Sessions</c>).</summary>
public sealed class SessionLifecycleOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Sessions";

    /// <summary>How often due sessions are ended; a session ends within this of its deadline.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:01", ErrorMessage = "SessionPolicy:Sessions:SweepInterval must be between 00:00:00.010 and 00:00:01")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Logout events kept for subscribers to resume from (approximately, in Redis).</summary>
    [Range(100, 10_000_000, ErrorMessage = "SessionPolicy:Sessions:EventRetention must be between 100 and 10000000")]
    public int EventRetention { get; set; } = 100_000;

    /// <summary>Sessions allowed longer than this are long: marked so in their audit records and counted (<c>sessionpolicy.sessions.long</c>).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "12:00:00", ErrorMessage = "SessionPolicy:Sessions:LongSessionThreshold must be between 00:01:00 and 12:00:00")]
    public TimeSpan LongSessionThreshold { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How long an ended session stays listed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00", ErrorMessage = "SessionPolicy:Sessions:EndedRetention must be between 00:00:00 and 30.00:00:00")]
    public TimeSpan EndedRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Events a subscriber may fall behind by before its stream is ended (it then resumes from its cursor).</summary>
    [Range(16, 1_000_000, ErrorMessage = "SessionPolicy:Sessions:SubscriberBuffer must be between 16 and 1000000")]
    public int SubscriberBuffer { get; set; } = 1024;

    /// <summary>A message to a subscriber that is not written within this long ends its stream (it then resumes from its cursor).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "SessionPolicy:Sessions:SubscriberWriteTimeout must be between 00:00:01 and 00:10:00")]
    public TimeSpan SubscriberWriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A keepalive is sent on a stream that carried nothing for this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "SessionPolicy:Sessions:KeepaliveInterval must be between 00:00:01 and 00:10:00")]
    public TimeSpan KeepaliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The audience of sessions issued through STS when the caller names none.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "SessionPolicy:Sessions:DefaultStsAudience must not be empty")]
    public string DefaultStsAudience { get; set; } = "aws";
}
