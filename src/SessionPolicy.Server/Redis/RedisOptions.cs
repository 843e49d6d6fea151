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

    /// <summary>
    /// How many replicas must hold the writes of a <c>ForceLogout</c> or a <c>ReportSignal</c> before the call answers
    /// success (Redis <c>WAIT</c>, on a connection of its own); 0, the default, waits for none.
    /// </summary>
    [Range(0, 16, ErrorMessage = "SessionPolicy:Redis:WaitForReplicas must be between 0 and 16")]
    public int WaitForReplicas { get; set; }

    /// <summary>Longest such a call waits for the replicas; past it the call answers UNAVAILABLE (the write stays on the primary).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30", ErrorMessage = "SessionPolicy:Redis:WaitTimeout must be between 00:00:00.010 and 00:00:30")]
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether a shared store is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);
}
