using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// Reports the shared store under its own health service name. Liveness and readiness do not include
/// it: a shared outage degrades decisions but must not empty the load balancer. A store that does not keep
/// what it acknowledged (no AOF, no replica; <see cref="RedisDurability"/>) is reported degraded, with why.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis, RedisDurability durability) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected) return HealthCheckResult.Unhealthy("not connected to Redis; deciding from the local engine and cache");
        try
        {
            var latency = await RedisFailures.RunAsync("ping", () => redis.Database.PingAsync().WaitAsync(TimeSpan.FromSeconds(1), cancellationToken));
            var state = durability.State;
            var detail = $"connected; ping {latency.TotalMilliseconds:F1} ms; {state.Describe()}";
            return state.Durable ? HealthCheckResult.Healthy(detail) : HealthCheckResult.Degraded(detail);
        }
        catch (SharedStoreUnavailableException e)
        {
            return HealthCheckResult.Unhealthy($"Redis did not answer a ping: {e.Cause}");
        }
    }
}
