using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// Reports the shared store under its own health service name. Liveness and readiness do not include
/// it: a shared outage degrades decisions but must not empty the load balancer. The check reads through
/// the key layout the calls use (a principal's decision lookup, one multi-key read, and the log's node, which
/// every ending reaches), so a store that answers a ping but not the service's own reads (a cluster whose slot is
/// down, a layout the cluster cannot route) is reported unhealthy. A store that does not keep what it
/// acknowledged (no AOF, no replica; <see cref="RedisDurability"/>) is reported degraded, with why.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis, RedisKeys keys, RedisDurability durability) : IHealthCheck
{
    /// <summary>The principal whose keys the check reads (never written).</summary>
    internal const string ProbePrincipal = "sessionpolicy-health-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected) return HealthCheckResult.Unhealthy("not connected to Redis; deciding from the local engine and cache");
        try
        {
            var db = redis.Database;
            var watch = Stopwatch.StartNew();
            await RedisFailures.RunAsync("read through the key layout", () => Task.WhenAll(
                    db.StringGetAsync([keys.Signal(ProbePrincipal), keys.Revocation(ProbePrincipal), keys.Decision(ProbePrincipal, "")]),
                    db.KeyExistsAsync(keys.LogEpoch))
                .WaitAsync(TimeSpan.FromSeconds(1), cancellationToken));
            var state = durability.State;
            var detail = $"connected; decision lookup and logout log read in {watch.Elapsed.TotalMilliseconds:F1} ms; {state.Describe()}";
            return state.Durable ? HealthCheckResult.Healthy(detail) : HealthCheckResult.Degraded(detail);
        }
        catch (SharedStoreUnavailableException e)
        {
            return HealthCheckResult.Unhealthy($"Redis did not answer the service's reads: {e.Cause}");
        }
    }
}
