using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Telemetry;
using StackExchange.Redis;

namespace SessionPolicy.Server.Credentials;

/// <summary>
/// Role maximums (MaxSessionDuration) learned from STS refusals, kept for
/// <see cref="StsOptions.RoleMaximumRetention"/> (a role's maximum can be raised later) in this replica and,
/// when Redis is configured, for every replica.
/// </summary>
internal sealed class RoleMaximums(TimeProvider time, IOptions<StsOptions> options, ILogger<RoleMaximums> logger, RedisConnection? redis = null)
{
    private readonly ConcurrentDictionary<string, (int Seconds, DateTimeOffset Until)> _local = new(StringComparer.Ordinal);
    private readonly TimeSpan _retention = options.Value.RoleMaximumRetention;

    /// <summary>The learned maximum of a role, or null when none is known.</summary>
    public async ValueTask<int?> GetAsync(string roleArn)
    {
        var now = time.GetUtcNow();
        if (_local.TryGetValue(roleArn, out var known))
        {
            if (known.Until > now) return known.Seconds;
            _local.TryRemove(new(roleArn, known));
        }
        if (redis is not { IsConnected: true }) return null;
        try
        {
            var stored = await redis.Database.StringGetWithExpiryAsync(redis.Key("rolemax", roleArn)).WaitAsync(redis.OperationTimeout);
            if (stored.Value.IsNullOrEmpty || !int.TryParse(stored.Value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return null;
            _local[roleArn] = (seconds, now + (stored.Expiry ?? _retention));
            return seconds;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Log.SharedStoreFailed(logger, "role maximum lookup", e.GetType().Name);
            return null;
        }
    }

    /// <summary>Remembers a role's maximum here and, best effort, for the other replicas.</summary>
    public async ValueTask RememberAsync(string roleArn, int seconds)
    {
        _local[roleArn] = (seconds, time.GetUtcNow() + _retention);
        if (redis is not { IsConnected: true }) return;
        try
        {
            await redis.Database.StringSetAsync(redis.Key("rolemax", roleArn), seconds.ToString(CultureInfo.InvariantCulture), _retention).WaitAsync(redis.OperationTimeout);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Log.SharedStoreFailed(logger, "role maximum store", e.GetType().Name);
        }
    }
}
