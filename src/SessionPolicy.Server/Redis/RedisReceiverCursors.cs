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

    // KEYS: counts. ARGV: outcome, error, at (ms).
    private const string Record = """
        if ARGV[1] == 'delivered' then
          redis.call('HINCRBY', KEYS[1], 'delivered', 1)
          redis.call('HSET', KEYS[1], 'success', ARGV[3])
        else
          if ARGV[1] == 'failed' then redis.call('HINCRBY', KEYS[1], 'failed', 1) end
          redis.call('HSET', KEYS[1], 'error', ARGV[2], 'errorAt', ARGV[3])
        end
        return 1
        """;

    public Task RecordAsync(string receiver, DeliveryOutcome outcome, string error, DateTimeOffset at) => RedisFailures.RunAsync("count a receiver's delivery", () =>
        redis.Database.ScriptEvaluateAsync(Record, [keys.ReceiverCounts(receiver)], [outcome.ToString().ToLowerInvariant(), error, at.ToUnixTimeMilliseconds()]));

    public Task<DeliveryCounts> CountsAsync(string receiver) => RedisFailures.RunAsync("read a receiver's counts", async () =>
    {
        var h = (await redis.Database.HashGetAllAsync(keys.ReceiverCounts(receiver))).ToDictionary(e => e.Name.ToString(), e => e.Value);
        static DateTimeOffset? At(Dictionary<string, RedisValue> h, string field) =>
            h.TryGetValue(field, out var v) && v.TryParse(out long ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        static long Count(Dictionary<string, RedisValue> h, string field) => h.TryGetValue(field, out var v) && v.TryParse(out long n) ? n : 0;
        return new DeliveryCounts(At(h, "success"), h.TryGetValue("error", out var e) ? e.ToString() : "", At(h, "errorAt"), Count(h, "delivered"), Count(h, "failed"));
    });

    public async Task<string?> GetAsync(string receiver) =>
        await RedisFailures.RunAsync("read a receiver's cursor", async () => (string?)await redis.Database.StringGetAsync(keys.ReceiverCursor(receiver)));

    public Task<bool> SetAsync(string receiver, string holder, string cursor) => RedisFailures.RunAsync("move a receiver's cursor", async () =>
        (int)await redis.Database.ScriptEvaluateAsync(Move, [keys.ReceiverLease(receiver), keys.ReceiverCursor(receiver)], [holder, cursor]) == 1);

    public Task<bool> HoldAsync(string receiver, string holder, TimeSpan lease) => RedisFailures.RunAsync("hold a receiver's lease", async () =>
        (int)await redis.Database.ScriptEvaluateAsync(Hold, [keys.ReceiverLease(receiver)], [holder, (long)lease.TotalMilliseconds]) == 1);
}
