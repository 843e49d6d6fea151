using SessionPolicy.Server.Receivers;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>Receivers' cursors and delivery leases in Redis: per receiver, a cursor and a lease under the receiver's tag.</summary>
internal sealed class RedisReceiverCursors(RedisConnection redis, RedisKeys keys) : IReceiverCursors
{
    // KEYS: lease. ARGV: holder, lease ms. Takes a free lease or renews one's own.
    private const string Hold = """
        local holder = redis.call('GET', KEYS[1])
        if holder and holder ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """;

    // KEYS: lease, cursor. ARGV: holder, cursor. Moves the cursor only for the lease's holder.
    private const string Move = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[2], ARGV[2])
        return 1
        """;

    // KEYS: lease. ARGV: holder.
    private const string Release = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1";

    public Task ReleaseAsync(string receiver, string holder) => RedisFailures.RunAsync("release a receiver's lease", () =>
        redis.Database.ScriptEvaluateAsync(Release, [keys.ReceiverLease(receiver)], [holder]));

    public async Task<string?> GetAsync(string receiver) =>
        await RedisFailures.RunAsync("read a receiver's cursor", async () => (string?)await redis.Database.StringGetAsync(keys.ReceiverCursor(receiver)));

    public Task<bool> SetAsync(string receiver, string holder, string cursor) => RedisFailures.RunAsync("move a receiver's cursor", async () =>
        (int)await redis.Database.ScriptEvaluateAsync(Move, [keys.ReceiverLease(receiver), keys.ReceiverCursor(receiver)], [holder, cursor]) == 1);

    public Task<bool> HoldAsync(string receiver, string holder, TimeSpan lease) => RedisFailures.RunAsync("hold a receiver's lease", async () =>
        (int)await redis.Database.ScriptEvaluateAsync(Hold, [keys.ReceiverLease(receiver)], [holder, (long)lease.TotalMilliseconds]) == 1);
}
