using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Receivers;

/// <summary>How the service calls the applications that receive logouts by push (section <c>SessionPolicy:Receivers</c>).</summary>
public sealed class ReceiverOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Receivers";

    /// <summary>Allows plain <c>http</c> to loopback addresses (and any call to loopback), for development; off, every push URL is <c>https</c> to a public address.</summary>
    public bool AllowHttpLoopback { get; set; }

    /// <summary>Allows receivers on private networks (RFC 1918, shared address space, unique local IPv6); link-local and cloud metadata addresses are refused regardless.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Longest one delivery takes, from connecting to the last byte of the answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "SessionPolicy:Receivers:RequestTimeout must be between 00:00:00.100 and 00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most of a receiver's answer that is read; a longer one is a failed delivery.</summary>
    [Range(1024, 1048576, ErrorMessage = "SessionPolicy:Receivers:MaxResponseBytes must be between 1024 and 1048576")]
    public int MaxResponseBytes { get; set; } = 65536;
}
