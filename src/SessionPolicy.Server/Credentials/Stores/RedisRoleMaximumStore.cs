using System.Globalization;
using SessionPolicy.Server.Redis;

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
        var stored = await RedisFailures.BestEffortAsync<StackExchange.Redis.RedisValueWithExpiry?>(logger, "look up the role maximum", async () =>
            await redis.Database.StringGetWithExpiryAsync(keys.RoleMaximum(roleArn)).WaitAsync(redis.OperationTimeout), null);
        if (stored is not { } found || found.Value.IsNullOrEmpty
            || !int.TryParse(found.Value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return null;
        local.Remember(roleArn, seconds, found.Expiry ?? local.Retention);
        return seconds;
    }

    public async ValueTask RememberAsync(string roleArn, int seconds)
    {
        await local.RememberAsync(roleArn, seconds);
        if (!redis.IsConnected) return;
        await RedisFailures.BestEffortAsync(logger, "store the role maximum", () =>
            redis.Database.StringSetAsync(keys.RoleMaximum(roleArn), seconds.ToString(CultureInfo.InvariantCulture), local.Retention).WaitAsync(redis.OperationTimeout), false);
    }
}
