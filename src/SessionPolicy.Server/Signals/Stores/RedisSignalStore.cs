using SessionPolicy.Server.Redis;

namespace SessionPolicy.Server.Signals.Stores;

/// <summary>
/// Principal state in Redis, for every replica: a signal key with the signal's time to live, a revocation
/// key, and an announcement on the invalidation channel so every replica drops its cached decisions for
/// the principal. The decision lookup reads these keys in its own round trip (<c>RedisDecisionStore</c>). Where
/// configured, the call returns once the replicas hold the signal (<see cref="RedisReplicaWait"/>).
/// </summary>
internal sealed class RedisSignalStore(RedisConnection redis, RedisKeys keys, RedisReplicaWait replicas, TimeProvider time) : ISignalStore
{
    public Task ReportAsync(string principalId, int riskScore, TimeSpan ttl, bool revoke, CancellationToken cancellationToken) =>
        RedisFailures.RunAsync("record the signal", async () =>
        {
            var now = time.GetUtcNow();
            // Recording a signal is not on a decision's path: it may take longer than a decision's budget.
            var budget = TimeSpan.FromTicks(Math.Max(redis.OperationTimeout.Ticks, TimeSpan.FromSeconds(1).Ticks));
            var database = redis.Database;
            var writes = new List<Task>
            {
                database.StringSetAsync(keys.Signal(principalId), PrincipalState.EncodeSignal(Guid.NewGuid().ToString("N"), riskScore, now + ttl), ttl),
            };
            if (revoke)
            {
                writes.Add(database.StringSetAsync(keys.Revocation(principalId),
                    PrincipalState.EncodeRevocation(Guid.NewGuid().ToString("N"), now), PrincipalState.RevocationLifetime));
            }
            await Task.WhenAll(writes).WaitAsync(budget, time, cancellationToken);
            await redis.Subscriber.PublishAsync(keys.Invalidations, principalId).WaitAsync(budget, time, cancellationToken);
        });

    public Task ConfirmAsync(string principalId, CancellationToken cancellationToken) => replicas.ConfirmAsync(keys.PrincipalWait(principalId), "the signal");
}
