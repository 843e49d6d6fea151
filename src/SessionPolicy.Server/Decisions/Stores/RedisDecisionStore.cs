using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Signals;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.V1;
using StackExchange.Redis;

namespace SessionPolicy.Server.Decisions.Stores;

/// <summary>
/// The store every replica shares, in Redis: decisions (L2) under a hash of their normalised input and
/// policy version, each with the stamp of the principal state it was made under, read together with the
/// principal's signal and revocation in one round trip that never waits longer than the operation budget.
/// A principal whose state changed is announced on the invalidation channel (<c>RedisSignalStore</c>);
/// at start this store listens to it, so every replica drops its cached decisions for that principal.
/// Holds decisions and signals only, never credentials.
/// </summary>
internal sealed class RedisDecisionStore(RedisConnection redis, RedisKeys keys, PrincipalGenerations generations, IOptions<DecisionCacheOptions> cacheOptions,
    TimeProvider time, ILogger<RedisDecisionStore> logger) : IDecisionStore, IStartupTask
{
    private readonly TimeSpan _ttl = cacheOptions.Value.TimeToLive;

    public event Action? InvalidationsMissed
    {
        add => redis.Restored += value;
        remove => redis.Restored -= value;
    }

    /// <summary>
    /// Subscribes without waiting, so a Redis that is down at start cannot hold start-up; the subscription
    /// comes back with the connection, and what was missed meanwhile is covered by <see cref="InvalidationsMissed"/>.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.Subscriber.Subscribe(keys.Invalidations, (_, principal) => generations.Bump(principal.ToString()), CommandFlags.FireAndForget);
        return Task.CompletedTask;
    }

    public async ValueTask<SharedLookup> LookupAsync(string principalId, string key, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected) return SharedLookup.Unavailable;
        try
        {
            var values = await RedisFailures.RunAsync("look up the decision", () =>
                redis.Database.StringGetAsync([keys.Signal(principalId), keys.Revocation(principalId), keys.Decision(principalId, key)])
                    .WaitAsync(redis.OperationTimeout, time, cancellationToken), retryFor: redis.OperationTimeout);
            var state = PrincipalState.Decode(values[0], values[1]);
            return new SharedLookup(true, state, DecodeDecision(values[2], state.Stamp));
        }
        catch (SharedStoreUnavailableException e)
        {
            Log.SharedStoreFailed(logger, e.Operation, e.Cause);
            return SharedLookup.Unavailable;
        }
        catch (InvalidProtocolBufferException)
        {
            Log.SharedStoreFailed(logger, "decision lookup", "undecodable stored decision");
            return SharedLookup.Unavailable;
        }
    }

    /// <summary>
    /// Stores a decision made under <paramref name="state"/>, waiting (within the budget) for Redis to take
    /// it, so that once a replica has answered every other replica finds the same decision.
    /// </summary>
    public async ValueTask SetAsync(string principalId, string key, PrincipalState state, Decision decision, DateTimeOffset? notAfter, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected) return;
        // A decision made under a signal lives no longer than the signal, nor past a time window's edge.
        var ttl = notAfter is { } end && end - time.GetUtcNow() < _ttl ? end - time.GetUtcNow() : _ttl;
        if (ttl <= TimeSpan.Zero) return;
        byte[] value = [.. Encoding.UTF8.GetBytes(state.Stamp), 0, .. decision.ToByteArray()];
        await RedisFailures.BestEffortAsync(logger, "store the decision", () =>
            redis.Database.StringSetAsync(keys.Decision(principalId, key), value, ttl).WaitAsync(redis.OperationTimeout, time, cancellationToken), false);
    }

    private static Decision? DecodeDecision(RedisValue value, string stamp)
    {
        if (value.IsNull) return null;
        var bytes = (byte[])value!;
        var separator = Array.IndexOf(bytes, (byte)0);
        if (separator < 0 || !Encoding.UTF8.GetString(bytes, 0, separator).Equals(stamp, StringComparison.Ordinal)) return null;
        return Decision.Parser.ParseFrom(bytes.AsSpan(separator + 1));
    }
}
