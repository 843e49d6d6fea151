using Google.Protobuf;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Configuration;
using SessionPolicy.Server.Internal;
using SessionPolicy.V1;
using StackExchange.Redis;

namespace SessionPolicy.Server.Caching;

/// <summary>What the shared cache answered.</summary>
internal enum SharedLookup { Hit, Miss, Unavailable }

/// <summary>
/// The decision cache shared by every replica (L2), in Redis: decisions stored as protobuf under a hash of
/// their normalised input and policy version, with the configured time to live. A lookup costs one round
/// trip and never waits longer than the operation budget; when Redis is down or slow the caller decides
/// locally. Holds decisions only, never credentials.
/// </summary>
internal sealed class SharedDecisionCache(RedisConnection redis, IOptions<DecisionCacheOptions> cacheOptions, TimeProvider time, ILogger<SharedDecisionCache> logger)
{
    private readonly TimeSpan _ttl = cacheOptions.Value.TimeToLive;

    public async ValueTask<(SharedLookup Result, Decision? Decision)> TryGetAsync(string key, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected) return (SharedLookup.Unavailable, null);
        try
        {
            var value = await redis.Database.StringGetAsync(Key(key)).WaitAsync(redis.OperationTimeout, time, cancellationToken);
            if (value.IsNull) return (SharedLookup.Miss, null);
            return (SharedLookup.Hit, Decision.Parser.ParseFrom((byte[])value!));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or Google.Protobuf.InvalidProtocolBufferException)
        {
            Log.SharedStoreFailed(logger, "decision lookup", ex.GetType().Name);
            return (SharedLookup.Unavailable, null);
        }
    }

    /// <summary>
    /// Stores a decision, waiting (within the budget) for Redis to take it, so that once a replica has
    /// answered, every other replica finds the same decision. Only a computed decision pays this.
    /// </summary>
    public async ValueTask SetAsync(string key, Decision decision, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected) return;
        try
        {
            await redis.Database.StringSetAsync(Key(key), decision.ToByteArray(), _ttl).WaitAsync(redis.OperationTimeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.SharedStoreFailed(logger, "decision store", ex.GetType().Name);
        }
    }

    private RedisKey Key(string normalizedKey) =>
        redis.Key("decision", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedKey))));
}
