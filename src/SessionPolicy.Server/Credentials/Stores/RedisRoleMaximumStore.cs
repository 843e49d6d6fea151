using System.Globalization;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Credentials.Stores;

/// <summary>
/// Role maximums shared through Redis, in front of which this replica keeps what it learned or read
/// (<see cref="InMemoryRoleMaximumStore"/>), so a known role costs no round trip. Best effort: a Redis fault
/// is logged and the answer is what this replica knows.
/// </summary>
internal sealed class RedisRoleMaximumStore(InMemoryRoleMaximumStore local, RedisConnection redis, RedisKeys keys, ILogger<RedisRoleMaximumStore> logger)
    : IRoleMaximumStore
{
    public async ValueTask<int?> GetAsync(string roleArn)
    {
        if (local.Get(roleArn) is { } known) return known;
        if (!redis.IsConnected) return null;
        try
        {
            var stored = await RedisFailures.RunAsync("look up the role maximum", () =>
                redis.Database.StringGetWithExpiryAsync(keys.RoleMaximum(roleArn)).WaitAsync(redis.OperationTimeout));
            if (stored.Value.IsNullOrEmpty || !int.TryParse(stored.Value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return null;
            local.Remember(roleArn, seconds, stored.Expiry ?? local.Retention);
            return seconds;
        }
        catch (SharedStoreUnavailableException e)
        {
            Log.SharedStoreFailed(logger, e.Operation, e.Cause);
            return null;
        }
    }

    public async ValueTask RememberAsync(string roleArn, int seconds)
    {
        await local.RememberAsync(roleArn, seconds);
        if (!redis.IsConnected) return;
        try
        {
            await RedisFailures.RunAsync("store the role maximum", () =>
                redis.Database.StringSetAsync(keys.RoleMaximum(roleArn), seconds.ToString(CultureInfo.InvariantCulture), local.Retention).WaitAsync(redis.OperationTimeout));
        }
        catch (SharedStoreUnavailableException e)
        {
            Log.SharedStoreFailed(logger, e.Operation, e.Cause);
        }
    }
}
