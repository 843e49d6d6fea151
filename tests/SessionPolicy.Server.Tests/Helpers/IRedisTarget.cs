namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>A real Redis the shared-mode tests run against: one server, or a cluster of them.</summary>
public interface IRedisTarget
{
    /// <summary>The StackExchange.Redis configuration string (for a cluster, its seed endpoints).</summary>
    string Configuration { get; }

    /// <summary>Settings for replicas sharing this Redis under a key prefix of their own.</summary>
    Dictionary<string, string?> SharedSettings();

    /// <summary>
    /// Settings for replicas sharing <paramref name="configuration"/> under a key prefix of their own, with an operation
    /// budget generous enough that a loaded test machine never turns a healthy round trip into a degraded one.
    /// </summary>
    static Dictionary<string, string?> SharedSettings(string configuration) => new()
    {
        ["SessionPolicy:Redis:Configuration"] = configuration,
        ["SessionPolicy:Redis:KeyPrefix"] = $"test:{Guid.NewGuid():N}:",
        ["SessionPolicy:Redis:OperationTimeout"] = "00:00:01",
    };
}
