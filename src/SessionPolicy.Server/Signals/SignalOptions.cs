using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Signals;

/// <summary>Risk signals (section <c>SessionPolicy:Signals</c>).</summary>
public sealed class SignalOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Signals";

    /// <summary>Longest time to live a signal may ask for.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(30);

    /// <summary>How long a signal holds when the reporter does not say.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "SessionPolicy:Signals:DefaultTtl must be between 00:00:01 and 30.00:00:00")]
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(1);
}
