namespace SessionPolicy.Server.Hosting;

/// <summary>The <c>grpc.health.v1.Health</c> service names the service reports, for probes and load balancers.</summary>
public static class HealthNames
{
    /// <summary>Whether the process is alive.</summary>
    public const string Liveness = "liveness";

    /// <summary>Whether the process can serve decisions (a policy is loaded).</summary>
    public const string Readiness = "readiness";

    /// <summary>The shared store (Redis), in the shared mode; left out of liveness and readiness, so a shared outage does not empty the load balancer.</summary>
    public const string Redis = "redis";
}
