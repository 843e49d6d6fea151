using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Redis;

/// <summary>The shared store (section <c>SessionPolicy:Redis</c>); unset, every replica keeps its own state.</summary>
public sealed class RedisOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Redis";

    /// <summary>
    /// StackExchange.Redis configuration string (<c>host:port,password=...,ssl=true,user=...</c>); empty keeps
    /// the embedded in-memory mode.
    /// </summary>
    public string Configuration { get; set; } = "";

    /// <summary>Prefix of every key the service writes, so replicas of one deployment share and others do not.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "SessionPolicy:Redis:KeyPrefix must not be empty")]
    public string KeyPrefix { get; set; } = "sessionpolicy:";

    /// <summary>Longest a decision waits for Redis before it is made locally.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10", ErrorMessage = "SessionPolicy:Redis:OperationTimeout must be between 00:00:00.001 and 00:00:10")]
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest a connection attempt takes before it is retried in the background.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "SessionPolicy:Redis:ConnectTimeout must be between 00:00:00.100 and 00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether a shared store is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);
}
