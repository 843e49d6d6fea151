using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Signals;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.V1;
using StackExchange.Redis;

namespace SessionPolicy.Server.Decisions.Stores;

/// <summary>
/// The store every replica shares, in Redis: decisions (L2) under a hash of their normalised input and
/// policy version, each with the stamp of the principal state it was made under, and principal state
/// (risk signals with their time to live, revocations). One lookup reads all of it in a single round trip and never waits
/// longer than the operation budget; when Redis is down or slow the caller decides locally. A state
/// change is announced on an invalidation channel so every replica drops its cached decisions for that
/// principal. Holds decisions and signals only, never credentials.
/// </summary>
internal sealed class SharedDecisionCache
{
    private readonly RedisConnection _redis;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private readonly ILogger<SharedDecisionCache> _logger;
    private readonly RedisChannel _invalidations;

    public SharedDecisionCache(RedisConnection redis, PrincipalGenerations generations, IOptions<DecisionCacheOptions> cacheOptions,
        TimeProvider time, ILogger<SharedDecisionCache> logger)
    {
        _redis = redis;
        _ttl = cacheOptions.Value.TimeToLive;
        _time = time;
        _logger = logger;
        _invalidations = RedisChannel.Literal(redis.KeyPrefix + "invalidate");
        // Registered without waiting, so a Redis that is down at start cannot hold start-up; the
        // subscription comes back with the connection, and what was missed meanwhile is covered by
        // emptying the local cache on reconnect (see DecisionService).
        redis.Subscriber.Subscribe(_invalidations, (_, principal) => generations.Bump(principal.ToString()), CommandFlags.FireAndForget);
    }

    public async ValueTask<SharedLookup> LookupAsync(string principalId, string key, CancellationToken cancellationToken)
    {
        if (!_redis.IsConnected) return SharedLookup.Unavailable;
        try
        {
            var values = await _redis.Database.StringGetAsync([SignalKey(principalId), RevocationKey(principalId), DecisionKey(key)])
                .WaitAsync(_redis.OperationTimeout, _time, cancellationToken);
            var state = PrincipalState.Decode(values[0], values[1]);
            return new SharedLookup(true, state, DecodeDecision(values[2], state.Stamp));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidProtocolBufferException)
        {
            Log.SharedStoreFailed(_logger, "decision lookup", ex.GetType().Name);
            return SharedLookup.Unavailable;
        }
    }

    /// <summary>
    /// Stores a decision made under <paramref name="state"/>, waiting (within the budget) for Redis to take
    /// it, so that once a replica has answered every other replica finds the same decision.
    /// </summary>
    public async ValueTask SetAsync(string key, PrincipalState state, Decision decision, CancellationToken cancellationToken)
    {
        if (!_redis.IsConnected) return;
        // A decision made under a signal lives no longer than the signal.
        var ttl = state.ExpiresAt is { } end && end - _time.GetUtcNow() < _ttl ? end - _time.GetUtcNow() : _ttl;
        if (ttl <= TimeSpan.Zero) return;
        try
        {
            byte[] value = [.. Encoding.UTF8.GetBytes(state.Stamp), 0, .. decision.ToByteArray()];
            await _redis.Database.StringSetAsync(DecisionKey(key), value, ttl)
                .WaitAsync(_redis.OperationTimeout, _time, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.SharedStoreFailed(_logger, "decision store", ex.GetType().Name);
        }
    }

    /// <summary>
    /// Records a risk signal for its time to live (and, with <paramref name="revoke"/>, a revocation as of
    /// now) and tells every replica. Throws when Redis did not take it.
    /// </summary>
    public async Task ReportAsync(string principalId, int riskScore, TimeSpan ttl, bool revoke, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var budget = TimeSpan.FromTicks(Math.Max(_redis.OperationTimeout.Ticks, TimeSpan.FromSeconds(1).Ticks));
        var database = _redis.Database;
        var writes = new List<Task>
        {
            database.StringSetAsync(SignalKey(principalId), PrincipalState.EncodeSignal(Guid.NewGuid().ToString("N"), riskScore, now + ttl), ttl),
        };
        if (revoke)
        {
            writes.Add(database.StringSetAsync(RevocationKey(principalId), PrincipalState.EncodeRevocation(Guid.NewGuid().ToString("N"), now), PrincipalState.RevocationLifetime));
        }
        await Task.WhenAll(writes).WaitAsync(budget, _time, cancellationToken);
        await _redis.Subscriber.PublishAsync(_invalidations, principalId).WaitAsync(budget, _time, cancellationToken);
    }

    private static Decision? DecodeDecision(RedisValue value, string stamp)
    {
        if (value.IsNull) return null;
        var bytes = (byte[])value!;
        var separator = Array.IndexOf(bytes, (byte)0);
        if (separator < 0 || !Encoding.UTF8.GetString(bytes, 0, separator).Equals(stamp, StringComparison.Ordinal)) return null;
        return Decision.Parser.ParseFrom(bytes.AsSpan(separator + 1));
    }

    private RedisKey SignalKey(string principalId) => _redis.Key("signal", principalId);

    private RedisKey RevocationKey(string principalId) => _redis.Key("revoked", principalId);

    private RedisKey DecisionKey(string normalizedKey) =>
        _redis.Key("decision", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedKey))));
}
